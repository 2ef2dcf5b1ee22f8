/**
 * /api/v1/live over real WebSockets: auth at upgrade, snapshot, subscriptions, resume without
 * gap or duplicate, slow clients, shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { alice, bob } from '../test-support/fake-authenticator.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { ALL_EVENTS, type LiveSnapshotSource } from './live-events.ts';
import { MemoryLiveEvents } from './memory-live-events.ts';
import { closed, collect, connect, liveUrl, waitFor } from './live-test-client.ts';

test('an upgrade without valid credentials is refused with 401 before upgrading', async () => {
  const t = await startTestGateway();
  try {
    for (const headers of [
      {},
      { cookie: 'ravel_session=forged' },
      { 'x-ephemeral-token-authorization': 'nope' },
    ]) {
      const status = await new Promise<{ status: number; code: string | string[] | undefined }>(
        (resolve, reject) => {
          const ws = new WebSocket(liveUrl(t), { headers });
          ws.once('unexpected-response', (_req, res) => {
            resolve({ status: res.statusCode ?? 0, code: res.headers['error-code'] });
            res.resume();
            ws.terminate();
          });
          ws.once('open', () => reject(new Error('upgraded without credentials')));
          ws.once('error', () => undefined);
        },
      );
      assert.deepEqual(status, { status: 401, code: 'UNAUTHENTICATED' });
    }
    assert.equal(t.gw.liveClients, 0);
  } finally {
    await t.stop();
  }
});

interface Message {
  op: string;
  seq?: number;
  topics?: string[];
  data?: unknown;
  applications?: unknown[];
  hosts?: unknown[];
  events?: unknown[];
}
const parse = (got: string[]): Message[] => got.map((m) => JSON.parse(m) as Message);
const seqsOf = (got: string[]): number[] =>
  parse(got)
    .filter((m) => m.op === 'event')
    .map((m) => m.seq ?? -1);
const session = (t: TestGateway): Record<string, string> => ({
  cookie: `ravel_session=${t.auth.session(alice)}`,
});

/** Snapshots that name the tenant they were taken for, so a test sees whose it got. */
const snapshots: LiveSnapshotSource = {
  snapshot: async (_principal, organization) =>
    Promise.resolve({
      applications: [{ id: 7, name: `app of ${organization}`, vms: [{ key: '1', state: 'STOPPED' }] }],
      hosts: [{ hostId: 'h1', region: 'r1' }],
    }),
  eventFilter: () => ALL_EVENTS,
};

test('a subscriber gets a snapshot at the stream’s end, then its tenant’s events of its topics, big integers exact', async () => {
  const events = new MemoryLiveEvents();
  events.append('org-1', ['events', 'applications'], { name: 'APPLICATION_CREATED' });
  events.append('org-1', ['events'], { name: 'USER_LOGIN' });
  const t = await startTestGateway({}, { events, snapshots });
  try {
    const a = await connect(t, session(t));
    const b = await connect(t, { 'x-ephemeral-token-authorization': t.auth.token(bob) });
    const gotA = collect(a);
    const gotB = collect(b);
    a.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    b.send(JSON.stringify({ op: 'subscribe', topics: ['vms', 'events'] }));
    b.send('not json');
    b.send(JSON.stringify({ op: 'subscribe', topics: ['vms'], fromSeq: -1 }));
    await waitFor(() => gotA.length === 2 && gotB.length === 4, 'answers and snapshots');
    const [subscribed, snap] = parse(gotA);
    assert.deepEqual(subscribed, { op: 'subscribed', organization: 'org-1', topics: ['vms'] });
    assert.deepEqual(snap, {
      op: 'snapshot',
      organization: 'org-1',
      seq: 2,
      applications: [{ id: 7, name: 'app of org-1', vms: [{ key: '1', state: 'STOPPED' }] }],
      hosts: [{ hostId: 'h1', region: 'r1' }],
      events: [{ name: 'APPLICATION_CREATED' }, { name: 'USER_LOGIN' }], // the stream's newest, up to seq
    });
    const opsB = parse(gotB).map((m) => m.op);
    assert.deepEqual(opsB.filter((o) => o === 'error').length, 2, 'bad JSON and a bad fromSeq');
    assert.equal(parse(gotB).find((m) => m.op === 'snapshot')?.seq, 0, 'org-2 has no events yet');

    events.append('org-1', ['events', 'vms'], { vmId: 2n ** 63n, state: 'STARTED' });
    events.append('org-1', ['events', 'applications'], {}); // not subscribed
    events.append('org-2', ['events', 'vms'], { vmId: 1, state: 'STOPPED' });
    await waitFor(() => gotA.length === 3 && gotB.length === 5, 'events');
    assert.equal(
      gotA[2],
      '{"op":"event","organization":"org-1","seq":3,"topics":["events","vms"],"data":{"vmId":9223372036854775808,"state":"STARTED"}}',
    );
    assert.deepEqual(parse(gotB)[4], {
      op: 'event',
      organization: 'org-2',
      seq: 1,
      topics: ['events', 'vms'],
      data: { vmId: 1, state: 'STOPPED' },
    });
    await sleep(20);
    assert.equal(gotA.length, 3, 'no event of another topic or tenant');
    a.close();
    b.close();
    await waitFor(() => t.gw.liveClients === 0, 'clients gone');
  } finally {
    await t.stop();
  }
});

