import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { createApplication } from '../application/application-lifecycle.ts';
import { blueprintOf, completeSave, imageOf } from './library-saves.ts';
import { sampleVm } from '../test-fixtures.ts';

const app = createApplication(1, { name: 'a', design: { vms: [sampleVm(1), sampleVm(2)] } }, 0);

test('a blueprint copies the design, SAVING, then DONE with each disk on its snapshot', () => {
  const bp = blueprintOf(app, 9, 'bp', 5);
  assert.equal(bp.loadingStatus, 'SAVING');
  assert.deepEqual(bp.design, app.design);
  const done = completeSave(bp, { '101': 1001, '201': 2001 });
  assert.equal(done.loadingStatus, 'DONE');
  assert.deepEqual(done.design.vms.map((v) => v.hardDrives[0]?.baseDiskImageId), [1001, 2001]);
  assert.equal(app.design.vms[0]?.hardDrives[0]?.baseDiskImageId, undefined, 'the application is untouched');
  assert.throws(() => completeSave(bp, { '101': 1 }), (e: unknown) => isRavelError(e, 'INTERNAL'));
});

test('an image copies one VM; an unknown VM is NOT_FOUND; an empty application makes no blueprint', () => {
  const img = imageOf(app, 200, 3, 'img', 0);
  assert.equal(img.numCpus, 2);
  assert.equal(img.hardDrives.length, 1);
  assert.throws(() => imageOf(app, 999, 3, 'img', 0), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
  assert.throws(() => blueprintOf(createApplication(2, { name: 'e' }, 0), 9, 'bp', 0), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
});
