/**
 * A Ravel node (startRavelNode) for the REST benchmark, in its own process. Embedded mode by
 * default, every role; cluster mode when the parent passes RAVEL_MODE=cluster, the servers and
 * RAVEL_ROLES in the environment. A node without the gateway role only starts and says so
 * (`{ up: true }`). A node with it also serves a uWebSockets.js hello-world in the same process
 * on another port, makes the demo organization, logs in, creates one application, and tells the
 * parent over IPC: both ports, the session cookie and the application's id. Asked
 * `{ asks: seconds }`, it measures the actor runtime's read ask from this process (its
 * ControlPlane's getApplication, 64 in flight: the call the REST read makes, in process on an
 * all-roles node, over the bus on a gateway-only node) and answers the rate. Rate limits are
 * lifted: wrk's one address would otherwise be 429 after the burst.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import uws from '@trufflesuite/uws-js-unofficial';
import { compileConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoOrganization } from '../../service/demo-organization.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import { measureRate } from '../lib/baselines/rate.ts';

export interface NodeServerReady {
  readonly gatewayPort: number;
  readonly helloPort: number;
  readonly cookie: string;
  readonly appId: number;
}

const unlimited = { perSecond: 1e9, burst: 1e9 };
const config = compileConfig(
  {
    dataDir: mkdtempSync(join(tmpdir(), 'ravel-bench-gw-')),
    gateway: { port: 0, rateLimit: { perAddress: unlimited, perPrincipal: unlimited, maxBuckets: 1000 } },
    logLevel: 'silent',
  },
  process.env,
);
const node = await startRavelNode(config, { nodeId: `bench-gw-${process.pid}`, clock: systemClock, log: silentLogger });
process.on('SIGTERM', () => void node.close().then(() => process.exit(0)));
if (node.gateway === undefined) {
  process.send?.({ up: true });
  await new Promise(() => undefined); // runs until SIGTERM
}
const gatewayPort = node.gateway?.port ?? 0;

const helloPort = await new Promise<number>((resolve, reject) => {
  uws
    .App()
    .get('/*', (res) => {
      res.writeHeader('Content-Type', 'text/plain').end('Hello World!');
    })
    .listen('127.0.0.1', 0, (token) => (token === false ? reject(new Error('hello-world cannot listen')) : resolve(uws.us_socket_local_port(token))));
});

const password = 'bench-password-1';
await ensureDemoOrganization(node.control, password);
const api = `http://127.0.0.1:${gatewayPort}/api/v1`;
const login = await fetch(`${api}/login`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${DEMO_ADMIN_EMAIL}:${password}`).toString('base64')}` } });
if (login.status !== 200) throw new Error(`bench login answered ${login.status}`);
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const created = await fetch(`${api}/applications`, {
  method: 'POST',
  headers: { cookie, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench-app', description: 'a small application', design: { vms: [sampleVm(1), sampleVm(2), sampleVm(3)] } }),
});
const appId = ((await created.json()) as { id: number }).id;
const principal = await node.control.resolveSession(cookie.slice(cookie.indexOf('=') + 1));
if (principal === undefined) throw new Error('the bench session does not resolve');

process.on('message', (m: { asks?: number }) => {
  if (m.asks === undefined) return;
  const cpu = process.cpuUsage();
  void measureRate(m.asks, 64, () => node.control.getApplication(principal, appId)).then((r) => {
    const used = process.cpuUsage(cpu);
    const cpuMicrosPerAsk = (used.user + used.system) / Math.max(1, r.perSec * (m.asks ?? 1));
    process.send?.({ asks: { ...r, cpuMicrosPerAsk } });
  });
});
const ready: NodeServerReady = { gatewayPort, helloPort, cookie, appId };
// Run by hand (no IPC, e.g. under --cpu-prof): print what the parent would be told.
if (process.send === undefined) console.log(`READY ${JSON.stringify(ready)}`);
else process.send(ready);
