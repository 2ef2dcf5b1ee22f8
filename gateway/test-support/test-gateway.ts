/** Starts a gateway on a free loopback port with the test routes, a fake authenticator and a ManualClock. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import type { RavelConfig } from '../../config/schema.ts';
import { createGateway } from '../create-gateway.ts';
import type { Gateway, GatewayDeps } from '../gateway.ts';
import type { AnyRoute } from '../http/route.ts';
import { FakeAuthenticator } from './fake-authenticator.ts';
import { testRoutes, type RouteCalls } from './test-routes.ts';

export interface TestGateway {
  readonly gw: Gateway;
  /** `http://127.0.0.1:port/api/v1` */
  readonly api: string;
  readonly auth: FakeAuthenticator;
  readonly clock: ManualClock;
  readonly calls: RouteCalls;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export const generousRateLimit = {
  perPrincipal: { perSecond: 100_000, burst: 100_000 },
  perAddress: { perSecond: 100_000, burst: 100_000 },
  maxBuckets: 1000,
};

export async function startTestGateway(
  gateway: Partial<RavelConfig['gateway']> = {},
  extra: Partial<Omit<GatewayDeps, 'config' | 'clock' | 'authenticator' | 'routes'>> = {},
  own: { readonly routes?: readonly AnyRoute[]; readonly auth?: FakeAuthenticator } = {},
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-gw-'));
  const clock = new ManualClock();
  const auth = own.auth ?? new FakeAuthenticator();
  const calls: RouteCalls = { count: 0, slowFinished: 0 };
  const gw = await createGateway({
    config: {
      dataDir,
      gateway: {
        host: '127.0.0.1',
        port: 0,
        tls: 'off',
        maxBodyBytes: 4096,
        rateLimit: generousRateLimit,
        shutdownGraceMs: 2000,
        ...gateway,
      },
    },
    clock,
    log: silentLogger,
    routes: own.routes ?? testRoutes(calls),
    authenticator: auth,
    ...extra,
  });
  return {
    gw,
    api: `${gw.url}/api/v1`,
    auth,
    clock,
    calls,
    dataDir,
    async stop() {
      // Shutdown waits on the ManualClock for its grace period: move it along.
      const closing = gw.close();
      await clock.advance(60_000);
      await closing;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
