import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so tests that build several apps do not collide. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'meterway_http_requests_total',
    help: 'HTTP requests served, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'meterway_http_request_duration_seconds',
    help: 'HTTP request duration, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly upstreamCalls = new Counter({
    name: 'meterway_upstream_calls_total',
    help: 'Calls to vendor APIs, by integration, resource and status (cache hits excluded)',
    labelNames: ['integration', 'resource', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'meterway_upstream_call_duration_seconds',
    help: 'Vendor API call duration, by integration and resource',
    labelNames: ['integration', 'resource'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly cacheLookups = new Counter({
    name: 'meterway_cache_lookups_total',
    help: 'Response cache lookups, by result (hit, miss, shared)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /**
   * The labelled children of the request counter and histogram, by route, method and status:
   * prom-client hashes a labels object on every call, which showed in profiles of the hot path.
   */
  readonly #requestSeries = new Map<
    string,
    { count: { inc(): void }; duration: { observe(v: number): void } }
  >();

  recordRequest(route: string, method: string, status: number, elapsedMs: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.#requestSeries.get(key);
    if (!series) {
      const labels = { route, method, status: String(status) };
      series = { count: this.requests.labels(labels), duration: this.requestDuration.labels(labels) };
      this.#requestSeries.set(key, series);
    }
    series.count.inc();
    series.duration.observe(elapsedMs / 1000);
  }

  constructor(withDefaults = true) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'meterway_' });
  }
}
