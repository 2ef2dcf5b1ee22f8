/** Reading .vmx files and VMDK descriptors: what the import takes from them, and what it refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmx } from './vmx.ts';
import { diskFileToUpload } from './disk-files.ts';
import { libraryVmOf } from './library-vm.ts';

const vmx = `.encoding = "UTF-8"
config.version = "8"
displayName = "web |22prod|22"
numvcpus = "4"
memSize = "3072"
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0:1.present = "TRUE"
scsi0:1.fileName = "data.vmdk"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "web.vmdk"
scsi0:2.present = "FALSE"
scsi0:2.fileName = "gone.vmdk"
ide1:0.present = "TRUE"
ide1:0.deviceType = "cdrom-image"
ide1:0.fileName = "tools.iso"
ide1:1.present = "TRUE"
ide1:1.deviceType = "atapi-cdrom"
ide1:1.fileName = "/dev/sr0"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:0c:29:aa:bb:cc"
ethernet0.networkName = "VM Network"
ethernet1.present = "TRUE"
ethernet1.addressType = "static"
ethernet1.address = "00:50:56:01:02:03"
ethernet2.present = "FALSE"
`;

test('a .vmx: name with |XX escapes, CPUs, memory, present disks in boot order, an ISO, NICs', () => {
  const vm = parseVmx(vmx, 'fallback');
  assert.equal(vm.name, 'web "prod"');
  assert.equal(vm.cpus, 4);
  assert.equal(vm.memoryMb, 3072);
  assert.deepEqual(
    vm.disks.map((d) => [d.file, d.controller, d.controllerIndex, d.unit, d.cdrom]),
    [
      ['web.vmdk', 'scsi', 0, 0, false],
      ['data.vmdk', 'scsi', 0, 1, false],
      ['tools.iso', 'ide', 1, 0, true],
    ],
    'the absent disk and the host CD drive are left out; disks before CD-ROMs',
  );
  assert.deepEqual(vm.nics, [
    { adapter: 'vmxnet3', network: 'VM Network' },
    { adapter: 'e1000', mac: '00:50:56:01:02:03' },
  ]);
  const lib = libraryVmOf(vm, [
    { diskImageId: 5, virtualSize: 10 * 2 ** 30 },
    { diskImageId: 6, virtualSize: 1_000_000 },
    { diskImageId: 7, virtualSize: 4096 },
  ]);
  assert.deepEqual(lib.memorySize, { unit: 'GB', value: 3 });
  assert.deepEqual(lib.hardDrives.map((d) => [d.type, d.size, d.baseDiskImageId, d.boot]), [
    ['DISK', { unit: 'GB', value: 10 }, 5, true],
    ['DISK', { unit: 'MB', value: 1 }, 6, false],
    ['CDROM', undefined, 7, false],
  ]);
  assert.deepEqual(lib.networkConnections[1]?.device, { deviceType: 'e1000', index: 1, mac: '00:50:56:01:02:03', useAutomaticMac: false });
});

test('a .vmx without memsize, with a bad count, or with a garbled line is refused, naming it', () => {
  assert.throws(() => parseVmx('numvcpus = "2"\n', 'x'), /memsize is missing/);
  assert.throws(() => parseVmx('memsize = "1024"\nnumvcpus = "lots"\n', 'x'), /numvcpus/);
  assert.throws(() => parseVmx('memsize = "1024"\nthis is not a setting\n', 'x'), /line 2/);
  assert.equal(parseVmx('memsize = "512"\n', 'from-file').name, 'from-file');
});

test('a VMDK descriptor with one flat extent uploads the extent; split extents are refused with the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-vmdk-'));
  try {
    writeFileSync(join(dir, 'raw.img'), Buffer.alloc(1024 * 1024, 7));
    const qemu = (...args: string[]): void => void execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vmdk', ...args]);
    qemu('-o', 'subformat=monolithicFlat', join(dir, 'raw.img'), join(dir, 'flat.vmdk'));
    assert.equal(await diskFileToUpload(dir, 'flat.vmdk'), join(dir, 'flat-flat.vmdk'));
    qemu(join(dir, 'raw.img'), join(dir, 'sparse.vmdk'));
    assert.equal(await diskFileToUpload(dir, 'sparse.vmdk'), join(dir, 'sparse.vmdk'), 'a sparse VMDK goes as it is');
    assert.equal(await diskFileToUpload(dir, '/vmfs/volumes/ds1/vm/sparse.vmdk'), join(dir, 'sparse.vmdk'), 'a datastore path is found by name');
    writeFileSync(join(dir, 'split.vmdk'), '# Disk DescriptorFile\nversion=1\ncreateType="twoGbMaxExtentSparse"\nRW 4192256 SPARSE "split-s001.vmdk"\nRW 4192256 SPARSE "split-s002.vmdk"\n');
    await assert.rejects(diskFileToUpload(dir, 'split.vmdk'), /join them into one file first/);
    await assert.rejects(diskFileToUpload(dir, '../escape.vmdk'), { code: 'NOT_FOUND' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
