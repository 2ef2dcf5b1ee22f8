import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertRaw, ingestBytes, makeRaw, refusedWith } from './testing/fixtures.ts';

const raw = makeRaw(4, 81);
const limits = { maxVirtualSize: 1024 * 1024 };

test('every format refuses a virtual size beyond the configured maximum', async () => {
  const images: Array<[string, Uint8Array]> = [
    ['raw', raw],
    ['qcow2', await convertRaw(raw, 'qcow2')],
    ['vmdk-sparse', await convertRaw(raw, 'vmdk')],
    ['vmdk-stream', await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized'])],
    ['vhd-dynamic', await convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on'])],
    ['vhd-fixed', await convertRaw(raw, 'vpc', ['-o', 'subformat=fixed,force_size=on'])],
    ['vhdx', await convertRaw(raw, 'vhdx')],
  ];
  for (const [name, image] of images) {
    await assert.rejects(ingestBytes(image, 65536, { limits }), refusedWith('PAYLOAD_TOO_LARGE', 'virtual-size'), name);
  }
});

test('tables beyond the configured size are refused before they are read', async () => {
  const qcow2 = await convertRaw(raw, 'qcow2', ['-o', 'cluster_size=512']);
  await assert.rejects(ingestBytes(qcow2, 65536, { limits: { maxTableBytes: 4096 } }), refusedWith('PAYLOAD_TOO_LARGE', 'table'));
  const huge = await convertRaw(raw, 'qcow2');
  new DataView(huge.buffer, huge.byteOffset).setUint32(56, 0xffffffff);
  await assert.rejects(ingestBytes(huge), refusedWith('PAYLOAD_TOO_LARGE', 'table'), 'a header cannot make the decoder allocate a huge table');
});
