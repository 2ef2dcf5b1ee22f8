/**
 * kill -9 of a writer process at random moments, many times over one store: afterwards the
 * store opens, every acknowledged version reads back exactly, a version whose commit had
 * started is either complete or absent, nothing else is visible, and the reference counts
 * and usage agree with the maps.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRavelError } from '../../core/errors.ts';
import { startChild } from '../../test/harness/child-process.ts';
import { prng } from '../block-store.conformance.ts';
import { CRASH_DISK_SIZE, CRASH_TENANT, applyWrites, crashWrites } from './crash-workload.ts';
import { KEY_BYTES, blockId } from './tables.ts';
import { openLmdbBlockStore, type LmdbBlockStore } from './lmdb-block-store.ts';

const KILLS = 6;

/** Every map entry names a stored block, counts match the entries, usage matches the blocks. */
function checkInvariants(store: LmdbBlockStore): void {
  const t = store.tables;
  const tenantOfVersion = new Map<number, number>();
  for (const { key, value } of t.versions.getRange({})) tenantOfVersion.set(value.num, key[0]);
  const counted = new Map<string, number>();
  for (const { key, value } of t.maps.getRange({})) {
    if (value.length !== KEY_BYTES) continue;
    const tenantNum = tenantOfVersion.get(key[0]);
    assert.ok(tenantNum !== undefined, `map entries of version ${key[0]} outlive it`);
    const id = blockId(tenantNum, value).toString('hex');
    counted.set(id, (counted.get(id) ?? 0) + 1);
  }
  const perTenant = new Map<number, number>();
  for (const { key, value } of t.refs.getRange({})) {
    const id = key.toString('hex');
    assert.equal(value, counted.get(id) ?? 0, `reference count of ${id.slice(0, 12)}`);
    assert.ok(t.blocks.doesExist(key), 'a counted block is stored');
    perTenant.set(key.readUInt32BE(0), (perTenant.get(key.readUInt32BE(0)) ?? 0) + 1);
  }
  for (const id of counted.keys()) assert.ok(t.refs.doesExist(Buffer.from(id, 'hex')), 'a named block is counted');
  for (const { value } of t.tenants.getRange({})) {
    assert.equal(value.storedBlocks, perTenant.get(value.num) ?? 0, 'usage counts the stored blocks');
  }
}

it(`leaves every version complete or absent after ${KILLS} kills of a writer at random moments`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-crash-'));
  const rand = prng(Number(process.env['RAVEL_CRASH_SEED'] ?? 42));
  const model = new Map<string, Buffer>();
  const deleted = new Set<string>();
  let disk = 'new';
  let acknowledged = 0;
  let unacknowledged = 0;
  try {
    for (let round = 0; round < KILLS; round++) {
      const child = startChild('crash-writer', process.execPath, [
        '--import',
        'tsx',
        join(import.meta.dirname, 'crash-writer.ts'),
        dir,
        String(Math.floor(rand() * 2 ** 31)),
        disk,
      ]);
      const started = Date.now();
      while (!child.output().includes('disk ') && Date.now() - started < 15_000 && child.process.exitCode === null) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(child.output().includes('disk '), `the writer started:\n${child.output()}`);
      await new Promise((r) => setTimeout(r, 20 + rand() * 300));
      child.signal('SIGKILL');
      await child.exited;

      const lines = child.output().split('\n').filter((l) => l.length > 0);
      const store = await openLmdbBlockStore({ path: dir, maintenanceIntervalMs: 0, maxChainDepth: 2 });
      try {
        const started: Array<{ id: string; base: string; seed: number }> = [];
        const confirmed = new Set<string>();
        const deleting = new Set<string>();
        for (const line of lines) {
          const [what, id = '', base = '', seed = ''] = line.split(' ');
          if (what === 'disk') disk = id;
          else if (what === 'committing') started.push({ id, base, seed: Number(seed) });
          else if (what === 'committed') confirmed.add(id);
          else if (what === 'deleting') deleting.add(id);
          else if (what === 'deleted') deleted.add(id);
        }
        for (const s of started) {
          const base = s.base === 'null' ? undefined : model.get(s.base);
          assert.ok(s.base === 'null' || base !== undefined, `base ${s.base} is known`);
          const expected = applyWrites(base, CRASH_DISK_SIZE, crashWrites(s.seed, CRASH_DISK_SIZE, store.blockSize));
          const got = await store.read(CRASH_TENANT, s.id, 0, CRASH_DISK_SIZE).catch((e: unknown) => e);
          if (isRavelError(got, 'NOT_FOUND')) {
            assert.ok(!confirmed.has(s.id) || deleting.has(s.id), `acknowledged version ${s.id} is missing`);
          } else {
            assert.ok(got instanceof Uint8Array, `reading ${s.id}: ${String(got)}`);
            assert.ok(Buffer.from(got).equals(expected), `version ${s.id} reads back exactly`);
            assert.ok(!deleted.has(s.id), `deleted version ${s.id} is gone`);
          }
          model.set(s.id, expected);
          if (confirmed.has(s.id)) acknowledged++;
          else unacknowledged++;
        }
        const visible = (await store.listVersions(CRASH_TENANT, disk)).map((v) => v.id);
        for (const id of visible) assert.ok(model.has(id), `visible version ${id} had started its commit`);
        for (const id of deleted) assert.ok(!visible.includes(id), `deleted ${id} stays deleted`);
        checkInvariants(store);
        await store.maintain();
        checkInvariants(store);
      } finally {
        await store.close();
      }
    }
    t.diagnostic(`${acknowledged} acknowledged commits, ${unacknowledged} killed between start and acknowledgement`);
    assert.ok(acknowledged >= KILLS, `enough versions were acknowledged to mean something (${acknowledged})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
