import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertRaw, flatVmdk, ingestBytes, makeRaw, refusedWith, sha256 } from '../testing/fixtures.ts';
import { buildOva, buildOvf } from '../testing/ova-builder.ts';

const disk1 = makeRaw(3, 51);
const disk2 = makeRaw(2, 52);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test('an OVA yields the OVF hardware and each disk decoded into its own sink', async () => {
  const stream = await convertRaw(disk1, 'vmdk', ['-o', 'subformat=streamOptimized']);
  const { descriptor, extent } = await flatVmdk(disk2);
  const ovf = buildOvf(
    'web-1',
    2,
    1024,
    [
      { id: 'vmdisk1', href: 'web-1-disk1.vmdk', capacity: disk1.length },
      { id: 'vmdisk2', href: 'd2.vmdk', capacity: disk2.length },
    ],
    ['VM Network', 'backend'],
  );
  const ova = await buildOva([
    { name: 'web-1.ovf', data: text(ovf) },
    { name: 'web-1.mf', data: text('SHA256(web-1.ovf)= 00\n') },
    { name: 'web-1-disk1.vmdk', data: stream },
    { name: 'd2.vmdk', data: descriptor },
    { name: 'd2-flat.vmdk', data: extent },
  ]);
  const got = await ingestBytes(ova, 100_003);
  assert.equal(got.result.kind, 'ova');
  if (got.result.kind !== 'ova') return;
  assert.equal(got.result.uploadSha256, sha256(ova));
  assert.equal(got.result.uploadBytes, ova.length);
  const { vm, disks } = got.result;
  assert.equal(vm.name, 'web-1');
  assert.equal(vm.cpus, 2);
  assert.equal(vm.memoryBytes, 1024 * 1024 * 1024);
  assert.deepEqual(vm.nics, [
    { network: 'VM Network', adapterType: 'E1000' },
    { network: 'backend', adapterType: 'E1000' },
  ]);
  assert.deepEqual(
    disks.map((d) => [d.ref.name, d.format, d.virtualSize, d.logicalSha256]),
    [
      ['vmdisk1', 'vmdk-stream', disk1.length, sha256(disk1)],
      ['vmdisk2', 'vmdk-flat', disk2.length, sha256(disk2)],
    ],
  );
  assert.ok(Buffer.from(await got.sinks.get('vmdisk1')!.contents()).equals(disk1));
  assert.ok(Buffer.from(await got.sinks.get('vmdisk2')!.contents()).equals(disk2));
});

test('OVA refusals: escaping paths, OVF not first, missing disks and extents, wrong capacity', async () => {
  const small = makeRaw(1, 53);
  const ovfFor = (href: string, capacity = small.length): Uint8Array =>
    text(buildOvf('vm', 1, 512, [{ id: 'd', href, capacity }], []));
  const escape = await buildOva([{ name: 'vm.ovf', data: ovfFor('a.img') }, { name: '../a.img', data: small }]);
  await assert.rejects(ingestBytes(escape), refusedWith('DECODE_FAILED', 'path-escape'));
  const absolute = await buildOva([{ name: 'vm.ovf', data: ovfFor('/etc/passwd') }]);
  await assert.rejects(ingestBytes(absolute), refusedWith('DECODE_FAILED', 'path-escape'));
  const remote = await buildOva([{ name: 'vm.ovf', data: ovfFor('http://example.invalid/a.img') }]);
  await assert.rejects(ingestBytes(remote), refusedWith('UNSUPPORTED_FORMAT', 'external-reference'));
  const late = await buildOva([{ name: 'a.img', data: small }, { name: 'vm.ovf', data: ovfFor('a.img') }]);
  await assert.rejects(ingestBytes(late), refusedWith('DECODE_FAILED', 'ovf-not-first'));
  const missing = await buildOva([{ name: 'vm.ovf', data: ovfFor('a.img') }]);
  await assert.rejects(ingestBytes(missing), refusedWith('DECODE_FAILED', 'missing-disk'));
  const wrong = await buildOva([{ name: 'vm.ovf', data: ovfFor('a.img', small.length * 2) }, { name: 'a.img', data: small }]);
  await assert.rejects(ingestBytes(wrong), refusedWith('DECODE_FAILED', 'capacity-mismatch'));
  const { descriptor } = await flatVmdk(small);
  const noExtent = await buildOva([{ name: 'vm.ovf', data: ovfFor('d2.vmdk') }, { name: 'd2.vmdk', data: descriptor }]);
  await assert.rejects(ingestBytes(noExtent), refusedWith('UNSUPPORTED_FORMAT', 'external-extent'));
  const outside = text(Buffer.from(descriptor).toString('latin1').replace('"d2-flat.vmdk"', '"../../d2-flat.vmdk"'));
  const escExtent = await buildOva([{ name: 'vm.ovf', data: ovfFor('d2.vmdk') }, { name: 'd2.vmdk', data: outside }]);
  await assert.rejects(ingestBytes(escExtent), refusedWith('DECODE_FAILED', 'path-escape'));
  const ova = await buildOva([{ name: 'vm.ovf', data: ovfFor('a.img') }, { name: 'a.img', data: small }]);
  await assert.rejects(ingestBytes(ova.subarray(0, 1536 + 1000)), refusedWith('DECODE_FAILED', 'bad-tar'));
});
