/**
 * The gateway's Prometheus figures: requests and latency per route and status, WebSocket
 * clients and their forced closes. Other components (the actor runtime, the bus) add theirs
 * through MetricsHook: text in the exposition format appended to /metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Another component's figures, already in the Prometheus text format. */
export type MetricsHook = () => string | Promise<string>;

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'ravel_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'ravel_http_request_duration_seconds',
    help: 'Time from request to answer, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private readonly aborted = new Counter({
    name: 'ravel_http_requests_aborted_total',
    help: 'Requests whose client went away before the answer',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly wsClients = new Gauge({
    name: 'ravel_ws_clients',
    help: 'Connected live-status WebSocket clients',
    registers: [this.registry],
  });
  readonly wsClosed = new Counter({
    name: 'ravel_ws_closed_total',
    help: 'WebSocket clients the gateway closed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly series = new Map<
    string,
    { count: { inc(): void }; latency: { observe(v: number): void } }
  >();

  constructor(private readonly hooks: readonly MetricsHook[] = []) {}

  /** `status` 0 means the client aborted first. */
  observe(route: string, method: string, status: number, seconds: number): void {
    if (status === 0) {
      this.aborted.inc({ route });
      return;
    }
    const key = `${status} ${method} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      // Label children resolved once per series: prom-client hashes label objects on every call otherwise.
      const labels = { route, method, status: String(status) };
      series = { count: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.series.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  async render(): Promise<string> {
    const parts = [await this.registry.metrics()];
    for (const hook of this.hooks) {
      const text = await hook();
      parts.push(text.endsWith('\n') ? text : `${text}\n`);
    }
    return parts.join('');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
