/**
 * What every ImageService must do, run against each implementation (image-service.test.ts):
 * in-process, and over the embedded bus and a real NATS server. Cases that send bytes of their
 * own need a bus; the in-process fixture skips them (it has no wire).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import { encode } from '../../core/codec.ts';
import { isRavelError, type ErrorCode } from '../../core/errors.ts';
import type { ManualClock } from '../../core/clock.ts';
import type { Block, ImageService } from './image-service.ts';
import type { StoreOp, WriterOp } from './subjects.ts';

export interface ImageServiceFixture {
  /** The service as a control-plane caller sees it. */
  readonly service: ImageService;
  /** A second caller, as an HVX agent on another node would be (another connection). */
  readonly agent: ImageService;
  /** The server's clock: writer leases run on it. */
  readonly clock: ManualClock;
  readonly leaseMs: number;
  /** Sends bytes as a request of `op` (writer ops to the server that holds the writers); the reply opened. */
  readonly sendRaw?: (op: StoreOp | WriterOp, bytes: Uint8Array) => Promise<unknown>;
  /** Runs the block store's background work now (purges, collection). */
  readonly maintain: () => Promise<void>;
  teardown(): Promise<void>;
}

export type ImageFixtureFactory = (t: TestContext) => Promise<ImageServiceFixture | undefined>;

