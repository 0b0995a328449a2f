import pino from 'pino';

/** Bytes of log lines gathered before one write to stdout. */
const LOG_BUFFER_BYTES = 4096;
/** The longest a buffered line waits when traffic is too low to fill the buffer. */
const LOG_FLUSH_MS = 100;

/**
 * Standard output for the logs, written in batches: one write per 4 kB of lines or per 100 ms,
 * whichever comes first, instead of one write per line. Under load a write per request costs
 * more than building the line. pino flushes what is buffered when the process exits.
 */
export function bufferedStdout(): pino.DestinationStream & { flushSync(): void } {
  return pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS });
}
