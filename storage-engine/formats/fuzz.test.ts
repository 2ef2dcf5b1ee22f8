/**
 * Fuzzing every decoder over mutations of real images (qemu-img outputs, an ISO and an OVA made
 * here). Whatever the bytes, ingest must end with a result or a typed refusal, promptly, and
 * hold no more than the limits allow. RAVEL_FUZZ_SECONDS sets the time per format (default 2, so
 * about 25 s in CI; run by hand with e.g. RAVEL_FUZZ_SECONDS=120 for a longer search).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { ingest } from '../ingest/ingest.ts';
import { MemorySink } from '../ingest/memory-sink.ts';
import { chunked, convertRaw, flatVmdk, makeRaw } from './testing/fixtures.ts';
import { buildIso } from './testing/iso-builder.ts';
import { buildOva, buildOvf } from './testing/ova-builder.ts';

const seconds = Number(process.env['RAVEL_FUZZ_SECONDS'] ?? '2');
const limits = { maxVirtualSize: 64 * 1024 * 1024, maxTableBytes: 4 * 1024 * 1024, maxPendingRanges: 100_000 };
const refusals = new Set(['DECODE_FAILED', 'UNSUPPORTED_FORMAT', 'PAYLOAD_TOO_LARGE']);
const CASE_DEADLINE_MS = 10_000;

type Mutation =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'header'; at: number; value: number }
  | { kind: 'word'; at: number; value: number }
  | { kind: 'zero'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('header' as const), at: fc.nat({ max: 4095 }), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('word' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 512, 65536), fc.nat()),
  }),
  fc.record({ kind: fc.constant('zero' as const), at: fc.nat(), length: fc.nat({ max: 65536 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(image: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = new Uint8Array(image);
  for (const m of ms) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'byte' || m.kind === 'header') out[at] = m.value;
    else if (m.kind === 'word') {
      if (out.length >= 4) new DataView(out.buffer).setUint32(Math.min(at, out.length - 4) & ~3, m.value >>> 0);
    }
    else if (m.kind === 'zero') out.fill(0, at, at + m.length);
    else out = out.slice(0, at);
  }
  return out;
}

async function corpus(): Promise<Array<[string, Uint8Array]>> {
  const raw = makeRaw(1, 71);
  const small = makeRaw(1, 72).subarray(0, 512 * 1024);
  const stream = await convertRaw(small, 'vmdk', ['-o', 'subformat=streamOptimized']);
  const ovf = new TextEncoder().encode(buildOvf('fuzz', 1, 256, [{ id: 'd', href: 'd.vmdk', capacity: small.length }], ['n']));
  const flat = await flatVmdk(small);
  const flatOvf = new TextEncoder().encode(buildOvf('fuzz', 2, 512, [{ id: 'd', href: 'd2.vmdk', capacity: small.length }], ['n', 'm']));
  return [
    ['raw', raw],
    ['qcow2', await convertRaw(raw, 'qcow2', ['-o', 'cluster_size=4096'])],
    ['qcow2-compressed', await convertRaw(raw, 'qcow2', ['-c', '-o', 'cluster_size=4096'])],
    ['qcow2-v2', await convertRaw(raw, 'qcow2', ['-o', 'compat=0.10'])],
    ['vmdk-sparse', await convertRaw(raw, 'vmdk')],
    ['vmdk-stream', await convertRaw(raw, 'vmdk', ['-o', 'subformat=streamOptimized'])],
    ['vhd-dynamic', await convertRaw(raw, 'vpc', ['-o', 'subformat=dynamic,force_size=on'])],
    ['vhd-fixed', await convertRaw(raw, 'vpc', ['-o', 'subformat=fixed,force_size=on'])],
    ['vhdx', await convertRaw(raw, 'vhdx', ['-o', 'block_size=1M'])],
    ['iso', buildIso('FUZZ')],
    ['ova', await buildOva([{ name: 'fuzz.ovf', data: ovf }, { name: 'd.vmdk', data: stream }])],
    // The VMDK descriptor parser and flat extents, reached through an OVA.
    ['ova-flat', await buildOva([{ name: 'fuzz.ovf', data: flatOvf }, { name: 'd2.vmdk', data: flat.descriptor }, { name: 'd2-flat.vmdk', data: flat.extent }])],
  ];
}

async function decodeOnce(bytes: Uint8Array, chunk: number): Promise<void> {
  const sinks: MemorySink[] = [];
  const run = ingest(chunked(bytes, chunk), () => {
    const s = new MemorySink();
    sinks.push(s);
    return s;
  }, { limits });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), CASE_DEADLINE_MS);
  });
  const outcome = await Promise.race([run.then(() => 'ok' as const, (e: unknown) => e), deadline]);
  clearTimeout(timer);
  assert.notEqual(outcome, 'hang', `ingest of ${bytes.length} bytes did not end within ${CASE_DEADLINE_MS} ms`);
  if (outcome !== 'ok') {
    assert.ok(isRavelError(outcome), `a RavelError, got ${String(outcome)}`);
    assert.ok(refusals.has(outcome.code), `a refusal code, got ${outcome.code}: ${outcome.message}`);
  }
  for (const s of sinks) {
    assert.ok((s.virtualSize ?? 0) <= limits.maxVirtualSize, 'virtual size within the limit');
    assert.ok(s.peakStagedBytes <= bytes.length, 'staged no more than the upload');
  }
}

test(`fuzz: every decoder ends in a result or a typed refusal (${seconds} s per format)`, async (t) => {
  for (const [name, image] of await corpus()) {
    await t.test(name, async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.integer({ min: 512, max: 300_000 }), async (ms, chunk) => {
          runs++;
          await decodeOnce(mutate(image, ms), chunk);
        }),
        { numRuns: 1_000_000, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false },
      );
      assert.ok(runs > 0, 'at least one case ran');
      assert.ok(process.memoryUsage().rss < 2 * 1024 ** 3, 'memory stays bounded');
    });
  }
});