export async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isRavelError(e), `expected RavelError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return true;
  });
}

export async function collectBlocks(it: AsyncIterable<Block>): Promise<Block[]> {
  const out: Block[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Real time, short and bounded: for work the server finishes after a timer fired. */
async function eventually(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let tenantSeq = 0;
const tenant = (): string => `org-${process.pid}-${++tenantSeq}-${randomBytes(3).toString('hex')}`;

export function imageServiceConformance(name: string, setup: ImageFixtureFactory): void {
  const withFx =
    (fn: (fx: ImageServiceFixture, t: TestContext) => Promise<void>) =>
    async (t: TestContext): Promise<void> => {
      const fx = await setup(t);
      if (fx === undefined) return;
      try {
        await fn(fx, t);
      } finally {
        await fx.teardown();
      }
    };

  describe(`ImageService conformance: ${name}`, () => {
    it('round-trips a disk block by block: random, repeated and zero blocks, over several replies', withFx(async (fx) => {
      const org = tenant();
      const { blockSize: bs, maxBlocksPerMessage: max } = await fx.service.info();
      const count = max * 2 + 3;
      const img = await fx.service.create(org, { name: 'debian', purpose: 'image', virtualSize: count * bs });
      assert.equal(img.virtualSize, count * bs);
      const repeated = randomBytes(bs);
      const model: Array<Uint8Array | null> = Array.from({ length: count }, (_, i) =>
        i % 3 === 0 ? randomBytes(bs) : i % 3 === 1 ? repeated : null,
      );
      const w = await fx.service.openWriter(org, img.id);
      await w.writeBlocks(model.map((data, index) => ({ index, data })));
      const v = await w.commit();
      assert.equal(v.size, count * bs);
      const got = await collectBlocks(fx.service.readBlocks(org, v.id, [{ first: 0, count }]));
      assert.equal(got.length, count);
      got.forEach((b, i) => {
        assert.equal(b.index, i);
        const want = model[i] ?? null;
        if (want === null) assert.equal(b.data, null, `block ${i} reads as zeros`);
        else assert.ok(b.data !== null && Buffer.from(b.data).equals(want), `block ${i} reads back`);
      });
      // Ranges in any order, read by another caller.
      const some = await collectBlocks(fx.agent.readBlocks(org, v.id, [{ first: count - 1, count: 1 }, { first: 3, count: 2 }]));
      assert.deepEqual(some.map((b) => b.index), [count - 1, 3, 4]);
      const info = await fx.service.get(org, img.id);
      assert.equal(info.head, v.id);
      assert.equal(info.name, 'debian');
      // Non-zero blocks written, before dedup: the repeated block counted each time it was written.
      assert.equal(info.storedSize, model.filter((b) => b !== null).length * bs);
      const usage = await fx.service.usage(org);
      assert.equal(usage.storedBlocks, Math.ceil(count / 3) + 1, 'stored once each, zeros not at all');
      await rejectsWith(collectBlocks(fx.service.readBlocks(org, v.id, [{ first: count, count: 1 }])), 'INVALID_ARGUMENT');
    }));

    it('takes a snapshot written by another agent on top of a base, and clones in constant time', withFx(async (fx) => {
      const org = tenant();
      const { blockSize: bs } = await fx.service.info();
      const img = await fx.service.create(org, { name: 'vm-disk', virtualSize: 8 * bs });
      const first = randomBytes(bs);
      const w0 = await fx.service.openWriter(org, img.id);
      await w0.writeBlocks([{ index: 0, data: first }, { index: 5, data: first }]);
      const base = await w0.commit();

      const changed = randomBytes(bs);
      const agentWriter = await fx.agent.openWriter(org, img.id, { base: base.id });
      await agentWriter.writeBlocks([{ index: 5, data: changed }, { index: 0, data: null }]);
      const snap = await agentWriter.commit();
      assert.equal(snap.parent, base.id);

      const read = async (version: string): Promise<Block[]> => collectBlocks(fx.service.readBlocks(org, version, [{ first: 0, count: 8 }]));
      const after = await read(snap.id);
      assert.equal(after[0]?.data, null);
      assert.ok(Buffer.from(after[5]?.data ?? []).equals(changed));
      const before = await read(base.id);
      assert.ok(Buffer.from(before[0]?.data ?? []).equals(first), 'the base is unchanged');
      assert.deepEqual((await fx.service.listVersions(org, img.id)).map((v) => v.id).slice(-2), [base.id, snap.id]);
      assert.equal((await fx.service.get(org, img.id)).head, snap.id);

      const pinned = await fx.agent.snapshot(org, snap.id);
      assert.equal(pinned.origin, 'snapshot');
      assert.equal(pinned.diskId, img.id);
      const copy = await fx.service.clone(org, base.id, { name: 'copy', purpose: 'image' });
      assert.equal(copy.purpose, 'image');
      assert.equal(copy.storedSize, 0);
      assert.notEqual(copy.id, img.id);
      const copied = await read(copy.head ?? '');
      assert.ok(Buffer.from(copied[0]?.data ?? []).equals(first));
      assert.deepEqual((await fx.service.list(org)).map((i) => i.id), [img.id, copy.id]);
      assert.equal((await fx.service.findByName(org, 'copy'))?.id, copy.id, 'found by its name');
      assert.equal(await fx.service.findByName(org, 'no such name'), null);
      await fx.service.delete(org, img.id);
      await rejectsWith(fx.service.get(org, img.id), 'NOT_FOUND');
      assert.ok(Buffer.from((await read(copy.head ?? ''))[5]?.data ?? []).equals(first), 'a clone outlives its source');
    }));

    it('answers another tenant exactly as if nothing existed, on every operation', withFx(async (fx) => {
      const a = tenant();
      const b = tenant();
      const { blockSize: bs } = await fx.service.info();
      const img = await fx.service.create(a, { name: 'secret', virtualSize: 2 * bs });
      const w = await fx.service.openWriter(a, img.id);
      await w.writeBlocks([{ index: 0, data: randomBytes(bs) }]);
      const v = await w.commit();
      const missingImage = 'd_AAAAAAAAAAAAAAAA';
      const missingVersion = 'v_AAAAAAAAAAAAAAAA';
      for (const [id, vid] of [[img.id, v.id], [missingImage, missingVersion]] as const) {
        await rejectsWith(fx.service.get(b, id), 'NOT_FOUND');
        await rejectsWith(fx.service.delete(b, id), 'NOT_FOUND');
        await rejectsWith(fx.service.listVersions(b, id), 'NOT_FOUND');
        await rejectsWith(fx.service.openWriter(b, id), 'NOT_FOUND');
        await rejectsWith(collectBlocks(fx.service.readBlocks(b, vid, [{ first: 0, count: 1 }])), 'NOT_FOUND');
        await rejectsWith(fx.service.snapshot(b, vid), 'NOT_FOUND');
        await rejectsWith(fx.service.clone(b, vid, { name: 'stolen' }), 'NOT_FOUND');
        await rejectsWith(fx.agent.openWriter(b, id, { base: vid }), 'NOT_FOUND');
      }
      // A's version named as B's base, on B's own image.
      const own = await fx.service.create(b, { name: 'mine', virtualSize: 2 * bs });
      await rejectsWith(fx.service.openWriter(b, own.id, { base: v.id }), 'NOT_FOUND');
      assert.deepEqual((await fx.service.list(b)).map((i) => i.id), [own.id]);
      assert.equal(await fx.service.findByName(b, 'secret'), null, "another tenant's name finds nothing");
      assert.equal((await fx.service.usage(b)).storedBlocks, 0);
      assert.equal((await fx.service.get(a, img.id)).head, v.id, "A's image is untouched");
    }));

    it("refuses writer calls naming another tenant's writer, as if it did not exist", withFx(async (fx, t) => {
      if (fx.sendRaw === undefined) return t.skip('no wire: writers are objects in process');
      const a = tenant();
      const { blockSize: bs } = await fx.service.info();
      const img = await fx.service.create(a, { name: 'x', virtualSize: bs });
      const w = await fx.service.openWriter(a, img.id);
      const block = [{ index: 0, data: randomBytes(bs) }];
      await rejectsWith(fx.sendRaw('write', encode({ tenant: tenant(), writer: w.writerId, blocks: block })), 'NOT_FOUND');
      await rejectsWith(fx.sendRaw('commit', encode({ tenant: tenant(), writer: w.writerId })), 'NOT_FOUND');
      await rejectsWith(fx.sendRaw('abort', encode({ tenant: tenant(), writer: w.writerId })), 'NOT_FOUND');
      await rejectsWith(fx.sendRaw('commit', encode({ tenant: a, writer: 'w_missing' })), 'NOT_FOUND');
      await w.writeBlocks(block);
      const v = await w.commit();
      assert.equal((await fx.service.get(a, img.id)).head, v.id);
    }));

    it('answers malformed requests with DECODE_FAILED or INVALID_ARGUMENT and changes nothing', withFx(async (fx, t) => {
      const org = tenant();
      const { blockSize: bs, maxBlocksPerMessage: max } = await fx.service.info();
      const img = await fx.service.create(org, { name: 'ok', virtualSize: 4 * bs });
      const usage = await fx.service.usage(org);
      // Through the typed API: values the types allow but the service must refuse.
      await rejectsWith(fx.service.create(org, { name: '', virtualSize: bs }), 'INVALID_ARGUMENT');
      await rejectsWith(fx.service.create(org, { name: 'neg', virtualSize: -1 }), 'INVALID_ARGUMENT');
      await rejectsWith(fx.service.create('', { name: 'no tenant', virtualSize: bs }), 'INVALID_ARGUMENT');
      await rejectsWith(fx.service.get(org, '../etc'), 'INVALID_ARGUMENT');
      await rejectsWith(collectBlocks(fx.service.readBlocks(org, img.head ?? '', [{ first: -1, count: 1 }])), 'INVALID_ARGUMENT');
      const w = await fx.service.openWriter(org, img.id);
      await rejectsWith(w.writeBlocks([{ index: 0, data: new Uint8Array(bs - 1) }]), 'INVALID_ARGUMENT');
      await rejectsWith(w.writeBlocks([{ index: 4, data: new Uint8Array(bs) }]), 'INVALID_ARGUMENT');
      await w.abort();
      if (fx.sendRaw !== undefined) {
        const raw = fx.sendRaw;
        await rejectsWith(raw('create', new Uint8Array([0xda, 0x00, 0x10, 0x61])), 'DECODE_FAILED'); // a str16 cut short
        await rejectsWith(raw('read', new Uint8Array([0x92, 0x01])), 'DECODE_FAILED'); // an array of 2 holding 1
        await rejectsWith(raw('write', new Uint8Array([0x81, 0xa1])), 'DECODE_FAILED');
        await rejectsWith(raw('create', new Uint8Array([0xc1])), 'INVALID_ARGUMENT'); // msgpackr's never-used byte: a value, not a request
        await rejectsWith(raw('create', encode('create an image please')), 'INVALID_ARGUMENT');
        await rejectsWith(raw('create', encode({ tenant: org, name: 'x', virtualSize: bs, extra: 1 })), 'INVALID_ARGUMENT');
        await rejectsWith(raw('create', encode({ tenant: org, name: 'x', virtualSize: '1' })), 'INVALID_ARGUMENT');
        await rejectsWith(raw('read', encode({ tenant: org, version: img.head, first: 0, count: max + 1 })), 'INVALID_ARGUMENT');
        await rejectsWith(raw('read', encode({ tenant: org, version: img.head, first: 0.5, count: 1 })), 'INVALID_ARGUMENT');
        await rejectsWith(raw('open', encode({ tenant: org, image: img.id, size: -5 })), 'INVALID_ARGUMENT');
        await rejectsWith(raw('write', encode({ tenant: org, writer: 'w_x', blocks: [] })), 'INVALID_ARGUMENT');
        await rejectsWith(raw('write', encode({ tenant: org, writer: 'w_x', blocks: [{ index: 0, data: 'text' }] })), 'INVALID_ARGUMENT');
      } else {
        t.diagnostic('bytes on the wire not sent: the in-process service has no wire');
      }
      assert.deepEqual((await fx.service.list(org)).map((i) => i.id), [img.id]);
      assert.deepEqual(await fx.service.usage(org), usage);
      assert.equal((await fx.service.listVersions(org, img.id)).length, 1);
    }));

    it('aborts a writer abandoned by a crashed agent once its lease runs out on the clock', withFx(async (fx) => {
      const org = tenant();
      const { blockSize: bs } = await fx.service.info();
      const img = await fx.service.create(org, { name: 'running-vm', virtualSize: 4 * bs });
      // A live agent keeps its writer by writing within the lease.
      const live = await fx.agent.openWriter(org, img.id);
      assert.equal(live.leaseMs, fx.leaseMs);
      for (let i = 0; i < 3; i++) {
        await fx.clock.advance(fx.leaseMs - 1);
        await live.writeBlocks([{ index: i, data: randomBytes(bs) }]);
      }
      const kept = await live.commit();

      const crashed = await fx.agent.openWriter(org, img.id);
      await crashed.writeBlocks([{ index: 3, data: randomBytes(bs) }]);
      // ...and then the agent is gone: nothing more is heard from it.
      await fx.clock.advance(fx.leaseMs + 1);
      await eventually('the abandoned writer to be purged', async () => {
        await fx.maintain();
        return (await fx.service.usage(org)).storedBlocks === 3;
      });
      await rejectsWith(crashed.commit(), 'ILLEGAL_STATE');
      assert.deepEqual((await fx.service.listVersions(org, img.id)).map((v) => v.id).slice(-1), [kept.id]);
      assert.equal((await fx.service.get(org, img.id)).head, kept.id);
    }));
  });
}
