/**
 * The `ravel` command against an embedded node over real HTTP, as a script would run it: admin
 * org create with an operator token, login (session kept 0600), app create/list/publish/wait/
 * stop with --json, and the exit codes scripts rely on (2 usage, 3 log in, 4 wait timed out).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../config/load.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { operator } from '../control/testing/control-harness.ts';
import { sampleImage } from '../domain/test-fixtures.ts';
import { newOperatorToken } from '../gateway/auth/operator-tokens.ts';
import { startRavelNode, type RavelNode } from '../service/ravel-node.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let node: RavelNode;
let dataDir: string;
let home: string;
let url: string;
const opToken = newOperatorToken();

/** `ravel ARGS` in its own process, with its own config and cache dirs. */
function ravel(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') };
    for (const k of ['RAVEL_URL', 'RAVEL_TOKEN', 'RAVEL_USER', 'RAVEL_PASSWORD', 'RAVEL_OPERATOR_TOKEN', 'RAVEL_ADMIN_PASSWORD']) delete env[k];
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function json<T>(r: Run): T {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ravel-cli-node-'));
  home = mkdtempSync(join(tmpdir(), 'ravel-cli-home-'));
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  node = await startRavelNode(config, { nodeId: 'cli-test', clock: systemClock, log: silentLogger, operatorTokens: [{ name: 'test', token: opToken }] });
  url = node.gateway?.url ?? '';
});

after(async () => {
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

test('ravel admin org create needs an operator token; with one it makes the organization and its admin', async () => {
  const common = ['--url', url, '--admin-email', 'root', '--identity-domain', 'acme', '--admin-password', 'root-password-1'];
  const wrong = await ravel('admin', 'org', 'create', 'Acme', ...common, '--operator-token', newOperatorToken());
  assert.equal(wrong.code, 3, `a wrong operator token is 'log in first': ${wrong.stderr}`);
  const noFile = await ravel('admin', 'org', 'create', 'Acme', ...common, '--operator-token-file', join(home, 'nope'));
  assert.equal(noFile.code, 3);
  const made = json<{ organization: { id: number; name: string }; login: string; password?: string }>(
    await ravel('admin', 'org', 'create', 'Acme', ...common, '--operator-token', opToken, '--json'),
  );
  assert.equal(made.organization.name, 'Acme');
  assert.equal(made.login, 'acme/root');
  assert.equal(made.password, undefined, 'a given password is not echoed');
  const usage = await ravel('admin', 'org', 'create', 'NoEmail', '--url', url, '--operator-token', opToken);
  assert.equal(usage.code, 2);
});

test('ravel login keeps a 0600 session; app create, list, publish, wait STARTED, stop, wait STOPPED', async () => {
  const before = await ravel('app', 'list', '--url', url);
  assert.equal(before.code, 3, `not logged in yet: ${before.stderr}`);
  assert.match(before.stderr, /ravel login/);
  const bad = await ravel('login', '--url', url, '--user', 'acme/root', '--password', 'wrong-password');
  assert.equal(bad.code, 3);
  const login = json<{ api: string; user: string }>(await ravel('login', '--url', url, '--user', 'acme/root', '--password', 'root-password-1', '--json'));
  assert.equal(login.api, `${url}/api/v1`);
  assert.equal(statSync(join(home, 'config', 'ravel', 'config.json')).mode & 0o777, 0o600);
  const apps = json<unknown[]>(await ravel('app', 'list', '--json'));
  assert.deepEqual(apps, [], 'no --url: the server logged in to last');

  const { id: _id, ...stub } = sampleImage();
  const image = await node.control.addLibraryImage(operator, await acmeId(), { ...stub, hardDrives: stub.hardDrives.filter((d) => d.type === 'DISK').map(({ baseDiskImageId: _b, ...d }) => d) });
  const app = json<{ id: number; design: { vms: { baseVmId?: number }[] } }>(await ravel('app', 'create', 'web', '--image', String(image.id), '--json'));
  assert.equal(app.design.vms[0]?.baseVmId, image.id);
  const listed = json<{ id: number; name: string; published: boolean }[]>(await ravel('app', 'list', '--json'));
  assert.deepEqual(listed.map((a) => [a.id, a.name, a.published]), [[app.id, 'web', false]]);

  const early = await ravel('app', 'wait', String(app.id), '--state', 'STARTED', '--timeout', '0', '--json');
  assert.equal(early.code, 4, 'a draft never reaches STARTED: the wait times out');
  assert.equal((JSON.parse(early.stdout) as { outcome: string }).outcome, 'timeout');

  assert.equal((await ravel('app', 'publish', String(app.id))).code, 0);
  const started = json<{ outcome: string; vms: { state: string }[] }>(
    await ravel('app', 'wait', String(app.id), '--state', 'STARTED', '--timeout', '60', '--interval', '0.3', '--json'),
  );
  assert.equal(started.outcome, 'reached');
  assert.deepEqual(started.vms.map((v) => v.state), ['STARTED']);
  assert.equal((await ravel('app', 'stop', String(app.id))).code, 0);
  const stopped = await ravel('app', 'wait', String(app.id), '--state', 'stopped', '--timeout', '60', '--interval', '0.3');
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /every VM is STOPPED/);
  const table = await ravel('app', 'list');
  assert.match(table.stdout, new RegExp(`^${app.id}\\s+web\\s+yes`, 'm'));
});

test('wrong arguments exit 2 with the usage', async () => {
  for (const args of [['app', 'publish'], ['app', 'list', '--bogus'], ['app', 'wait', '1', '--state', 'ASLEEP'], ['app', 'frobnicate'], ['nonsense']]) {
    const r = await ravel(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

async function acmeId(): Promise<number> {
  const r = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('acme/root:root-password-1').toString('base64')}` } });
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const org = (await (await fetch(`${url}/api/v1/organization`, { headers: { cookie } })).json()) as { id: number };
  return org.id;
}
