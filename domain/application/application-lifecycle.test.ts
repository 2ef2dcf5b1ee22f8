import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { createApplication, publishApplication, publishUpdates, setApplicationExpiration, setDesign } from './application-lifecycle.ts';
import { sampleVm } from '../test-fixtures.ts';

const now = 1_700_000_000_000;
const hosts = { '100': 'h1', '200': 'h2', '300': 'h3' };

test('create a draft, publish: every VM PUBLISHING on its host; publishing twice is ILLEGAL_STATE', () => {
  const draft = createApplication(1, { name: 'a', design: { vms: [sampleVm(1), sampleVm(2)] } }, now);
  assert.equal(draft.published, false);
  const app = publishApplication(draft, { region: 'r', optimizationLevel: 'COST_OPTIMIZED', hosts }, now);
  assert.deepEqual(app.deployment?.vms.map((v) => [v.state, v.hostId]), [['PUBLISHING', 'h1'], ['PUBLISHING', 'h2']]);
  assert.throws(() => publishApplication(app, { region: 'r', optimizationLevel: 'COST_OPTIMIZED', hosts }, now), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  assert.throws(() => publishApplication(createApplication(2, { name: 'e' }, now), { region: 'r', optimizationLevel: 'COST_OPTIMIZED', hosts }, now), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
});

test('an invalid design is refused at create', () => {
  assert.throws(() => createApplication(1, { name: 'a', design: { vms: [sampleVm(1), sampleVm(1)] } }, now), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
});

test('publish updates: added VMs publish, removed go, edited keep their state; the flag clears', () => {
  let app = publishApplication(createApplication(1, { name: 'a', design: { vms: [sampleVm(1), sampleVm(2)] } }, now), { region: 'r', optimizationLevel: 'COST_OPTIMIZED', hosts }, now);
  assert.throws(() => publishUpdates(app, hosts), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  app = setDesign(app, { vms: [{ ...sampleVm(1), numCpus: 4 }, sampleVm(3)] });
  assert.equal(app.designDiffersFromDeployment, true);
  const plan = publishUpdates(app, hosts);
  assert.deepEqual([plan.added, plan.removed, plan.changed], [['300'], ['200'], ['100']]);
  assert.equal(plan.application.designDiffersFromDeployment, false);
  assert.deepEqual(plan.application.deployment?.vms.map((v) => [v.numCpus, v.state, v.hostId]), [[4, 'PUBLISHING', 'h1'], [2, 'PUBLISHING', 'h3']]);
});

test('expiration shows as nextStopTime; -1 clears it; a draft cannot expire', () => {
  const app = publishApplication(createApplication(1, { name: 'a', design: { vms: [sampleVm(1)] } }, now), { region: 'r', optimizationLevel: 'COST_OPTIMIZED', hosts }, now);
  const exp = setApplicationExpiration(app, 60, now);
  assert.equal(exp.nextStopTime, now + 60_000);
  assert.equal(exp.deployment?.expirationTime, now + 60_000);
  const never = setApplicationExpiration(exp, -1, now);
  assert.equal(never.nextStopTime, undefined);
  assert.equal(never.deployment?.expirationTime, undefined);
  assert.throws(() => setApplicationExpiration(createApplication(2, { name: 'd' }, now), 60, now), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
});