/** A client that subscribes to VMs, sees `n` events made by `vm` after its snapshot, and leaves; what it got. */
async function visitOnce(t: TestGateway, vm: (n: number) => void, n: number): Promise<string[]> {
  const ws = await connect(t, session(t));
  const got = collect(ws);
  ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
  await waitFor(() => parse(got).some((m) => m.op === 'snapshot'), 'snapshot');
  for (let i = 1; i <= n; i++) vm(i);
  await waitFor(() => seqsOf(got).length === n, `${n} events`);
  const closing = closed(ws);
  ws.close();
  await closing;
  await waitFor(() => t.gw.liveClients === 0, 'the connection gone');
  return got;
}

test('after a reconnect with its last sequence a client gets every later event once, in order, also those the live feed missed', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events, snapshots });
  const vm = (n: number): void => void events.append('org-1', ['events', 'vms'], { n });
  try {
    const got1 = await visitOnce(t, vm, 5);
    const last = seqsOf(got1).at(-1) ?? 0;

    for (let i = 6; i <= 40; i++) vm(i); // while away
    const second = await connect(t, session(t));
    const got2 = collect(second);
    second.send(JSON.stringify({ op: 'subscribe', topics: ['vms'], fromSeq: last }));
    // Events keep coming while the stored ones are read; one never reaches the live feed.
    for (let i = 41; i <= 80; i++) {
      events.append('org-1', ['events', 'vms'], { n: i }, i !== 60);
      if (i % 10 === 0) await tick();
    }
    await waitFor(() => seqsOf(got2).length >= 75, 'the rest');
    events.append('org-1', ['events'], { n: 81 }); // another topic: advances, not sent
    events.append('org-1', ['events', 'vms'], { n: 82 });
    await waitFor(() => seqsOf(got2).includes(82), 'a live event after catching up');
    await sleep(20);
    const all = [...seqsOf(got1), ...seqsOf(got2)];
    const want = Array.from({ length: 80 }, (_, i) => i + 1).concat([82]);
    assert.deepEqual(all, want, 'no gap, no duplicate, in order');
    assert.ok(!parse(got2).some((m) => m.op === 'snapshot'), 'a resume sends no snapshot');
    second.close();
  } finally {
    await t.stop();
  }
});

test('a client resuming from events the stream no longer holds (past its retention) gets a fresh snapshot, then what follows', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events, snapshots });
  const vm = (n: number): void => void events.append('org-1', ['events', 'vms'], { n });
  try {
    await visitOnce(t, vm, 3);

    for (let i = 4; i <= 9; i++) vm(i); // while away, and then past the stream's retention
    events.expireUpTo('org-1', 9);
    const second = await connect(t, session(t));
    const got2 = collect(second);
    second.send(JSON.stringify({ op: 'subscribe', topics: ['vms'], fromSeq: 3 }));
    await waitFor(() => parse(got2).some((m) => m.op === 'snapshot'), 'a fresh snapshot');
    assert.equal(parse(got2).find((m) => m.op === 'snapshot')?.['seq'], 9, 'at the stream\'s end');
    vm(10);
    await waitFor(() => seqsOf(got2).includes(10), 'the next event, live');
    second.close();
  } finally {
    await t.stop();
  }
});

test('a live event that skips ahead makes the client read the gap from the stream', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events });
  try {
    const ws = await connect(t, session(t));
    const got = collect(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['events'] }));
    await waitFor(() => parse(got).some((m) => m.op === 'snapshot'), 'snapshot');
    events.append('org-1', ['events'], 'a', false);
    events.append('org-1', ['events'], 'b', false);
    await sleep(20);
    assert.deepEqual(seqsOf(got), [], 'nothing published yet');
    events.append('org-1', ['events'], 'c');
    await waitFor(() => seqsOf(got).length === 3, 'the gap filled');
    assert.deepEqual(
      parse(got)
        .filter((m) => m.op === 'event')
        .map((m) => [m.seq, m.data]),
      [
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ],
    );
    ws.close();
  } finally {
    await t.stop();
  }
});

