/**
 * The gateway with one read route shaped like `GET /applications/{id}`, in its own process
 * for wrk; reports its port to the parent over IPC.
 */
import { Type } from '@sinclair/typebox';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { createGateway } from '../../gateway/create-gateway.ts';
import { defineRoute, json } from '../../gateway/gateway.ts';
import { ServerId } from '../../gateway/http/schema-types.ts';
import { FakeAuthenticator } from '../../gateway/test-support/fake-authenticator.ts';

const app = {
  id: 0,
  name: 'bench-app',
  description: 'a small application',
  published: true,
  deployment: { totalActiveVms: 3 },
  nextStopTime: 1_700_000_000_000,
};

const gw = await createGateway({
  config: {
    dataDir: '/tmp/ravel-bench-gateway',
    gateway: {
      host: '127.0.0.1',
      port: 0,
      tls: 'off',
      maxBodyBytes: 1024 * 1024,
      rateLimit: {
        perAddress: { perSecond: 1e9, burst: 1e9 },
        perPrincipal: { perSecond: 1e9, burst: 1e9 },
        maxBuckets: 1000,
      },
    },
  },
  clock: systemClock,
  log: silentLogger,
  authenticator: new FakeAuthenticator(),
  routes: [
    defineRoute({
      method: 'GET',
      path: '/applications/{id}',
      auth: 'none',
      schema: { params: Type.Object({ id: ServerId }) },
      handler: async (req) => json({ ...app, id: req.params.id }),
    }),
  ],
});
process.send?.(gw.port);
process.on('SIGINT', () => process.exit(0));
