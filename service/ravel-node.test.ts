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