test('a client that read the stream past the live feed joins it when it gets there, without a duplicate', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events });
  try {
    const early = await connect(t, session(t));
    const gotEarly = collect(early);
    early.send(JSON.stringify({ op: 'subscribe', topics: ['events'] }));
    await waitFor(() => parse(gotEarly).some((m) => m.op === 'snapshot'), 'first snapshot');
    // Stored but not (yet) published: a new client's snapshot is taken after them.
    events.append('org-1', ['events'], 'a', false);
    events.append('org-1', ['events'], 'b', false);
    const late = await connect(t, session(t));
    const gotLate = collect(late);
    late.send(JSON.stringify({ op: 'subscribe', topics: ['events'] }));
    await waitFor(() => parse(gotLate).some((m) => m.op === 'snapshot'), 'second snapshot');
    assert.equal(parse(gotLate).find((m) => m.op === 'snapshot')?.seq, 2);
    events.append('org-1', ['events'], 'c');
    events.append('org-1', ['events'], 'd');
    await waitFor(() => seqsOf(gotEarly).length === 4 && seqsOf(gotLate).length === 2, 'the events');
    await sleep(20);
    assert.deepEqual(seqsOf(gotEarly), [1, 2, 3, 4], 'the gap filled from the stream');
    assert.deepEqual(seqsOf(gotLate), [3, 4], 'what came after its snapshot, once');
    early.close();
    late.close();
  } finally {
    await t.stop();
  }
});

test('a live client that changes its topics gets each later event once if it has one of them', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events });
  try {
    const ws = await connect(t, session(t));
    const got = collect(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    await waitFor(() => parse(got).some((m) => m.op === 'snapshot'), 'snapshot');
    events.append('org-1', ['events', 'vms'], 1);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['events'] }));
    await waitFor(() => parse(got).filter((m) => m.op === 'subscribed').length === 2, 'second answer');
    events.append('org-1', ['events', 'vms'], 2); // both of its topics: once
    events.append('org-1', ['events'], 3);
    ws.send(JSON.stringify({ op: 'unsubscribe', topics: ['events'] }));
    await waitFor(() => parse(got).filter((m) => m.op === 'subscribed').length === 3, 'third answer');
    events.append('org-1', ['events'], 4); // no longer one of its topics
    events.append('org-1', ['applications'], 5); // never one
    events.append('org-1', ['vms'], 6);
    await waitFor(() => seqsOf(got).includes(6), 'the last event');
    await sleep(20);
    assert.deepEqual(seqsOf(got), [1, 2, 3, 6]);
    ws.close();
  } finally {
    await t.stop();
  }
});

test('a resume from a sequence the stream never had gets a snapshot instead', async () => {
  const events = new MemoryLiveEvents();
  events.append('org-1', ['events'], 'a');
  const t = await startTestGateway({}, { events, snapshots });
  try {
    const ws = await connect(t, session(t));
    const got = collect(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['events'], fromSeq: 99 }));
    await waitFor(() => got.length === 2, 'snapshot');
    assert.deepEqual(
      parse(got).map((m) => [m.op, m.seq]),
      [
        ['subscribed', undefined],
        ['snapshot', 1],
      ],
    );
    events.append('org-1', ['events'], 'b');
    await waitFor(() => seqsOf(got).length === 1, 'the next event');
    assert.deepEqual(seqsOf(got), [2]);
    ws.close();
  } finally {
    await t.stop();
  }
});

test('a client that stops reading is closed with 4008 "too slow" once its buffer passes the bound', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events, tuning: { wsMaxBufferedBytes: 64 * 1024 } });
  try {
    const ws = await connect(t, session(t));
    const got = collect(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    await waitFor(() => got.length === 2, 'subscribed and snapshot');
    const closing = closed(ws);
    ws.pause(); // stop reading: the kernel buffers fill, then uWS's
    const payload = 'x'.repeat(16 * 1024);
    let sent = 0;
    while (t.gw.liveClients > 0 && sent < 20_000) {
      events.append('org-1', ['vms'], payload);
      sent++;
      if (sent % 16 === 0) await tick();
    }
    assert.equal(t.gw.liveClients, 0, `closed by the server after ${sent} events`);
    const metrics = await (await fetch(`${t.gw.url}/metrics`)).text();
    assert.match(metrics, /ravel_ws_closed_total\{reason="too_slow"\} 1/);
    ws.resume();
    const { code, reason } = await closing;
    // The close frame queues behind the unread data; uWS may cut the socket before it gets through.
    if (code !== 1006) assert.deepEqual({ code, reason }, { code: 4008, reason: 'too slow' });
  } finally {
    await t.stop();
  }
});

test('messages over maxPayloadLength close the connection', async () => {
  const t = await startTestGateway({}, { tuning: { wsMaxPayloadBytes: 1024 } });
  try {
    const ws = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
    const closing = closed(ws);
    ws.send('y'.repeat(4096));
    const { code } = await closing;
    assert.notEqual(code, 1000);
    await waitFor(() => t.gw.liveClients === 0, 'client gone');
  } finally {
    await t.stop();
  }
});

test('graceful shutdown closes WebSockets with 1001 going away and refuses new connections', async () => {
  const t = await startTestGateway();
  const ws = await connect(t, { cookie: `ravel_session=${t.auth.session(alice)}` });
  const closing = closed(ws);
  await t.stop();
  assert.equal((await closing).code, 1001);
  await assert.rejects(fetch(`${t.api}/public`));
  assert.equal(t.gw.lifecycle.status, 'stopped');
});
