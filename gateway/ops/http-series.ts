/**
 * Request counts and latency histograms per route, method and status, kept by hand rather
 * than in prom-client: its observe() validates and hashes the label set on every call,
 * which cost the REST read path about a tenth of its CPU. Rendered in the same
 * Prometheus text format at scrape time.
 */

const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

interface Series {
  readonly labels: string;
  count: number;
  sum: number;
  readonly buckets: Float64Array;
}

export class HttpSeries {
  // route → method → status: route patterns and statuses are few, so this stays small.
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();

  observe(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined)
      this.byRoute.set(route, (byMethod = new Map<string, Map<number, Series>>()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<number, Series>()));
    let s = byStatus.get(status);
    if (s === undefined) {
      const labels = `route="${escape(route)}",method="${escape(method)}",status="${status}"`;
      byStatus.set(
        status,
        (s = { labels, count: 0, sum: 0, buckets: new Float64Array(BOUNDS.length) }),
      );
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BOUNDS.length; i++) {
      if (seconds <= (BOUNDS[i] as number)) {
        s.buckets[i]!++;
        break;
      }
    }
  }

  render(): string {
    const counts = [
      '# HELP ravel_http_requests_total HTTP requests answered, by route pattern, method and status',
      '# TYPE ravel_http_requests_total counter',
    ];
    const hist = [
      '# HELP ravel_http_request_duration_seconds Time from request to answer, by route pattern, method and status',
      '# TYPE ravel_http_request_duration_seconds histogram',
    ];
    for (const byMethod of this.byRoute.values()) {
      for (const byStatus of byMethod.values()) {
        for (const s of byStatus.values()) {
          counts.push(`ravel_http_requests_total{${s.labels}} ${s.count}`);
          let cumulative = 0;
          BOUNDS.forEach((b, i) => {
            cumulative += s.buckets[i] as number;
            hist.push(
              `ravel_http_request_duration_seconds_bucket{le="${b}",${s.labels}} ${cumulative}`,
            );
          });
          hist.push(`ravel_http_request_duration_seconds_bucket{le="+Inf",${s.labels}} ${s.count}`);
          hist.push(`ravel_http_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
          hist.push(`ravel_http_request_duration_seconds_count{${s.labels}} ${s.count}`);
        }
      }
    }
    return `${counts.join('\n')}\n\n${hist.join('\n')}\n`;
  }
}

/** A Prometheus label value, escaped. */
export function escape(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
