/** The gateway's implementation: wiring of uWS routes, listening, and graceful shutdown. */
import uws from '@trufflesuite/uws-js-unofficial';
import { match } from 'ts-pattern';
import type { Lifecycle } from '../core/lifecycle.ts';
import { RavelError } from '../core/errors.ts';
import { sessionRoutes } from './auth/session-routes.ts';
import { apiHandler, BASE_HEADERS } from './http/dispatch.ts';
import { Inflight } from './http/inflight.ts';
import { defineRoute, json } from './http/route.ts';
import { Router } from './http/router.ts';
import { limitedByAddress } from './limits/stream-limits.ts';
import { TokenBuckets } from './limits/token-buckets.ts';
import { liveBehavior } from './live/live-endpoint.ts';
import { LiveHub } from './live/live-hub.ts';
import { LiveCredentialCheck } from './live/live-credentials.ts';
import { emptySnapshots, MemoryLiveEvents } from './live/memory-live-events.ts';
import { buildOpenApi } from './openapi/openapi.ts';
import { GatewayMetrics } from './ops/metrics.ts';
import { opsHandlers } from './ops/ops-routes.ts';
import { ConsoleFiles, CONSOLE_DIR } from './static/console-files.ts';
import { resolveTls } from './tls/certificates.ts';
import { plainHttpApp } from './tls/plain-http.ts';
import { API_PREFIX, type Gateway, type GatewayDeps, type GatewayTuning, type StreamDoc, type StreamEndpoint } from './gateway.ts';
import type { LiveEvent } from './live/live-events.ts';

const defaultTuning: GatewayTuning = {
  maxJsonDepth: 32,
  wsMaxPayloadBytes: 16 * 1024,
  wsIdleTimeoutSeconds: 120,
  wsMaxBufferedBytes: 1024 * 1024,
  wsMaxTopicsPerClient: 32,
  wsMaxSnapshotBytes: 64 * 1024 * 1024,
  readinessTimeoutMs: 2000,
  consoleDir: CONSOLE_DIR,
};

const defaultRateLimit = {
  perPrincipal: { perSecond: 200, burst: 400 },
  perAddress: { perSecond: 500, burst: 1000 },
  maxBuckets: 100_000,
};

/** uWS has `close()` on apps (closes every socket) but its typings lack it. */
interface ClosableApp {
  close?: () => void;
}

