import { createHmac } from 'node:crypto';

/**
 * Digests of values that contain credentials (cache keys, per-key rate-limit buckets), keyed with
 * a secret: a plain SHA-256 of a short password in a Redis key could be tested against guesses
 * offline by anyone who can read Redis. Replicas derive the same key from the shared secret key,
 * so their digests agree.
 */
export class SecretDigest {
  readonly #key: Buffer;

  constructor(key: Buffer | string) {
    this.#key = createHmac('sha256', key).update('meterway cache and bucket keys').digest();
  }

  /** The parts, each followed by a NUL so ("a", "bc") and ("ab", "c") differ. */
  of(...parts: string[]): string {
    const h = createHmac('sha256', this.#key);
    for (const p of parts) h.update(p).update('\0');
    return h.digest('base64url');
  }
}
