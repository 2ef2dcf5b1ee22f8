/**
 * The uWS handlers outside /api/v1: /healthz, /readyz, /metrics and the console's static
 * files. Each answers through an Exchange, so the async ones are abort-safe and corked.
 */
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';
import type { Clock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { Exchange } from '../http/exchange.ts';
import { encodeError, JSON_TYPE } from '../http/wire-reply.ts';
import type { ConsoleFiles } from '../static/console-files.ts';
import type { GatewayMetrics } from './metrics.ts';
import { runProbes, type ReadinessProbe } from './readiness.ts';

type UwsHandler = (res: HttpResponse, req: HttpRequest) => void;

export interface OpsDeps {
  readonly metrics: GatewayMetrics;
  readonly probes: readonly ReadinessProbe[];
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly files: ConsoleFiles;
}

export function opsHandlers(
  d: OpsDeps,
): Record<'healthz' | 'readyz' | 'metrics' | 'staticFile', UwsHandler> {
  return {
    healthz: (res) => {
      new Exchange(res).send({
        status: 200,
        headers: [['Content-Type', JSON_TYPE]],
        body: '{"status":"ok"}',
      });
    },
    readyz: (res) => {
      const ex = new Exchange(res);
      void runProbes(d.probes, d.clock, d.timeoutMs).then((report) => {
        ex.send({
          status: report.ready ? 200 : 503,
          headers: [['Content-Type', JSON_TYPE]],
          body: JSON.stringify(report),
        });
      });
    },
    metrics: (res) => {
      const ex = new Exchange(res);
      d.metrics.render().then(
        (body) =>
          ex.send({ status: 200, headers: [['Content-Type', d.metrics.contentType]], body }),
        (e: unknown) => ex.send(encodeError(e)),
      );
    },
    staticFile: (res, req) => {
      const ex = new Exchange(res);
      const method = req.getMethod();
      const file = method === 'get' || method === 'head' ? d.files.lookup(req.getUrl()) : undefined;
      if (file === undefined) {
        ex.send(encodeError(new RavelError('NOT_FOUND', 'not found')));
        return;
      }
      ex.res.cork(() => {
        ex.done = true;
        ex.status = 200;
        res
          .writeStatus('200 OK')
          .writeHeader('Content-Type', file.contentType)
          .writeHeader('X-Content-Type-Options', 'nosniff');
        if (method === 'head') res.endWithoutBody(file.body.byteLength);
        else res.end(file.body);
      });
    },
  };
}
