/**
 * Who sees what on /api/v1/live: each principal what its snapshot source lets it see (the
 * applications it may read, events only if it may read the stream), a permission change taking
 * effect on the open socket (a fresh snapshot, filtered anew), and organizations named in the
 * subscribe: any for an operator, each with its own sequence; only its own for anyone else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RavelError } from '../../core/errors.ts';
import type { Principal } from '../http/route.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { ALL_EVENTS, NO_EVENTS, type LiveSnapshotSource } from './live-events.ts';
import { collect, connect, waitFor } from './live-test-client.ts';
import { MemoryLiveEvents } from './memory-live-events.ts';

interface Message {
  op: string;
  organization?: number | string;
  seq?: number;
  code?: string;
  message?: string;
  topics?: string[];
  applications?: Array<{ name: string }>;
  events?: unknown[];
  data?: unknown;
}
const parse = (got: string[]): Message[] => got.map((m) => JSON.parse(m) as Message);
const ofOp = (got: string[], op: string, organization?: number): Message[] =>
  parse(got).filter((m) => m.op === op && (organization === undefined || m.organization === organization));

const user = (id: string, tenantId: string, grants: string): Principal & { grants: string } => ({ id, tenantId, operator: false, via: 'session', grants });
const operator: Principal = { id: 'operator-ops', tenantId: 'operators', operator: true, via: 'token' };

/**
 * Stands in for the control plane's rules (controlSnapshots, tested on its own and on a node):
 * a principal's `grants` say whether it reads events, and its snapshot names what it was given.
 */
const access: LiveSnapshotSource = {
  snapshot: async (p, organization) =>
    organization === '9'
      ? Promise.reject(new RavelError('NOT_FOUND', 'no such organization'))
      : Promise.resolve({ applications: [{ name: `${organization} for ${p.id} (${grantsOf(p)})` }], hosts: [] }),
  eventFilter: (p) => (p.operator || grantsOf(p) === 'all' ? ALL_EVENTS : NO_EVENTS),
};
const grantsOf = (p: Principal): string => (p as Principal & { grants?: string }).grants ?? '';

const cookie = (t: TestGateway, p: Principal): Record<string, string> => ({ cookie: `ravel_session=${t.auth.session(p)}` });
const subscribe = (extra: object = {}): string => JSON.stringify({ op: 'subscribe', topics: ['vms', 'events'], ...extra });

test('two principals of one organization get the snapshot and the events each may read', async () => {
  const events = new MemoryLiveEvents();
  events.append('7', ['events', 'vms'], { n: 1 });
  const t = await startTestGateway({}, { events, snapshots: access });
  try {
    const full = await connect(t, cookie(t, user('user-7-1', '7', 'all')));
    const narrow = await connect(t, cookie(t, user('token-7-2', '7', 'applications')));
    const gotFull = collect(full);
    const gotNarrow = collect(narrow);
    full.send(subscribe());
    narrow.send(subscribe());
    await waitFor(() => ofOp(gotFull, 'snapshot').length === 1 && ofOp(gotNarrow, 'snapshot').length === 1, 'snapshots');
    const [snapFull] = ofOp(gotFull, 'snapshot');
    const [snapNarrow] = ofOp(gotNarrow, 'snapshot');
    assert.deepEqual(snapFull?.applications, [{ name: '7 for user-7-1 (all)' }]);
    assert.deepEqual(snapFull?.events, [{ n: 1 }]);
    assert.deepEqual(snapNarrow?.applications, [{ name: '7 for token-7-2 (applications)' }]);
    assert.deepEqual(snapNarrow?.events, [], 'no events in the snapshot of a principal that may not read them');
    assert.equal(snapNarrow?.seq, 1, 'the same place in the stream');
    events.append('7', ['events', 'vms'], { n: 2 });
    events.append('7', ['events'], { n: 3 });
    await waitFor(() => ofOp(gotFull, 'event').length === 2, 'events to the one that reads them');
    await sleep(30);
    assert.deepEqual(ofOp(gotNarrow, 'event'), [], 'none to the other');
    full.close();
    narrow.close();
  } finally {
    await t.stop();
  }
});

test('a permission change reaches the open socket: a fresh snapshot, and events as the new permissions say', async () => {
  const events = new MemoryLiveEvents();
  const t = await startTestGateway({}, { events, snapshots: access });
  try {
    const session = t.auth.session(user('user-7-1', '7', 'all'));
    const ws = await connect(t, { cookie: `ravel_session=${session}` });
    const got = collect(ws);
    ws.send(subscribe());
    await waitFor(() => ofOp(got, 'snapshot').length === 1, 'snapshot');
    events.append('7', ['events', 'vms'], { n: 1 });
    await waitFor(() => ofOp(got, 'event').length === 1, 'the first event');

    t.auth.sessions.set(session, user('user-7-1', '7', 'applications')); // a role or group changed
    await t.clock.advance(30_000); // the sweep (a credential drop would re-check at once)
    await waitFor(() => ofOp(got, 'snapshot').length === 2, 'a fresh snapshot');
    const second = ofOp(got, 'snapshot')[1];
    assert.deepEqual(second?.applications, [{ name: '7 for user-7-1 (applications)' }]);
    assert.deepEqual(second?.events, []);
    assert.equal(second?.seq, 1);
    events.append('7', ['events', 'vms'], { n: 2 });
    await sleep(30);
    assert.equal(ofOp(got, 'event').length, 1, 'no event once it may not read them');
    assert.equal(t.gw.liveClients, 1, 'still open');

    t.auth.sessions.set(session, user('user-7-1', '7', 'all'));
    await t.clock.advance(30_000);
    await waitFor(() => ofOp(got, 'snapshot').length === 3, 'a third snapshot');
    assert.equal(ofOp(got, 'snapshot')[2]?.seq, 2);
    events.append('7', ['events', 'vms'], { n: 3 });
    await waitFor(() => ofOp(got, 'event').length === 2, 'events again');
    assert.deepEqual(
      ofOp(got, 'event').map((m) => m.seq),
      [1, 3],
    );
    ws.close();
  } finally {
    await t.stop();
  }
});

