/**
 * The fan-out benchmark's server: the gateway with its live endpoint over an in-memory event
 * stream, in its own process. It reports its port and a client token to the parent over IPC,
 * and appends a VM state change (carrying its send time) each time the parent asks.
 */
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { createGateway } from '../../gateway/create-gateway.ts';
import { MemoryLiveEvents } from '../../gateway/live/memory-live-events.ts';
import { alice, FakeAuthenticator } from '../../gateway/test-support/fake-authenticator.ts';

export const TENANT = alice.tenantId;
/** Wall-clock microseconds, an integer: clients read it as digits, without parsing JSON. */
export const wallMicros = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

const events = new MemoryLiveEvents();
const auth = new FakeAuthenticator();
const unlimited = { perSecond: 1e9, burst: 1e9 };
const gw = await createGateway({
  config: {
    dataDir: '/tmp/ravel-bench-live',
    gateway: {
      host: '127.0.0.1',
      port: 0,
      tls: 'off',
      maxBodyBytes: 1024 * 1024,
      rateLimit: { perAddress: unlimited, perPrincipal: unlimited, maxBuckets: 1000 },
    },
  },
  clock: systemClock,
  log: silentLogger,
  authenticator: auth,
  routes: [],
  events,
});

process.on('message', (m: { op: string; i: number }) => {
  if (m.op !== 'emit') return;
  const start = performance.now();
  events.append(TENANT, ['events', 'vms'], {
    name: 'VM_STATE_CHANGED',
    subjects: [{ type: 'APPLICATION', id: '1' }],
    details: { vmId: String(m.i), from: 'STARTING', to: 'STARTED' },
    sentAt: wallMicros(),
  });
  // The append returns once the frame is published; uWS writes it to the sockets right after.
  process.send?.({ op: 'emitted', i: m.i, clients: gw.liveClients, fanOutMs: performance.now() - start });
});
process.send?.({ op: 'ready', port: gw.port, session: auth.session(alice) });
process.on('SIGINT', () => process.exit(0));
