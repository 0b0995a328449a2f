export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Vendor responses by request; implementations: in-process LRU, Redis. */
export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse, ttlMs: number): Promise<void>;
}

interface Entry {
  value: CachedResponse;
  expires: number;
  bytes: number;
}

/** An LRU bounded by entries and bytes, with a TTL per entry. */
export class MemoryResponseCache implements ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 5000,
    private readonly maxBytes = 128 * 1024 * 1024,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async get(key: string): Promise<CachedResponse | undefined> {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.remove(key, e);
      return undefined;
    }
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  async set(key: string, value: CachedResponse, ttlMs: number): Promise<void> {
    // Counted at 4 bytes a character: the text (one byte a character for vendors' ASCII JSON, two
    // at worst), its parsed body, which the gateway keeps beside each cached answer (~1.1x), and
    // the records' JSON once served from the cache (~1.3x, see row-json.ts).
    const bytes = value.text.length * 4 + 256;
    if (ttlMs <= 0 || bytes > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    this.entries.set(key, { value, expires: this.now() + ttlMs, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(k, e);
    }
  }

  private remove(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}

/**
 * Merges identical concurrent calls: N callers, one upstream request. Implementations: in-process
 * (SingleFlight) and across replicas (RedisSingleFlight).
 */
export interface Flights {
  /**
   * Runs fn once per key at a time; `shared` tells a caller it got another's answer. `follow`
   * reads that answer where a caller cannot share the leader's promise (another replica's call):
   * undefined when there is none.
   */
  run<T>(
    key: string,
    fn: () => Promise<T>,
    follow?: () => Promise<T | undefined>,
  ): Promise<{ value: T; shared: boolean }>;
}

/** Identical concurrent calls in this process share one promise. */
export class SingleFlight implements Flights {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /** Runs fn once per key at a time; `shared` tells a caller it joined another's call. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<{ value: T; shared: boolean }> {
    const existing = this.inFlight.get(key) as Promise<T> | undefined;
    if (existing) return { value: await existing, shared: true };
    const p = fn().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return { value: await p, shared: false };
  }
}
