/** The export progress line on stderr: rows, pages, elapsed time and rate-limit waits. */

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 100;

export class Progress {
  rows = 0;
  pages = 0;
  waits = 0;
  private waiting: string | undefined;
  private readonly started = Date.now();
  private lastDraw = 0;
  private frame = 0;
  private shown = false;
  private readonly enabled: boolean;

  /** Draws only when the sink is a terminal: pipes and files never see a progress line. */
  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
  ) {
    this.enabled = sink.isTTY === true;
  }

  page(rows: number): void {
    this.pages++;
    this.rows += rows;
    this.waiting = undefined;
    this.draw(true);
  }

  addRows(rows: number): void {
    this.rows += rows;
    this.draw(false);
  }

  rateLimited(seconds: number): void {
    this.waits++;
    this.waiting = `waiting ${seconds} s for the rate limit`;
    this.draw(true);
  }

  /** The line as drawn (also what tests read). */
  text(): string {
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1);
    const spinner = FRAMES[this.frame % FRAMES.length];
    const parts = [
      `${spinner} ${this.label}`,
      `${this.rows.toLocaleString('en-US')} rows`,
      `${this.pages} ${this.pages === 1 ? 'page' : 'pages'}`,
      `${elapsed} s`,
      `rate-limit waits ${this.waits}`,
    ];
    if (this.waiting) parts.push(this.waiting);
    return parts.join(' · ');
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.frame++;
    // A terminal without a size (a bare pty) reports 0 columns.
    const width = Math.max((this.sink.columns || Number(process.env.COLUMNS) || 80) - 1, 20);
    this.sink.write(`\r\x1b[2K${this.text().slice(0, width)}`);
    this.shown = true;
  }

  /** Leaves a final summary line in place of the bar. */
  done(): void {
    if (!this.enabled || !this.shown) return;
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1);
    this.sink.write(
      `\r\x1b[2K✔ ${this.label}: ${this.rows.toLocaleString('en-US')} rows, ${this.pages} ${this.pages === 1 ? 'page' : 'pages'}, ${elapsed} s, rate-limit waits ${this.waits}\n`,
    );
  }

  /** Clears the bar before an error message. */
  clear(): void {
    if (this.enabled && this.shown) this.sink.write('\r\x1b[2K');
  }
}
