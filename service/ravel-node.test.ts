import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../config/load.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { startRavelNode, type RavelNode } from './ravel-node.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoOrganization } from './demo-organization.ts';
import { sampleVm } from '../domain/test-fixtures.ts';

async function embeddedNode(dataDir: string): Promise<RavelNode> {
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  return startRavelNode(config, { nodeId: 'test-node', clock: systemClock, log: silentLogger });
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('an embedded node serves health, readiness and a login for the demo admin, and keeps it across a restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-node-'));
  let node = await embeddedNode(dataDir);
  try {
    const url = node.gateway?.url;
    assert.ok(url !== undefined, 'the gateway role is on by default');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);

    const demo = await ensureDemoOrganization(node.control, 'correct horse battery');
    assert.equal(demo.created, true);
    const wrong = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { authorization: basic(DEMO_ADMIN_EMAIL, 'nope') } });
    assert.equal(wrong.status, 401);
    const ok = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { authorization: basic(DEMO_ADMIN_EMAIL, 'correct horse battery') } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/json');
    assert.match(ok.headers.get('set-cookie') ?? '', /HttpOnly/);

    // /metrics carries the actor runtime's figures of this node beside the gateway's.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const activations = /^ravel_actor_activations (\d+)$/m.exec(metrics);
    assert.ok(activations !== null && Number(activations[1]) >= 1, 'live actors counted');
    const completed = [...metrics.matchAll(/^ravel_actor_messages_total\{kind="([^"]+)",type="[^"]+",outcome="completed"\} (\d+)$/gm)];
    assert.ok(completed.some(([, kind, n]) => kind === 'organization' && Number(n) >= 1), 'the login and the demo set-up asked the organization');
    assert.match(metrics, /^ravel_actor_commit_duration_seconds_count \d+$/m);
    assert.match(metrics, /^ravel_actor_message_duration_seconds_bucket\{le="\+Inf",kind="organization",type="[^"]+"\} \d+$/m);

    await node.close();
    node = await embeddedNode(dataDir);
    const again = await ensureDemoOrganization(node.control, 'another password');
    assert.equal(again.created, false, 'the second start finds the demo organization');
    const relogin = await fetch(`${node.gateway?.url ?? ''}/api/v1/login`, {
      method: 'POST',
      headers: { authorization: basic(DEMO_ADMIN_EMAIL, 'correct horse battery') },
    });
    assert.equal(relogin.status, 200, 'the first password still logs in after a restart');
  } finally {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

interface AppBody {
  id: number;
  deployment?: { vms: Array<{ state?: string }> };
}

test('on an embedded node, an application published through REST reaches STARTED on the simulated hosts, and stops', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-node-'));
  const node = await embeddedNode(dataDir);
  try {
    const url = `${node.gateway?.url ?? ''}/api/v1`;
    await ensureDemoOrganization(node.control, 'pw for the story');
    const login = await fetch(`${url}/login`, { method: 'POST', headers: { authorization: basic(DEMO_ADMIN_EMAIL, 'pw for the story') } });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${url}${path}`, {
        method,
        headers: { cookie, accept: 'application/json', 'content-type': 'application/json;charset=utf-8' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const created = await call('POST', '/applications', { name: 'story', design: { vms: [sampleVm(1), sampleVm(2)] } });
    assert.equal(created.status, 201);
    const app = (await created.json()) as AppBody;
    assert.equal((await call('POST', `/applications/${app.id}/publish`, { optimizationLevel: 'COST_OPTIMIZED' })).status, 200);

    const statesAfter = async (want: string): Promise<string[]> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const got = (await (await call('GET', `/applications/${app.id};deployment`)).json()) as AppBody;
        const states = (got.deployment?.vms ?? []).map((v) => v.state ?? '?');
        if ((states.length > 0 && states.every((x) => x === want)) || Date.now() > deadline) return states;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    assert.deepEqual(await statesAfter('STARTED'), ['STARTED', 'STARTED']);
    assert.equal((await call('POST', `/applications/${app.id}/stop`)).status, 200);
    assert.deepEqual(await statesAfter('STOPPED'), ['STOPPED', 'STOPPED']);
  } finally {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
