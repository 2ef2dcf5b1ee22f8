/**
 * What uWS punishes with a dead process or a warning: writes to aborted responses, and
 * writes after an await outside cork. The gateway runs in a child process; the test
 * aborts requests in every phase, many times, then checks the child is alive, still
 * answers, and printed no cork warning.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSocket } from '../test-support/raw-http.ts';

let child: ChildProcess;
let stderr = '';
let port = 0;
let cookie = '';

before(async () => {
  child = fork(join(import.meta.dirname, '..', 'test-support', 'fixture-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const ready = await new Promise<{ port: number; session: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; session: string }));
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}: ${stderr}`)));
  });
  port = ready.port;
  cookie = `ravel_session=${ready.session}`;
});

after(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.send('stop');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

const api = (): string => `http://127.0.0.1:${port}/api/v1`;

test('answers written after awaits are corked: no uWS cork warning on any path', async () => {
  const json = { cookie, 'content-type': 'application/json' };
  const calls = [
    fetch(`${api()}/slow?ms=5`),
    fetch(`${api()}/things/1`, { headers: { cookie } }),
    fetch(`${api()}/things/404`, { headers: { cookie } }),
    fetch(`${api()}/things`, { method: 'POST', headers: json, body: '{"name":"a"}' }),
    fetch(`${api()}/things`, { method: 'POST', headers: json, body: '{"name":' }),
    fetch(`${api()}/things/1`, { headers: { cookie: 'ravel_session=nope' } }),
    fetch(`http://127.0.0.1:${port}/readyz`),
    fetch(`http://127.0.0.1:${port}/metrics`),
    fetch(`${api()}/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('alice:alice-pw').toString('base64')}` },
    }),
  ];
  const statuses = await Promise.all(calls.map(async (p) => (await p).status));
  assert.deepEqual(statuses, [200, 200, 404, 201, 400, 401, 200, 200, 200]);
  await sleep(50);
  assert.doesNotMatch(stderr, /cork/i);
});

test('clients that abort mid-body, mid-response and mid-headers, 300 times, leave the process up', async () => {
  for (let i = 0; i < 100; i++) {
    const sockets = await Promise.all([openSocket(port), openSocket(port), openSocket(port)]);
    const [midBody, midResponse, midHeaders] = sockets;
    midBody.write(
      `POST /api/v1/things HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"`,
    );
    midResponse.write(`GET /api/v1/slow?ms=${i % 20} HTTP/1.1\r\nHost: x\r\n\r\n`);
    midHeaders.write('GET /api/v1/things/1 HTTP/1.1\r\nHost: x\r\nCoo');
    await sleep(i % 3);
    for (const s of sockets) s.destroy();
  }
  await sleep(100); // the slow handlers finish after their clients left
  const r = await fetch(`${api()}/things/1`, { headers: { cookie } });
  assert.equal(r.status, 200);
  assert.equal(child.exitCode, null);
  assert.doesNotMatch(stderr, /cork|error/i);
});
