import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { LibraryImage, parseInput } from '../schemas/index.ts';
import { libraryVmOfOva } from './ova-library-vm.ts';

const ovf = { name: 'appliance', cpus: 2, memoryBytes: 3 * 1024 ** 3, disks: [{ capacity: 10 * 1024 ** 3 }, { capacity: 5 * 1024 ** 2 }], nics: [{ adapterType: 'VmxNet3' }, {}] };

test("an OVA's VM becomes a library VM whose disks are the imported disk images", () => {
  const vm = libraryVmOfOva(ovf, [{ diskImageId: 41, virtualSize: 10 * 1024 ** 3 }, { diskImageId: 42, virtualSize: 6 * 1024 ** 2 }]);
  assert.equal(vm.name, 'appliance');
  assert.equal(vm.numCpus, 2);
  assert.deepEqual(vm.memorySize, { unit: 'GB', value: 3 });
  assert.deepEqual(vm.hardDrives.map((d) => [d.baseDiskImageId, d.size, d.boot]), [[41, { unit: 'GB', value: 10 }, true], [42, { unit: 'MB', value: 6 }, false]]);
  assert.deepEqual(vm.networkConnections.map((n) => n.device.deviceType), ['vmxnet3', 'virtio']);
  // What the library actor checks at its boundary.
  parseInput(LibraryImage, { ...vm, id: 1 }, 'image');
});

test('disks that do not match the OVF, and empty names, are handled', () => {
  assert.throws(() => libraryVmOfOva(ovf, [{ diskImageId: 1, virtualSize: 0 }]), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  const vm = libraryVmOfOva({ ...ovf, name: '   ', cpus: 0, disks: [], nics: [] }, []);
  assert.equal(vm.name, 'imported VM');
  assert.equal(vm.numCpus, 1);
});
