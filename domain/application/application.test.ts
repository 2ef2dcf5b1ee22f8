import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { applicationStates, applicationSummary, designDiffersFromDeployment, totalActiveVms } from './application-state.ts';
import { applyVmChanges, planVmAction } from './application-actions.ts';
import { sampleVm } from '../test-fixtures.ts';
import type { Deployment } from '../schemas/application.ts';
import type { VmState } from '../schemas/vm.ts';

function deployed(states: VmState[]): Deployment {
  return {
    vms: states.map((state, i) => ({ ...sampleVm(i + 1), state })),
    regionName: 'r1',
    optimizationLevel: 'COST_OPTIMIZED',
    totalActiveVms: 0,
  };
}

test('application state is the set of its VM states; a draft has none', () => {
  assert.deepEqual(applicationStates(undefined), []);
  assert.deepEqual(applicationStates(deployed(['STARTED', 'STOPPED', 'STARTED'])), ['STOPPED', 'STARTED']);
  assert.equal(applicationSummary({ deployment: deployed(['STARTED', 'STARTED']) }), 'STARTED');
  assert.equal(applicationSummary({ deployment: deployed(['STARTED', 'ERROR']) }), 'MIXED');
  assert.equal(applicationSummary({}), 'DRAFT');
  assert.equal(totalActiveVms(deployed(['STARTED', 'STOPPED', 'STARTING'])), 2);
});

test('designDiffersFromDeployment: false when equal (bigint or number ids alike), true on add, remove, edit', () => {
  const dep = deployed(['STARTED', 'STOPPED']);
  const design = { vms: [sampleVm(1), sampleVm(2)] };
  assert.equal(designDiffersFromDeployment(design, dep), false);
  assert.equal(designDiffersFromDeployment({ vms: [{ ...sampleVm(1), id: 100n }, sampleVm(2)] }, dep), false);
  assert.equal(designDiffersFromDeployment({ vms: [sampleVm(1)] }, dep), true);
  assert.equal(designDiffersFromDeployment({ vms: [sampleVm(1), sampleVm(2), sampleVm(3)] }, dep), true);
  assert.equal(designDiffersFromDeployment({ vms: [sampleVm(1), { ...sampleVm(2), numCpus: 8 }] }, dep), true);
  assert.equal(designDiffersFromDeployment(design, undefined), false);
});

test('stopping the application skips VMs already stopped', () => {
  const vms = deployed(['STARTED', 'STOPPED', 'STARTING']).vms;
  const plan = planVmAction(vms, 'stop');
  assert.deepEqual(plan.map((c) => [c.from, c.to]), [['STARTED', 'STOPPING'], ['STARTING', 'STOPPING']]);
  const after = applyVmChanges(vms, plan);
  assert.deepEqual(after.map((v) => v.state), ['STOPPING', 'STOPPED', 'STOPPING']);
});

test('an action no VM can take is refused with ILLEGAL_STATE', () => {
  const vms = deployed(['STOPPED', 'STOPPED']).vms;
  assert.throws(() => planVmAction(vms, 'stop'), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
});

test('named VMs: one refusal refuses all; an unknown id is NOT_FOUND', () => {
  const vms = deployed(['STARTED', 'STOPPED']).vms;
  assert.throws(() => planVmAction(vms, 'start', [100, 200]), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  assert.throws(() => planVmAction(vms, 'start', [999]), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
  assert.deepEqual(planVmAction(vms, 'start', [200n, 200]).map((c) => c.to), ['STARTING']);
});
