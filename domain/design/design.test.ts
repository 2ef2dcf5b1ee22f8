import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { idKey } from '../schemas/common.ts';
import { addVmFromImage, editVm, findVm, removeVm } from './design-edit.ts';
import { localIdsOf, validateDesign } from './design-validate.ts';
import { randomLocalId, sequentialLocalIds } from './local-ids.ts';
import { sampleImage, sampleVm } from '../test-fixtures.ts';
import type { Design } from '../schemas/application.ts';

const invalidAt = (field: string) => (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT') && e.details?.['field'] === field;

test('a valid design passes', () => {
  validateDesign({ vms: [sampleVm(1), sampleVm(2)] });
});

test('each broken rule is refused with its field', () => {
  const cases: [Design, string][] = [
    [{ vms: [sampleVm(1, { numCpus: 99 })] }, '/design/vms/0/numCpus'],
    [{ vms: [sampleVm(1, { memorySize: { unit: 'MB', value: 10 } })] }, '/design/vms/0/memorySize'],
    [{ vms: [sampleVm(1), sampleVm(1, { name: 'other', hostnames: ['other'] })] }, '/design/vms/1/id'],
    [{ vms: [sampleVm(1), sampleVm(2, { hostnames: ['VM1'] })] }, '/design/vms/1/hostnames/0'],
    [{ vms: [sampleVm(1, { hardDrives: [{ id: 5, type: 'DISK', size: { unit: 'GB', value: 1 } }] })] }, '/design/vms/0/hardDrives'],
    [{ vms: [sampleVm(1, { hardDrives: [{ id: 5, type: 'DISK', boot: true }] })] }, '/design/vms/0/hardDrives/0/size'],
    [{ vms: [sampleVm(1, { hardDrives: [{ id: 5, type: 'DISK', boot: true, size: { unit: 'GB', value: 999999 } }] })] }, '/design/vms/0/hardDrives/0/size'],
    [
      {
        vms: [
          sampleVm(1, {
            networkConnections: [
              { id: 7, device: { deviceType: 'virtio', index: 0 } },
              { id: 8, device: { deviceType: 'virtio', index: 0 } },
            ],
          }),
        ],
      },
      '/design/vms/0/networkConnections/1/device/index',
    ],
    [{ vms: [sampleVm(1, { suppliedServices: [{ name: 's', portRange: '90-80', protocol: 'TCP' }] })] }, '/design/vms/0/suppliedServices/0/portRange'],
  ];
  for (const [design, field] of cases) assert.throws(() => validateDesign(design), invalidAt(field), field);
});

test('adding a VM from an image copies its hardware with fresh ids and a unique name', () => {
  let design: Design = { vms: [] };
  const ids = sequentialLocalIds(1000);
  design = addVmFromImage(design, sampleImage(), ids).design;
  const { design: d2, vm } = addVmFromImage(design, sampleImage(), ids);
  assert.equal(vm.name, 'ubuntu-2');
  assert.equal(vm.baseVmId, 7);
  assert.equal(vm.numCpus, 1);
  assert.equal(vm.hardDrives[0]?.baseDiskImageId, 55);
  const all = d2.vms.flatMap((v, i) => localIdsOf(v, `${i}`).map(([id]) => idKey(id)));
  assert.equal(new Set(all).size, all.length);
});

test('property: adding the same image many times with random ids never repeats an id', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), (n) => {
      let design: Design = { vms: [] };
      for (let i = 0; i < n; i++) design = addVmFromImage(design, sampleImage(), randomLocalId).design;
      validateDesign(design);
      assert.equal(design.vms.length, n);
    }),
    { numRuns: 20 },
  );
});

test('an id source that repeats existing ids still yields unique ones', () => {
  const design = { vms: [sampleVm(1)] };
  let n = 99;
  const { vm } = addVmFromImage(design, sampleImage(), () => n++);
  assert.ok(!['100', '101', '102'].includes(idKey(vm.id)));
});

test('edit and remove; unknown ids are NOT_FOUND and the design is unchanged', () => {
  const design = { vms: [sampleVm(1), sampleVm(2)] };
  const edited = editVm(design, 100, { ...sampleVm(1), numCpus: 4 });
  assert.equal(findVm(edited, 100).numCpus, 4);
  assert.equal(findVm(design, 100).numCpus, 2);
  assert.throws(() => editVm(design, 999, sampleVm(1)), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
  assert.throws(() => editVm(design, 100, { ...sampleVm(1), id: 5 }), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => editVm(design, 100, { ...sampleVm(1), numCpus: 500 }), invalidAt('/design/vms/0/numCpus'));
  assert.equal(removeVm(design, 200n).vms.length, 1);
  assert.throws(() => removeVm(design, 3), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
  assert.equal(design.vms.length, 2);
});
