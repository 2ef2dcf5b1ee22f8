/**
 * /api/v1/live on an embedded Ravel node: the snapshot comes from the control plane (the
 * organization's applications with VM states, the hosts they run on, recent events) and the
 * events from the tenant's stored stream, resumed after a reconnect without gap or duplicate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { compileConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoOrganization } from '../../service/demo-organization.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import { waitFor } from './live-test-client.ts';

interface Message {
  op: string;
  seq?: number;
  data?: { name: string; sequence: number; details?: { to?: string } };
  applications?: Array<{ id: number; name: string; vms: Array<{ key: string; state?: string; hostId?: string }> }>;
  hosts?: Array<{ hostId: string; region: string }>;
  events?: Array<{ sequence: number; name: string }>;
}

function open(url: string, cookie: string, subscribe: object): Promise<{ ws: WebSocket; got: Message[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { cookie } });
    const got: Message[] = [];
    ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8')) as Message));
    ws.once('open', () => {
      ws.send(JSON.stringify(subscribe));
      resolve({ ws, got });
    });
    ws.once('error', reject);
  });
}

/** Waits as long as a node on a loaded machine may need. */
const until = (cond: () => boolean, what: string): Promise<void> => waitFor(cond, what, 20_000);

const eventSeqs = (got: Message[]): number[] => got.filter((m) => m.op === 'event').map((m) => m.seq ?? -1);

test('live on an embedded node: a snapshot of the organization, VM state changes as they happen, and a resume after reconnecting', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-live-node-'));
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  const node = await startRavelNode(config, { nodeId: 'live-node', clock: systemClock, log: silentLogger });
  try {
    const base = node.gateway?.url ?? '';
    await ensureDemoOrganization(node.control, 'live test pw');
    const login = await fetch(`${base}/api/v1/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO_ADMIN_EMAIL}:live test pw`).toString('base64')}` },
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${base}/api/v1${path}`, {
        method,
        headers: { cookie, 'content-type': 'application/json;charset=utf-8' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const app = (await (await call('POST', '/applications', { name: 'live', design: { vms: [sampleVm(1)] } })).json()) as { id: number };
    assert.equal((await call('POST', `/applications/${app.id}/publish`, { optimizationLevel: 'COST_OPTIMIZED' })).status, 200);

    const url = `${base.replace(/^http/, 'ws')}/api/v1/live`;
    const first = await open(url, cookie, { op: 'subscribe', topics: ['vms', 'applications'] });
    await until(() => first.got.some((m) => m.op === 'snapshot'), 'snapshot');
    const snap = first.got.find((m) => m.op === 'snapshot');
    const snapApp = snap?.applications?.find((a) => a.id === app.id);
    assert.equal(snapApp?.name, 'live');
    assert.equal(snapApp?.vms.length, 1);
    assert.ok(snap?.events?.some((e) => e.name === 'APPLICATION_CREATED'), 'recent events');
    // The publish record may still be in the application's outbox: then it comes as an event.
    await until(
      () => !!snap?.events?.some((e) => e.name === 'APPLICATION_PUBLISHED') || first.got.some((m) => m.data?.name === 'APPLICATION_PUBLISHED'),
      'APPLICATION_PUBLISHED in the snapshot or after it',
    );
    assert.ok((snap?.events ?? []).every((e) => e.sequence <= (snap?.seq ?? 0)), 'no event past the snapshot');

    // Every VM change after the snapshot arrives as an event, until the VM is STARTED.
    const stateNow = (): string | undefined => {
      const changes = first.got.filter((m) => m.data?.name === 'VM_STATE_CHANGED');
      return changes.at(-1)?.data?.details?.to ?? (snapApp?.vms[0]?.state === 'STARTED' ? 'STARTED' : undefined);
    };
    await until(() => stateNow() === 'STARTED', 'STARTED over the socket');
    // A client arriving now sees the VM STARTED and the host it runs on.
    const later = await open(url, cookie, { op: 'subscribe', topics: ['vms'] });
    await until(() => later.got.some((m) => m.op === 'snapshot'), 'second snapshot');
    const snap2 = later.got.find((m) => m.op === 'snapshot');
    const vm = snap2?.applications?.find((a) => a.id === app.id)?.vms[0];
    assert.equal(vm?.state, 'STARTED');
    assert.ok(vm?.hostId !== undefined && snap2?.hosts?.some((h) => h.hostId === vm.hostId), 'its host is listed');
    later.ws.close();

    const seen = eventSeqs(first.got);
    const last = seen.at(-1) ?? snap?.seq ?? 0;
    first.ws.close();
    await until(() => node.gateway?.liveClients === 0, 'first socket gone');

    assert.equal((await call('POST', `/applications/${app.id}/stop`)).status, 200); // while away
    const second = await open(url, cookie, { op: 'subscribe', topics: ['events'], fromSeq: last });
    await until(() => second.got.some((m) => m.data?.details?.to === 'STOPPED'), 'STOPPED after the resume');
    const resumed = eventSeqs(second.got);
    assert.equal(resumed[0], last + 1, 'from the sequence after the last one seen');
    assert.deepEqual(resumed, resumed.map((_, i) => last + 1 + i), 'every sequence once, in order');
    assert.ok(!second.got.some((m) => m.op === 'snapshot'));
    second.ws.close();
  } finally {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
