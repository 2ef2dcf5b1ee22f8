/**
 * Commands over an open socket: an unknown topic or one past the per-connection limit is
 * answered with an `error` and changes nothing; messages past the principal's rate limit are
 * answered with a RATE_LIMITED `error` and ignored, until the bucket refills (ManualClock).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alice } from '../test-support/fake-authenticator.ts';
import { generousRateLimit, startTestGateway } from '../test-support/test-gateway.ts';
import { collect, connect, waitFor } from './live-test-client.ts';

const sub = (topics: string[]): string => JSON.stringify({ op: 'subscribe', topics });

test('an unknown topic or a subscribe past the topic limit gets an error naming it and changes nothing', async () => {
  const t = await startTestGateway({}, { tuning: { wsMaxTopicsPerClient: 2 } });
  try {
    const ws = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
    const got = collect(ws);
    ws.send(sub(['vms', 'nope']));
    ws.send(sub(['vms', 'hosts', 'events']));
    ws.send(sub(['vms']));
    ws.send(JSON.stringify({ op: 'unsubscribe', topics: ['vms', 'bogus'] }));
    ws.send(sub(['hosts']));
    await waitFor(() => got.length === 6, 'five answers and the snapshot');
    const msgs = got.map((m) => JSON.parse(m) as { op: string; code?: string; message?: string; topics?: string[] });
    assert.deepEqual(msgs[0], { op: 'error', code: 'INVALID_ARGUMENT', message: 'unknown topic "nope"; the topics are events, applications, vms, hosts' });
    assert.deepEqual(msgs[1], { op: 'error', code: 'INVALID_ARGUMENT', message: 'a connection has at most 2 topics' });
    assert.deepEqual(msgs[2], { op: 'subscribed', organization: 'org-1', topics: ['vms'] }, 'the refused commands added nothing');
    assert.equal(msgs[3]?.op, 'snapshot');
    assert.deepEqual(msgs[4], { op: 'error', code: 'INVALID_ARGUMENT', message: 'unknown topic "bogus"; the topics are events, applications, vms, hosts' });
    assert.deepEqual(msgs[5], { op: 'subscribed', organization: 'org-1', topics: ['vms', 'hosts'] }, 'the refused unsubscribe removed nothing');
    ws.close();
  } finally {
    await t.stop();
  }
});

test('messages past the per-principal rate limit get RATE_LIMITED and are ignored until the bucket refills', async () => {
  const rateLimit = { ...generousRateLimit, perPrincipal: { perSecond: 1, burst: 3 } };
  const t = await startTestGateway({ rateLimit });
  try {
    const ws = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
    const got = collect(ws);
    for (const topic of ['vms', 'hosts', 'events', 'applications']) ws.send(JSON.stringify({ op: 'unsubscribe', topics: [topic] }));
    ws.send(sub(['vms']));
    await waitFor(() => got.length === 5, 'five answers');
    const ops = got.map((m) => JSON.parse(m) as { op: string; code?: string; message?: string });
    assert.deepEqual(ops.slice(0, 3).map((m) => m.op), ['subscribed', 'subscribed', 'subscribed']);
    for (const m of ops.slice(3)) assert.deepEqual(m, { op: 'error', code: 'RATE_LIMITED', message: 'too many messages; retry in 1 s' });
    await t.clock.advance(1000);
    ws.send(sub(['vms']));
    await waitFor(() => got.length === 7, 'answer and snapshot after the refill');
    assert.deepEqual(JSON.parse(got[5] ?? ''), { op: 'subscribed', organization: 'org-1', topics: ['vms'] }, 'the ignored subscribe did not start delivery');
    ws.close();
  } finally {
    await t.stop();
  }
});
