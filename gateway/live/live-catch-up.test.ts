/**
 * A snapshot or a resumed backlog larger than the send buffer bound reaches a client that reads
 * slowly, instead of closing it with 4008 on every connect; a snapshot past its own hard cap is
 * refused with 4009 "snapshot too large".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { alice } from '../test-support/fake-authenticator.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { ALL_EVENTS, type LiveSnapshotSource } from './live-events.ts';
import { closed, collect, connect, waitFor } from './live-test-client.ts';
import { MemoryLiveEvents } from './memory-live-events.ts';

const session = (t: TestGateway): Record<string, string> => ({ cookie: `ravel_session=${t.auth.session(alice)}` });

/** A snapshot of `apps` applications of about 1 KiB each. */
const bigSnapshots = (apps: number): LiveSnapshotSource => ({
  snapshot: async () =>
    Promise.resolve({
      applications: Array.from({ length: apps }, (_, id) => ({ id, name: 'a'.repeat(1000), vms: [] })),
      hosts: [],
    }),
  eventFilter: () => ALL_EVENTS,
});

const bound = 64 * 1024;

test('a snapshot 100 times the send buffer bound reaches a client that does not read for a while', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events, snapshots: bigSnapshots(6500), tuning: { wsMaxBufferedBytes: bound } });
  try {
    const ws = await connect(t, session(t));
    const got = collect(ws);
    let closeCode: number | undefined;
    ws.once('close', (code: number) => (closeCode = code));
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    ws.pause(); // the snapshot piles up in the server's buffer
    await sleep(300);
    ws.resume();
    await waitFor(() => got.length === 2 || closeCode !== undefined, 'the snapshot');
    assert.equal(closeCode, undefined, 'not closed');
    const snap = JSON.parse(got[1] ?? '{}') as { op: string; applications: unknown[] };
    assert.equal(snap.op, 'snapshot');
    assert.equal(snap.applications.length, 6500);
    // Then live like any other client.
    events.append('org-1', ['events', 'vms'], { n: 1 });
    await waitFor(() => got.length === 3, 'the next event');
    assert.match(got[2] ?? '', /"op":"event","organization":"org-1","seq":1,/);
    ws.close();
  } finally {
    await t.stop();
  }
});

test('a resume over a backlog 100 times the bound gets every event, in order, without 4008', async () => {
  const events = new MemoryLiveEvents();
  const payload = 'x'.repeat(16 * 1024);
  for (let i = 0; i < 400; i++) events.append('org-1', ['events', 'vms'], payload);
  const t = await startTestGateway({}, { events, tuning: { wsMaxBufferedBytes: bound } });
  try {
    const ws = await connect(t, session(t));
    const got = collect(ws);
    let closeCode: number | undefined;
    ws.once('close', (code: number) => (closeCode = code));
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'], fromSeq: 0 }));
    ws.pause();
    await sleep(300);
    ws.resume();
    await waitFor(() => got.length === 401 || closeCode !== undefined, 'the backlog', 20_000);
    assert.equal(closeCode, undefined, 'not closed');
    const seqs = got.slice(1).map((m) => (JSON.parse(m) as { seq: number }).seq);
    assert.deepEqual(seqs, Array.from({ length: 400 }, (_, i) => i + 1));
    events.append('org-1', ['vms'], 'live');
    await waitFor(() => got.length === 402, 'the live event after it');
    ws.close();
  } finally {
    await t.stop();
  }
});

test('a snapshot past its hard cap closes the client with 4009 "snapshot too large"', async () => {
  const t = await startTestGateway({}, { snapshots: bigSnapshots(2000), tuning: { wsMaxSnapshotBytes: 1024 * 1024 } });
  try {
    const ws = await connect(t, session(t));
    const closing = closed(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    assert.deepEqual(await closing, { code: 4009, reason: 'snapshot too large' });
    const metrics = await (await fetch(`${t.gw.url}/metrics`)).text();
    assert.match(metrics, /ravel_ws_closed_total\{reason="snapshot_too_large"\} 1/);
  } finally {
    await t.stop();
  }
});
