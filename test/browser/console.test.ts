/**
 * The web console in real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against an embedded Ravel node: log in, start a published application, and see its VMs reach
 * STARTED over the live WebSocket without the page reloading; a screenshot is kept.
 * Without chromium the test is skipped, or fails under RAVEL_REQUIRE_CLUSTER=1 (as CI runs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { compileConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoOrganization } from '../../service/demo-organization.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import { needs, which } from '../harness/requirements.ts';

const PASSWORD = 'console test password';
const chromiumPath = process.env['RAVEL_CHROMIUM'] ?? which('chromium');

interface AppBody {
  id: number;
  deployment?: { vms: Array<{ state?: string }> };
}

test('the console: log in, start an application, its VMs reach STARTED live, set its expiration, upload a disk image, screenshot', { timeout: 90_000 }, async (t) => {
  if (!needs(t, chromiumPath === undefined ? 'chromium is not installed (apt-get install chromium)' : undefined)) return;
  const executablePath = chromiumPath ?? '';
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-console-'));
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  const node = await startRavelNode(config, { nodeId: 'console-test', clock: systemClock, log: silentLogger });
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const url = node.gateway?.url ?? '';
    await ensureDemoOrganization(node.control, PASSWORD);

    // A published application with its VMs stopped, made over REST as a script would.
    const login = await fetch(`${url}/api/v1/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO_ADMIN_EMAIL}:${PASSWORD}`).toString('base64')}` },
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${url}/api/v1${path}`, {
        method,
        headers: { cookie, accept: 'application/json', 'content-type': 'application/json;charset=utf-8' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const created = (await (await call('POST', '/applications', { name: 'web shop', design: { vms: [sampleVm(1), sampleVm(2)] } })).json()) as AppBody;
    const published = await call('POST', `/applications/${created.id}/publish`, { optimizationLevel: 'COST_OPTIMIZED', startAllVms: false });
    assert.equal(published.status, 200);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const app = (await (await call('GET', `/applications/${created.id};deployment`)).json()) as AppBody;
      const states = app.deployment?.vms.map((v) => v.state) ?? [];
      if (states.length === 2 && states.every((s) => s === 'STOPPED')) break;
      assert.ok(Date.now() < deadline, `VMs did not settle as STOPPED: ${states.join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(url);
    await page.getByLabel('User').fill(DEMO_ADMIN_EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();

    const app = page.locator(`[data-app="${created.id}"]`);
    await app.waitFor({ timeout: 10_000 });
    assert.deepEqual(await app.locator('[data-state]').allTextContents(), ['STOPPED', 'STOPPED']);
    await page.locator('#connection', { hasText: 'live' }).waitFor();

    await app.getByRole('button', { name: 'Start web shop' }).click();
    // The page re-renders on each change: wait for both badges to say STARTED.
    await app.locator('[data-state="STARTED"]').nth(1).waitFor({ timeout: 30_000 });
    assert.deepEqual(await app.locator('[data-state]').allTextContents(), ['STARTED', 'STARTED']);
    assert.equal(loads, 1, 'the page was not reloaded');

    // An expiration set in the page shows as the time the application stops.
    await app.getByLabel('Minutes until web shop stops').fill('90');
    await app.getByRole('button', { name: 'Set expiration of web shop' }).click();
    await app.getByText(/stops /).waitFor({ timeout: 10_000 });
    const withExpiration = (await (await call('GET', `/applications/${created.id}`)).json()) as { nextStopTime?: number };
    const minutesLeft = ((withExpiration.nextStopTime ?? 0) - Date.now()) / 60_000;
    assert.ok(minutesLeft > 88 && minutesLeft <= 90, `stops in ${minutesLeft} minutes`);
    assert.match((await page.locator('#events').textContent()) ?? '', /VM_STATE_CHANGED/, 'the state changes came in as events');

    // A raw disk image through the console's tus loop, in several PATCHes, with progress.
    const image = Buffer.alloc(9 * 1024 * 1024, 7);
    await page.locator('#upload-file').setInputFiles({ name: 'disk.img', mimeType: 'application/octet-stream', buffer: image });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#upload-status', { hasText: 'Uploaded disk.img' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#upload-progress').getAttribute('value'), '1');
    const diskId = /disk images ([^,\s]+)/.exec((await page.locator('#upload-status').textContent()) ?? '')?.[1];
    const disk = (await (await call('GET', `/diskImages/${diskId ?? 'none'}`)).json()) as { virtualSize?: number; sha256?: string };
    assert.equal(disk.virtualSize, image.length);
    assert.equal(disk.sha256, createHash('sha256').update(image).digest('hex'), 'the bytes arrived intact');
    assert.deepEqual(pageErrors, []);

    const shot = join(process.env['RAVEL_TEST_OUTPUT'] ?? tmpdir(), `ravel-console-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot with something on it');
    t.diagnostic(`screenshot: ${shot}`);
  } finally {
    await browser.close();
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
