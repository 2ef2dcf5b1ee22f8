/**
 * The hub applies each subscription's event filter (LiveSnapshotSource.eventFilter): principals
 * that see some events get those in the snapshot and live, share a topic with others of the same
 * key, resume from the stream's sequence across events they do not see, and get their filter
 * worked out again when a credential re-check finds their permissions changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Principal } from '../http/route.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { ALL_EVENTS, type LiveEventFilter, type LiveSnapshotSource } from './live-events.ts';
import { collect, connect, waitFor } from './live-test-client.ts';
import { MemoryLiveEvents } from './memory-live-events.ts';

interface Message {
  op: string;
  seq?: number;
  events?: Array<{ app: string }>;
  data?: { app: string };
}
const ofOp = (got: string[], op: string): Message[] => got.map((m) => JSON.parse(m) as Message).filter((m) => m.op === op);
const apps = (got: string[]): string[] => ofOp(got, 'event').map((m) => m.data?.app ?? '');

/** `scope` is the application a principal sees the events of, or `*` for all. */
const who = (id: string, scope: string): Principal & { scope: string } => ({ id, tenantId: '7', operator: false, via: 'session', scope });
const scopeOf = (p: Principal): string => (p as Principal & { scope?: string }).scope ?? '';
const only = (app: string): LiveEventFilter => ({ kind: 'some', key: `app-${app}`, sees: (e) => (e.data as { app?: string }).app === app });
const access: LiveSnapshotSource = {
  snapshot: async () => Promise.resolve({ applications: [], hosts: [] }),
  eventFilter: (p) => (scopeOf(p) === '*' ? ALL_EVENTS : only(scopeOf(p))),
};
const cookie = (t: TestGateway, p: Principal): Record<string, string> => ({ cookie: `ravel_session=${t.auth.session(p)}` });
const subscribe = (fromSeq?: number): string => JSON.stringify({ op: 'subscribe', topics: ['events'], ...(fromSeq === undefined ? {} : { fromSeq }) });

test('filtered subscriptions get their events in the snapshot, live and on a resume across the others’ sequences', async () => {
  const events = new MemoryLiveEvents();
  events.append('7', ['events'], { app: 'a' });
  events.append('7', ['events'], { app: 'b' });
  const t = await startTestGateway({}, { events, snapshots: access });
  try {
    const all = await connect(t, cookie(t, who('user-7-1', '*')));
    const a1 = await connect(t, cookie(t, who('token-7-2', 'a')));
    const a2 = await connect(t, cookie(t, who('token-7-3', 'a')));
    const [gotAll, gotA1, gotA2] = [collect(all), collect(a1), collect(a2)];
    for (const ws of [all, a1, a2]) ws.send(subscribe());
    await waitFor(() => [gotAll, gotA1, gotA2].every((g) => ofOp(g, 'snapshot').length === 1), 'snapshots');
    assert.deepEqual(ofOp(gotAll, 'snapshot')[0]?.events, [{ app: 'a' }, { app: 'b' }]);
    assert.deepEqual(ofOp(gotA1, 'snapshot')[0]?.events, [{ app: 'a' }], 'the snapshot’s events filtered');
    assert.equal(ofOp(gotA1, 'snapshot')[0]?.seq, 2, 'at the stream’s sequence');
    for (const app of ['b', 'a', 'b']) events.append('7', ['events'], { app });
    await waitFor(() => apps(gotAll).length === 3 && apps(gotA1).length === 1 && apps(gotA2).length === 1, 'live events');
    await sleep(30);
    assert.deepEqual([apps(gotA1), apps(gotA2)], [['a'], ['a']]);
    assert.deepEqual(ofOp(gotA1, 'event').map((m) => m.seq), [4], 'the stream’s sequence: a gap before it by design');

    // Away across b's events: the resume from its last sequence gets a's, without a snapshot.
    a1.close();
    for (const app of ['b', 'b', 'a', 'b']) events.append('7', ['events'], { app });
    const back = await connect(t, cookie(t, who('token-7-2', 'a')));
    const gotBack = collect(back);
    back.send(subscribe(4));
    await waitFor(() => apps(gotBack).length === 1, 'the resumed event');
    events.append('7', ['events'], { app: 'a' });
    await waitFor(() => apps(gotBack).length === 2, 'and live after it');
    assert.deepEqual(ofOp(gotBack, 'event').map((m) => [m.seq, m.data?.app]), [[8, 'a'], [10, 'a']]);
    assert.deepEqual(ofOp(gotBack, 'snapshot'), []);
    for (const ws of [all, a2, back]) ws.close();
  } finally {
    await t.stop();
  }
});

test('a principal whose scope changes gets a fresh snapshot and the events of its new scope only', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events, snapshots: access });
  try {
    const session = t.auth.session(who('token-7-2', 'a'));
    const ws = await connect(t, { cookie: `ravel_session=${session}` });
    const got = collect(ws);
    ws.send(subscribe());
    await waitFor(() => ofOp(got, 'snapshot').length === 1, 'snapshot');
    events.append('7', ['events'], { app: 'a' });
    events.append('7', ['events'], { app: 'b' });
    await waitFor(() => apps(got).length === 1, 'a’s event');

    t.auth.sessions.set(session, who('token-7-2', 'b'));
    await t.clock.advance(30_000); // the credential sweep
    await waitFor(() => ofOp(got, 'snapshot').length === 2, 'a fresh snapshot');
    assert.equal(ofOp(got, 'snapshot')[1]?.seq, 2);
    assert.deepEqual(ofOp(got, 'snapshot')[1]?.events, [{ app: 'b' }], 'filtered by the new scope');
    events.append('7', ['events'], { app: 'a' });
    events.append('7', ['events'], { app: 'b' });
    await waitFor(() => apps(got).length === 2, 'b’s event');
    await sleep(30);
    assert.deepEqual(ofOp(got, 'event').map((m) => [m.seq, m.data?.app]), [[1, 'a'], [4, 'b']]);
    ws.close();
  } finally {
    await t.stop();
  }
});
