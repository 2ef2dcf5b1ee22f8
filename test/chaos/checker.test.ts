/**
 * The cluster checker on hand-made histories: each rule fires on the history that breaks it and
 * stays quiet on the one that keeps it, so a passing chaos run means something.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from '../../bench/cluster/checker.ts';
import type { FinalState, AppState } from '../../bench/cluster/final-state.ts';
import type { Completion, HistoryLine, OpName } from '../../bench/cluster/history.ts';
import type { FaultRecord } from '../../bench/cluster/faults.ts';

let n = 0;
function op(op: OpName, type: Completion['type'], at: number, more: Partial<Completion> = {}): HistoryLine[] {
  const id = `p-${++n}`;
  return [
    { type: 'invoke', id, op, tenant: 'a', at: at - 5, gateway: 'g', ...(more.app === undefined ? {} : { app: more.app }) },
    { type, id, op, tenant: 'a', at, ms: 5, ...more },
  ];
}
const app = (id: number, name: string, state: string, vms = 1): AppState => ({ id, name, published: true, vms: Array.from({ length: vms }, () => ({ state, hostId: 'h1' })) });
const final = (apps: AppState[], more: Partial<FinalState> = {}): FinalState => ({ readAt: 100_000, apps: { a: apps }, unreadable: [], images: {}, hostVms: {}, ...more });
const rules = (h: HistoryLine[], f: FinalState, faults: FaultRecord[] = []): string[] => check(h, f, faults).breaches.map((b) => b.rule);

test('an acknowledged create that is gone is lost; one deleted with an indeterminate delete is not', () => {
  const h = [...op('create', 'ok', 10, { app: 1, name: 'a-1' }), ...op('create', 'ok', 11, { app: 2, name: 'a-2' }), ...op('delete', 'info', 20, { app: 2 })];
  assert.deepEqual(rules(h, final([])), ['lost']);
  assert.deepEqual(rules(h, final([app(1, 'a-1', 'STOPPED', 0)])).filter((r) => r === 'lost'), []);
});

test('an acknowledged delete whose application remains is lost', () => {
  const h = [...op('create', 'ok', 10, { app: 1, name: 'a-1' }), ...op('delete', 'ok', 20, { app: 1 })];
  assert.deepEqual(rules(h, final([app(1, 'a-1', 'STOPPED')])), ['lost']);
  assert.deepEqual(rules(h, final([])), []);
});

test('two applications from one create, or one from a refused create, are duplicated', () => {
  const h = [...op('create', 'info', 10, { name: 'a-1' }), ...op('create', 'fail', 11, { name: 'a-2', code: 'INVALID_ARGUMENT' })];
  assert.deepEqual(rules(h, final([app(1, 'a-1', 'STOPPED', 0), app(2, 'a-1', 'STOPPED', 0)])), ['duplicated']);
  assert.deepEqual(rules(h, final([app(3, 'a-2', 'STOPPED', 0)])), ['duplicated']);
  assert.deepEqual(rules(h, final([app(1, 'a-1', 'STOPPED', 0)])), [], 'an indeterminate create may have happened once');
});

test('a VM running on two hosts is duplicated', () => {
  const f = final([], { hostVms: { h1: [{ id: 'vm-9', state: 'running' }], h2: [{ id: 'vm-9', state: 'starting' }], h3: [{ id: 'vm-8', state: 'running' }] } });
  assert.deepEqual(rules([], f), ['duplicated']);
});

test('the last acknowledged action decides the state; refused ones are skipped, an indeterminate one makes it unknown', () => {
  const base = [...op('create', 'ok', 10, { app: 1, name: 'a-1' }), ...op('publish', 'ok', 20, { app: 1 })];
  assert.deepEqual(rules(base, final([app(1, 'a-1', 'STARTED')])), []);
  assert.deepEqual(rules(base, final([app(1, 'a-1', 'STOPPED')])), ['state']);
  const stopped = [...base, ...op('stop', 'ok', 30, { app: 1 }), ...op('start', 'fail', 40, { app: 1, code: 'ILLEGAL_STATE' })];
  assert.deepEqual(rules(stopped, final([app(1, 'a-1', 'STARTED')])), ['state']);
  assert.deepEqual(rules(stopped, final([app(1, 'a-1', 'STOPPED')])), []);
  const unknown = [...stopped, ...op('start', 'info', 50, { app: 1 })];
  assert.deepEqual(rules(unknown, final([app(1, 'a-1', 'STOPPED')])), []);
});

test('an expiration that has passed (with grace) must have stopped the application', () => {
  const h = [...op('create', 'ok', 10, { app: 1, name: 'a-1' }), ...op('publish', 'ok', 20, { app: 1 }), ...op('expire', 'ok', 30, { app: 1, expiresAt: 50_000 })];
  assert.deepEqual(rules(h, final([app(1, 'a-1', 'STARTED')])), ['state']);
  assert.deepEqual(rules(h, final([app(1, 'a-1', 'STARTED')], { readAt: 51_000 })), [], 'not yet due');
  assert.deepEqual(rules(h, final([app(1, 'a-1', 'STOPPED')])), []);
});

test("another tenant's application in a list, or a recorded violation, breaks isolation", () => {
  assert.deepEqual(rules([], final([app(7, 'b-1', 'STOPPED', 0)])), ['isolation']);
  assert.deepEqual(rules([{ type: 'violation', tenant: 'a', at: 5, rule: 'tenant-isolation', detail: 'live event of tenant 3' }], final([])), ['isolation']);
});

test('an acknowledged upload must read back with its SHA-256', () => {
  const h = op('upload', 'ok', 10, { image: 'img1', sha256: 'abc', gateway: 'g' });
  assert.deepEqual(rules(h, final([], { images: { img1: { status: 200, sha256: 'abc' } } })), []);
  assert.deepEqual(rules(h, final([], { images: { img1: { status: 404 } } })), ['lost']);
});

test('per fault: writes invoked in its window are counted, and breaches of them attributed to it', () => {
  const h = [...op('create', 'ok', 1010, { app: 1, name: 'a-1' }), ...op('create', 'info', 1020, { name: 'a-2' }), ...op('create', 'ok', 90_000, { app: 3, name: 'a-3' })];
  const fault: FaultRecord = { kind: 'kill-node', label: 'SIGKILL n1', at: 1000, endedAt: 2000, detail: '' };
  const r = check(h, final([app(3, 'a-3', 'STOPPED', 0)]), [fault]);
  assert.deepEqual(r.perFault, [{ fault: 'SIGKILL n1', acknowledged: 1, indeterminate: 1, lost: 1, duplicated: 0 }]);
});

test("a VM left on a host after its application's acknowledged delete is reported as leaked", () => {
  const h = [...op('create', 'ok', 10, { app: 4, name: 'a-4' }), ...op('delete', 'ok', 20, { app: 4 })];
  const f = final([], { orgIds: { a: 9 }, hostVms: { h1: [{ id: 'a4-100', tenant: '9', state: 'stopped' }, { id: 'a4-100', tenant: '8', state: 'stopped' }] } });
  assert.deepEqual(check(h, f, []).leakedVms, ['a4-100@h1 (stopped)']);
});

test('attempts of one create retried with its request id: an application from an indeterminate attempt is not a refused create', () => {
  const h = [...op('create', 'info', 10, { name: 'a-5' }), ...op('create', 'fail', 20, { name: 'a-5', code: 'ECONNREFUSED' })];
  assert.deepEqual(rules(h, final([app(5, 'a-5', 'STOPPED', 0)])), []);
  assert.deepEqual(rules(h, final([app(5, 'a-5', 'STOPPED', 0), app(6, 'a-5', 'STOPPED', 0)])), ['duplicated'], 'but twice is still twice');
});