test('an operator watches two organizations on one socket, each with its own sequence, and resumes one of them', async () => {
  const events = new MemoryLiveEvents();
  for (let i = 1; i <= 3; i++) events.append('7', ['events', 'vms'], { org: 7, i });
  events.append('8', ['events', 'vms'], { org: 8, i: 1 });
  const t = await startTestGateway({}, { events, snapshots: access });
  try {
    const headers = { 'x-ephemeral-token-authorization': t.auth.token(operator) };
    const ws = await connect(t, headers);
    const got = collect(ws);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['vms'] }));
    ws.send(subscribe({ organization: 7 }));
    ws.send(subscribe({ organization: 8, fromSeq: 0 }));
    ws.send(subscribe({ organization: 9 })); // does not exist
    await waitFor(() => ofOp(got, 'snapshot', 7).length === 1 && ofOp(got, 'event', 8).length === 1 && ofOp(got, 'error').length === 2, 'snapshot of 7, stored event of 8, the errors');
    const [err, missing] = ofOp(got, 'error');
    assert.equal(err?.code, 'INVALID_ARGUMENT', 'an operator has no organization of its own to default to');
    assert.match(err?.message ?? '', /operator names the organization/);
    assert.deepEqual(missing, { op: 'error', code: 'NOT_FOUND', message: 'no organization 9; its subscription ended' });
    assert.deepEqual(
      ofOp(got, 'subscribed').map((m) => m.organization),
      [7, 8, 9],
    );
    assert.equal(ofOp(got, 'snapshot', 7)[0]?.seq, 3);
    assert.deepEqual(ofOp(got, 'snapshot', 8), [], 'a resume of 8 sends no snapshot');
    events.append('8', ['events', 'vms'], { org: 8, i: 2 });
    events.append('7', ['events', 'vms'], { org: 7, i: 4 });
    events.append('8', ['events', 'vms'], { org: 8, i: 3 });
    await waitFor(() => ofOp(got, 'event', 7).length === 1 && ofOp(got, 'event', 8).length === 3, 'live events of both');
    assert.deepEqual(
      ofOp(got, 'event', 8).map((m) => m.seq),
      [1, 2, 3],
    );
    assert.deepEqual(
      ofOp(got, 'event', 7).map((m) => [m.seq, m.data]),
      [[4, { org: 7, i: 4 }]],
    );
    // Leaving one organization's topics leaves the other's alone.
    ws.send(JSON.stringify({ op: 'unsubscribe', topics: ['vms', 'events'], organization: 8 }));
    await waitFor(() => ofOp(got, 'subscribed', 8).length === 2, 'unsubscribed from 8');
    events.append('8', ['events', 'vms'], { org: 8, i: 4 });
    events.append('7', ['events', 'vms'], { org: 7, i: 5 });
    await waitFor(() => ofOp(got, 'event', 7).length === 2, 'the next event of 7');
    await sleep(30);
    assert.equal(ofOp(got, 'event', 8).length, 3);
    ws.close();
  } finally {
    await t.stop();
  }
});

test('a non-operator naming another organization gets PERMISSION_DENIED and nothing of it; its own it may name', async () => {
  const events = new MemoryLiveEvents();
  events.append('8', ['events', 'vms'], { secret: true });
  const t = await startTestGateway({}, { events, snapshots: access });
  try {
    const ws = await connect(t, cookie(t, user('user-7-1', '7', 'all')));
    const got = collect(ws);
    ws.send(subscribe({ organization: 8, fromSeq: 0 }));
    ws.send(subscribe({ organization: 7 }));
    await waitFor(() => ofOp(got, 'snapshot').length === 1, 'its own snapshot');
    events.append('8', ['events', 'vms'], { secret: true });
    events.append('7', ['events', 'vms'], { mine: true });
    await waitFor(() => ofOp(got, 'event').length === 1, 'its own event');
    await sleep(30);
    const msgs = parse(got);
    assert.deepEqual(msgs[0], { op: 'error', code: 'PERMISSION_DENIED', message: 'organization 8 is not yours: only operators watch other organizations' });
    assert.ok(
      msgs.slice(1).every((m) => m.organization === 7),
      'nothing of organization 8',
    );
    assert.ok(!got.some((m) => m.includes('secret')));
    ws.close();
  } finally {
    await t.stop();
  }
});
