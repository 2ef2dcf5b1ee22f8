/**
 * The gateway's Prometheus figures: requests and latency per route and status, WebSocket
 * clients and their forced closes. Other components (the actor runtime, the bus) add theirs
 * through MetricsHook: text in the exposition format appended to /metrics.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { HttpSeries } from './http-series.ts';

/** Another component's figures, already in the Prometheus text format. */
export type MetricsHook = () => string | Promise<string>;

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly http = new HttpSeries();
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

  constructor(private readonly hooks: readonly MetricsHook[] = []) {}

  /** `status` 0 means the client aborted first. */
  observe(route: string, method: string, status: number, seconds: number): void {
    if (status === 0) {
      this.aborted.inc({ route });
      return;
    }
    this.http.observe(route, method, status, seconds);
  }

  async render(): Promise<string> {
    const parts = [this.http.render(), '\n', await this.registry.metrics()];
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
