/** Graceful shutdown: in-flight requests finish, new ones are refused, the grace period is a bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSocket, readUntil, statusOf } from './test-support/raw-http.ts';
import { startTestGateway, type TestGateway } from './test-support/test-gateway.ts';

/** Waits until the slow handler is running, so shutdown finds it in flight. */
async function handlerRunning(t: TestGateway, count: number): Promise<void> {
  const until = Date.now() + 5000;
  while (t.calls.count < count) {
    if (Date.now() > until) throw new Error('the slow request never reached its handler');
    await sleep(2);
  }
}

test('a request in flight when shutdown starts still gets its answer; new connections are refused', async () => {
  const t = await startTestGateway();
  try {
    const slow = fetch(`${t.api}/slow?ms=300`);
    await handlerRunning(t, 1);
    const closing = t.gw.close();
    assert.equal(t.gw.lifecycle.status, 'draining');
    await assert.rejects(fetch(`${t.api}/public`), 'the listen socket is closed');
    const r = await slow;
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { waited: 300 });
    await closing;
    assert.equal(t.gw.lifecycle.status, 'stopped');
  } finally {
    await t.stop();
  }
});

test('a request on a kept-alive connection during draining is 503 with the connection closed', async () => {
  const t = await startTestGateway();
  try {
    const s = await openSocket(t.gw.port);
    const slow = fetch(`${t.api}/slow?ms=300`);
    await handlerRunning(t, 1);
    const closing = t.gw.close();
    s.write('GET /api/v1/public HTTP/1.1\r\nHost: x\r\n\r\n');
    const raw = await readUntil(s, /\r\n\r\n[\s\S]*\}/);
    s.destroy();
    assert.equal(statusOf(raw), 503);
    assert.match(raw, /ERROR-CODE: UNAVAILABLE/i);
    assert.equal((await slow).status, 200);
    await closing;
  } finally {
    await t.stop();
  }
});

test('requests still running after the grace period are cut off, and shutdown completes', async () => {
  const t = await startTestGateway({ shutdownGraceMs: 1000 });
  try {
    const stuck = fetch(`${t.api}/slow?ms=5000`).then(
      (r) => r.status,
      () => 'cut off',
    );
    await handlerRunning(t, 1);
    const closing = t.gw.close();
    await t.clock.advance(1000);
    await closing;
    assert.equal(await stuck, 'cut off');
    assert.equal(t.gw.lifecycle.status, 'stopped');
  } finally {
    await t.stop();
  }
});
