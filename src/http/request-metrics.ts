import type { Metric, Registry } from 'prom-client';

const REQUESTS_TOTAL = 'meterway_http_requests_total';
const REQUEST_DURATION = 'meterway_http_request_duration_seconds';

/** Upper bounds (seconds) of the request-duration histogram buckets. */
export const REQUEST_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

interface Series {
  labels: { route: string; method: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative), the last slot for +Inf. */
  buckets: Float64Array;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * The HTTP request counter and duration histogram, counted in plain numbers and handed to
 * prom-client only when /metrics is read. prom-client's own Counter and Histogram validate and
 * hash their label object on every call, even through `labels()` children: 2.8 µs a request,
 * an eighth of a cheap request's CPU. The exposition is the same text prom-client's classes
 * write for the same observations (`test/api/metrics.test.ts` compares them).
 */
export class RequestMetrics {
  readonly #series = new Map<string, Series>();

  constructor(registry: Registry) {
    registry.registerMetric(
      this.#metric(REQUESTS_TOTAL, 'counter', 'HTTP requests served, by route, method and status', () =>
        this.#counterValues(),
      ),
    );
    registry.registerMetric(
      this.#metric(REQUEST_DURATION, 'histogram', 'HTTP request duration, by route, method and status', () =>
        this.#histogramValues(),
      ),
    );
  }

  record(route: string, method: string, status: number, elapsedMs: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.#series.get(key);
    if (!s) {
      s = {
        labels: { route, method, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(REQUEST_DURATION_BUCKETS.length + 1),
      };
      this.#series.set(key, s);
    }
    const seconds = elapsedMs / 1000;
    s.count += 1;
    s.sum += seconds;
    let b = 0;
    while (b < REQUEST_DURATION_BUCKETS.length && seconds > (REQUEST_DURATION_BUCKETS[b] as number)) b++;
    (s.buckets[b] as number) += 1;
  }

  #counterValues(): ExportedValue[] {
    return [...this.#series.values()].map((s) => ({ labels: { ...s.labels }, value: s.count }));
  }

  #histogramValues(): ExportedValue[] {
    const out: ExportedValue[] = [];
    for (const s of this.#series.values()) {
      let acc = 0;
      REQUEST_DURATION_BUCKETS.forEach((le, i) => {
        acc += s.buckets[i] as number;
        out.push({ labels: { le, ...s.labels }, value: acc, metricName: `${REQUEST_DURATION}_bucket` });
      });
      out.push({
        labels: { le: '+Inf', ...s.labels },
        value: s.count,
        metricName: `${REQUEST_DURATION}_bucket`,
      });
      out.push({ labels: { ...s.labels }, value: s.sum, metricName: `${REQUEST_DURATION}_sum` });
      out.push({ labels: { ...s.labels }, value: s.count, metricName: `${REQUEST_DURATION}_count` });
    }
    return out;
  }

  /** A metric in the shape prom-client's registry reads (name, help, type, get). */
  #metric(name: string, type: 'counter' | 'histogram', help: string, values: () => ExportedValue[]): Metric {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      // registry.resetMetrics() resets every metric; both share the series, so both clear them.
      reset: () => this.#series.clear(),
    };
    return metric as unknown as Metric;
  }
}
