import { test } from 'node:test';
import { assertDecodesTo, convertRaw, makeMixed } from './testing/fixtures.ts';

/** Every qemu-img output format Ravel reads, with the name it decodes as. */
const formats: readonly [name: string, qemuFormat: string, extra: readonly string[], decodesAs: string][] = [
  ['qcow2', 'qcow2', [], 'qcow2'],
  ['qcow2 -c', 'qcow2', ['-c'], 'qcow2'],
  ['vmdk monolithicSparse', 'vmdk', [], 'vmdk-sparse'],
  ['vmdk streamOptimized', 'vmdk', ['-o', 'subformat=streamOptimized'], 'vmdk-stream'],
  ['vpc dynamic', 'vpc', ['-o', 'subformat=dynamic,force_size=on'], 'vhd-dynamic'],
  ['vpc fixed', 'vpc', ['-o', 'subformat=fixed,force_size=on'], 'vhd-fixed'],
  ['vhdx', 'vhdx', [], 'vhdx'],
];

test('every format decodes 16 to 64 MiB of mixed random, filled and zero regions bit-identical', async () => {
  for (const mib of [16, 37, 64]) {
    const raw = makeMixed(mib, mib);
    for (const [name, format, extra, decodesAs] of formats) {
      const image = await convertRaw(raw, format, extra);
      await assertDecodesTo(image, raw, decodesAs, [1 << 20, 65536 + 7]).catch((e: unknown) => {
        throw new Error(`${name} of ${mib} MiB`, { cause: e });
      });
    }
  }
});