export async function createGateway(deps: GatewayDeps): Promise<Gateway> {
  const cfg = deps.config.gateway;
  const tuning = { ...defaultTuning, ...deps.tuning };
  const rate = cfg.rateLimit ?? defaultRateLimit;
  const tls = await resolveTls(cfg.tls, deps.config.dataDir, deps.log);
  const secure = tls !== undefined;
  const metrics = new GatewayMetrics(deps.metrics ?? []);
  const inflight = new Inflight();
  const perAddress = new TokenBuckets(deps.clock, rate.perAddress, rate.maxBuckets);
  const perPrincipal = new TokenBuckets(deps.clock, rate.perPrincipal, rate.maxBuckets);
  const liveSource = deps.events ?? new MemoryLiveEvents();
  const specs = [...sessionRoutes(deps.authenticator), ...deps.routes];
  let openapi: unknown;
  specs.push(
    defineRoute({
      method: 'GET',
      path: '/openapi.json',
      auth: 'none',
      schema: {},
      summary: 'This description',
      handler: async () =>
        json(
          (openapi ??= buildOpenApi(
            specs,
            { title: 'Ravel API', version: '1', basePath: API_PREFIX },
            streamDocs(deps.streams ?? []),
          )),
        ),
    }),
  );
  const router = new Router(specs, BASE_HEADERS);

  const app =
    tls === undefined
      ? uws.App()
      : uws.SSLApp({
          cert_file_name: tls.certFile,
          key_file_name: tls.keyFile,
          ...(tls.caFile === undefined ? {} : { ca_file_name: tls.caFile }),
        });
  const hub = new LiveHub(
    {
      maxBufferedBytes: tuning.wsMaxBufferedBytes,
      maxTopicsPerClient: tuning.wsMaxTopicsPerClient,
      maxSnapshotBytes: tuning.wsMaxSnapshotBytes,
    },
    { source: liveSource, publisher: app, snapshots: deps.snapshots ?? emptySnapshots, metrics, log: deps.log },
  );

  const ops = opsHandlers({
    metrics,
    probes: deps.readiness ?? [],
    clock: deps.clock,
    timeoutMs: tuning.readinessTimeoutMs,
    files: new ConsoleFiles(tuning.consoleDir),
  });
  const api = apiHandler({
    router,
    prefix: API_PREFIX,
    authenticator: deps.authenticator,
    perAddress,
    perPrincipal,
    maxBodyBytes: cfg.maxBodyBytes,
    json: { maxDepth: tuning.maxJsonDepth },
    secure,
    metrics,
    inflight,
    log: deps.log,
  });
  const streamCtx = { authenticator: deps.authenticator, inflight, secure, log: deps.log, perPrincipal };
  for (const endpoint of deps.streams ?? []) {
    const handler = limitedByAddress(perAddress, endpoint.handler(streamCtx));
    for (const pattern of endpoint.patterns) app.any(`${API_PREFIX}${pattern}`, handler);
  }
  app
    .ws(
      `${API_PREFIX}/live`,
      liveBehavior({
        hub,
        authenticator: deps.authenticator,
        perAddress,
        perPrincipal,
        inflight,
        log: deps.log,
        maxPayloadLength: tuning.wsMaxPayloadBytes,
        idleTimeoutSeconds: tuning.wsIdleTimeoutSeconds,
        maxBufferedBytes: tuning.wsMaxBufferedBytes,
        maxSnapshotBytes: tuning.wsMaxSnapshotBytes,
      }),
    )
    .any(API_PREFIX, api)
    .any(`${API_PREFIX}/*`, api)
    .get('/healthz', ops.healthz)
    .get('/readyz', ops.readyz)
    .get('/metrics', ops.metrics)
    .any('/*', ops.staticFile);

  const listenSocket = await listen(app, cfg.host, cfg.port);
  const port = uws.us_socket_local_port(listenSocket);
  let plainSocket: uws.us_listen_socket | undefined;
  let plainApp: uws.TemplatedApp | undefined;
  if (secure && cfg.plainHttpPort !== undefined) {
    plainApp = plainHttpApp(port, API_PREFIX);
    plainSocket = await listen(plainApp, cfg.host, cfg.plainHttpPort);
  }
  const stopEvents = liveSource.subscribe((e) => hub.broadcast(e));
  const credentialCheck = new LiveCredentialCheck({ sockets: hub, authenticator: deps.authenticator, clock: deps.clock, log: deps.log });
  credentialCheck.start();
  const unhookDrops = deps.authenticator.onCredentialsDropped?.((org) => void credentialCheck.recheck(org === undefined ? undefined : String(org)));
  let lifecycle: Lifecycle = { status: 'running' };
  let closing: Promise<void> | undefined;
  const log = deps.log.child({ component: 'gateway' });
  log.info({ port, tls: secure }, 'gateway listening');

  const shutdown = async (): Promise<void> => {
    lifecycle = { status: 'draining' };
    inflight.draining = true;
    uws.us_listen_socket_close(listenSocket);
    if (plainSocket !== undefined) uws.us_listen_socket_close(plainSocket);
    stopEvents();
    credentialCheck.stop();
    unhookDrops?.();
    hub.closeAll();
    const grace = new AbortController();
    await Promise.race([
      inflight.idle(),
      deps.clock.sleep(cfg.shutdownGraceMs ?? 10_000, grace.signal).catch(() => undefined),
    ]);
    grace.abort();
    if (inflight.size > 0)
      log.warn({ inflight: inflight.size }, 'closing with requests still in progress');
    (app as unknown as ClosableApp).close?.();
    (plainApp as unknown as ClosableApp | undefined)?.close?.();
    lifecycle = { status: 'stopped' };
    log.info('gateway stopped');
  };

  return {
    port,
    url: `${secure ? 'https' : 'http'}://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${port}`,
    get lifecycle() {
      return lifecycle;
    },
    get liveClients() {
      return hub.size;
    },
    broadcast: (e: LiveEvent) => hub.broadcast(e),
    close: () =>
      match(lifecycle)
        .with({ status: 'running' }, () => (closing = shutdown()))
        .with(
          { status: 'starting' },
          { status: 'failed' },
          { status: 'draining' },
          { status: 'stopped' },
          () => closing ?? Promise.resolve(),
        )
        .exhaustive(),
  };
}

/** What openapi.json says of the endpoints outside the route table: theirs, or a GET per pattern; and /live. */
function streamDocs(streams: readonly StreamEndpoint[]): StreamDoc[] {
  const docs: StreamDoc[] = [
    { method: 'GET', path: '/live', summary: 'Live status over a WebSocket (upgrade): snapshot, then every change with its sequence', auth: 'session-or-token' },
  ];
  for (const s of streams) {
    docs.push(
      ...(s.docs ??
        s.patterns.map((p) => ({ method: 'GET' as const, path: p.replace(/:(\w+)/g, '{$1}'), summary: 'streamed', auth: 'session-or-token' as const }))),
    );
  }
  return docs;
}

function listen(app: uws.TemplatedApp, host: string, port: number): Promise<uws.us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (token) => {
      if (token === false)
        reject(new RavelError('UNAVAILABLE', `gateway cannot listen on ${host}:${port}`));
      else resolve(token);
    });
  });
}
