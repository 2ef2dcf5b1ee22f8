import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { action, allowedNextStates, hostReports, transitionVm, transitionVmOrThrow, vmActions, vmStates, type VmEvent } from './vm-state-machine.ts';
import type { VmState } from '../schemas/vm.ts';

const arbState = fc.constantFrom(...vmStates);
const arbEvent: fc.Arbitrary<VmEvent> = fc.oneof(
  fc.constantFrom(...vmActions).map(action),
  fc.constantFrom(...hostReports).chain((report) =>
    report === 'provisioned'
      ? fc.boolean().map((startAfter): VmEvent => ({ kind: 'host', report, startAfter }))
      : fc.constant<VmEvent>({ kind: 'host', report }),
  ),
);

test('property: from any state, any sequence of events only takes edges the table allows', () => {
  fc.assert(
    fc.property(arbState, fc.array(arbEvent, { maxLength: 40 }), (start, events) => {
      let s: VmState = start;
      for (const e of events) {
        const t = transitionVm(s, e);
        if (t.ok) {
          assert.ok(allowedNextStates[s].includes(t.state), `${s} -> ${t.state} on ${JSON.stringify(e)}`);
          s = t.state;
        } else {
          assert.equal(t.error.code, 'ILLEGAL_STATE');
          assert.equal(t.error.httpStatus, 409);
        }
      }
    }),
  );
});

test('property: the transition is a pure function of state and event (so a refusal can change nothing)', () => {
  fc.assert(
    fc.property(arbState, arbEvent, (s, e) => {
      const a = transitionVm(s, e);
      const b = transitionVm(s, e);
      assert.deepEqual(a.ok ? [a.state, a.commands] : a.error.code, b.ok ? [b.state, b.commands] : b.error.code);
    }),
  );
});

test('the happy path: publish, boot, stop, start, restart', () => {
  let s: VmState = 'STOPPED';
  const step = (e: VmEvent, want: VmState, cmds: string[]): void => {
    const t = transitionVmOrThrow(s, e);
    assert.equal(t.state, want);
    assert.deepEqual(t.commands, cmds);
    s = t.state;
  };
  step(action('publish'), 'PUBLISHING', ['provision']);
  step({ kind: 'host', report: 'provisioned', startAfter: true }, 'STARTING', ['boot']);
  step({ kind: 'host', report: 'booted' }, 'STARTED', []);
  step(action('restart'), 'RESTARTING', ['reboot']);
  step({ kind: 'host', report: 'booted' }, 'STARTED', []);
  step(action('stop'), 'STOPPING', ['shutdown']);
  step(action('poweroff'), 'STOPPING', ['poweroff']);
  step({ kind: 'host', report: 'stopped' }, 'STOPPED', ['snapshot']);
  step({ kind: 'host', report: 'stopped' }, 'STOPPED', []);
  step(action('resetDisks'), 'STOPPED', ['resetDisks']);
});

test('a VM that ran and stopped is snapshotted; a repeated stop report or one of a VM in ERROR snapshots nothing', () => {
  for (const s of ['STARTING', 'STARTED', 'STOPPING'] as const) {
    assert.deepEqual(transitionVmOrThrow(s, { kind: 'host', report: 'stopped' }), { state: 'STOPPED', commands: ['snapshot'] }, s);
  }
  for (const s of ['STOPPED', 'ERROR'] as const) {
    assert.deepEqual(transitionVmOrThrow(s, { kind: 'host', report: 'stopped' }), { state: 'STOPPED', commands: [] }, s);
  }
});

test('redeploying a running VM shuts it down first; a stopped one is reprovisioned at once', () => {
  assert.deepEqual(transitionVmOrThrow('STARTED', action('redeploy')), { state: 'STOPPING', commands: ['shutdown'] });
  assert.deepEqual(transitionVmOrThrow('STOPPED', action('redeploy')), { state: 'PUBLISHING', commands: ['reprovision'] });
  assert.equal(transitionVm('STARTING', action('redeploy')).ok, false);
});

test('illegal actions are refused with ILLEGAL_STATE', () => {
  const cases: [VmState, Parameters<typeof action>[0]][] = [
    ['STARTED', 'start'],
    ['STOPPED', 'stop'],
    ['STOPPED', 'restart'],
    ['PUBLISHING', 'start'],
    ['STARTED', 'resetDisks'],
    ['STARTED', 'repair'],
    ['ERROR', 'start'],
  ];
  for (const [s, a] of cases) {
    assert.throws(() => transitionVmOrThrow(s, action(a)), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'), `${a} in ${s}`);
  }
});

test('a lost host puts any VM but a stopped one in ERROR, a failure any VM; repair reprovisions it', () => {
  for (const s of vmStates) {
    const t = transitionVmOrThrow(s, { kind: 'host', report: 'hostLost' });
    assert.deepEqual(t, { state: s === 'STOPPED' ? 'STOPPED' : 'ERROR', commands: [] }, `hostLost in ${s}`);
    assert.equal(transitionVmOrThrow(s, { kind: 'host', report: 'failed' }).state, 'ERROR', `failed in ${s}`);
  }
  assert.deepEqual(transitionVmOrThrow('ERROR', action('repair')), { state: 'PUBLISHING', commands: ['reprovision'] });
});

test('a stale boot report while stopping is refused, not applied', () => {
  const t = transitionVm('STOPPING', { kind: 'host', report: 'booted' });
  assert.equal(t.ok, false);
});

test('a VM of a lost host given up on (abandoned) is STOPPED from ERROR or STOPPED, sending nothing; refused elsewhere', () => {
  for (const s of vmStates) {
    const t = transitionVm(s, { kind: 'host', report: 'abandoned' });
    if (s === 'ERROR' || s === 'STOPPED') assert.deepEqual(t, { ok: true, state: 'STOPPED', commands: [] }, `abandoned in ${s}`);
    else assert.equal(t.ok, false, `abandoned in ${s}`);
  }
});
