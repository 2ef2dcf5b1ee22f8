/**
 * Background work of the engine: removing the maps of versions nobody can read any more,
 * flattening deep chains, and collecting blocks that no map entry names. Each step works in
 * bounded transactions and leaves the store consistent between any two of them, so a crash
 * halfway is finished by the next pass.
 */
import { RavelError } from '../../core/errors.ts';
import { emptyDelta, type BlockRefs, type UsageDelta } from './block-refs.ts';
import { KEY_BYTES, tenantOfBlockId, type Tables, type VersionRecord } from './tables.ts';

const CHUNK = 4096;

export class Maintenance {
  constructor(
    private readonly t: Tables,
    private readonly refs: BlockRefs,
    private readonly blockSize: number,
  ) {}

  /** Versions of all tenants, with their tenant number. */
  private allVersions(): Array<{ tenantNum: number; rec: VersionRecord }> {
    return [...this.t.versions.getRange({})].map(({ key, value }) => ({ tenantNum: key[0], rec: value }));
  }

  private tenantId(tenantNum: number): string {
    for (const { key, value } of this.t.tenants.getRange({})) if (value.num === tenantNum) return key;
    throw new RavelError('INTERNAL', `no tenant numbered ${tenantNum}`);
  }

  /**
   * Removes a version that is purging (or building, when its writer aborted or died), then
   * any deleted ancestor this leaves without children. Returns how many versions went.
   */
  async purge(tenantNum: number, versionId: string): Promise<number> {
    const tenantId = this.tenantId(tenantNum);
    let next: string | null = versionId;
    let purged = 0;
    while (next !== null) {
      const rec = this.t.versions.get([tenantNum, next]);
      if (rec === undefined || rec.state === 'committed' || rec.state === 'deleted') break;
      for (;;) {
        const keys = [...this.t.maps.getKeys({ start: [rec.num, 0], end: [rec.num + 1], limit: CHUNK })];
        if (keys.length === 0) break;
        await this.t.txn(() => {
          const delta = emptyDelta();
          for (const [, index] of keys) this.refs.setEntry(tenantNum, rec.num, index, { kind: 'absent' }, delta);
          this.refs.applyUsage(tenantId, delta);
        });
      }
      next = await this.t.txn(() => {
        this.t.remove(this.t.versions, [tenantNum, rec.id]);
        return rec.baseId === null ? null : this.dropChild(tenantNum, rec.baseId);
      });
      purged++;
    }
    return purged;
  }

  /** Transaction only. One child fewer; answers the base's id if it must now be purged. */
  dropChild(tenantNum: number, baseId: string): string | null {
    const base = this.t.versions.get([tenantNum, baseId]);
    if (base === undefined) throw new RavelError('CORRUPT', `missing base version ${baseId}`);
    const children = base.children - 1;
    const orphaned = children === 0 && base.state === 'deleted';
    this.t.put(this.t.versions, [tenantNum, baseId], { ...base, children, state: orphaned ? 'purging' : base.state });
    return orphaned ? baseId : null;
  }

  /**
   * Copies into the version every entry it reads through its bases ('chain'), or through its
   * base alone ('base', to fold a deleted base into its only child), then points it past
   * them. Reads are the same before, during and after: ancestors never change, and a copied
   * entry is exactly what the version resolved to there.
   */
  async flatten(tenantNum: number, versionId: string, scope: 'chain' | 'base'): Promise<boolean> {
    const tenantId = this.tenantId(tenantNum);
    const eligible = (rec: VersionRecord | undefined): rec is VersionRecord =>
      rec !== undefined && rec.baseId !== null && (rec.state === 'committed' || (scope === 'base' && rec.state === 'deleted'));
    const start = this.t.versions.get([tenantNum, versionId]);
    if (!eligible(start)) return false;
    const num = start.num;
    let ancestorId: string | null = start.baseId;
    let newBase: string | null = null;
    while (ancestorId !== null) {
      const ancestor = this.t.versions.get([tenantNum, ancestorId]);
      if (ancestor === undefined) throw new RavelError('CORRUPT', `missing base version ${ancestorId}`);
      let from = 0;
      for (;;) {
        const entries = [...this.t.maps.getRange({ start: [ancestor.num, from], end: [ancestor.num + 1], limit: CHUNK })];
        if (entries.length === 0) break;
        const alive = await this.t.txn(() => {
          if (!eligible(this.t.versions.get([tenantNum, versionId]))) return false;
          const delta = emptyDelta();
          for (const { key, value } of entries) {
            if (this.t.maps.doesExist([num, key[1]])) continue;
            if (value.length === KEY_BYTES) this.refs.ref(tenantNum, value, undefined, delta);
            this.t.put(this.t.maps, [num, key[1]], value);
          }
          this.refs.applyUsage(tenantId, delta);
          return true;
        });
        if (!alive) return false;
        from = (entries[entries.length - 1]?.key[1] ?? 0) + 1;
      }
      ancestorId = ancestor.baseId;
      if (scope === 'base') {
        newBase = ancestorId;
        break;
      }
    }
    const orphan = await this.t.txn(() => {
      const rec = this.t.versions.get([tenantNum, versionId]);
      if (!eligible(rec) || rec.baseId === null) return null;
      if (newBase !== null) {
        const nb = this.t.versions.get([tenantNum, newBase]);
        if (nb === undefined) throw new RavelError('CORRUPT', `missing base version ${newBase}`);
        this.t.put(this.t.versions, [tenantNum, newBase], { ...nb, children: nb.children + 1 });
      }
      this.t.put(this.t.versions, [tenantNum, versionId], { ...rec, baseId: newBase });
      return this.dropChild(tenantNum, rec.baseId);
    });
    if (orphan !== null) await this.purge(tenantNum, orphan);
    return true;
  }

  /** Committed versions whose base chain is longer than maxDepth, shallowest first. */
  tooDeep(maxDepth: number): Array<{ tenantNum: number; id: string; depth: number }> {
    const all = this.allVersions();
    const byKey = new Map(all.map((v) => [`${v.tenantNum}/${v.rec.id}`, v.rec]));
    const depths = new Map<string, number>();
    const depthOf = (tenantNum: number, rec: VersionRecord): number => {
      const k = `${tenantNum}/${rec.id}`;
      const known = depths.get(k);
      if (known !== undefined) return known;
      const base = rec.baseId === null ? undefined : byKey.get(`${tenantNum}/${rec.baseId}`);
      const d = base === undefined ? 0 : depthOf(tenantNum, base) + 1;
      depths.set(k, d);
      return d;
    };
    return all
      .filter((v) => v.rec.state === 'committed')
      .map((v) => ({ tenantNum: v.tenantNum, id: v.rec.id, depth: depthOf(v.tenantNum, v.rec) }))
      .filter((v) => v.depth > maxDepth)
      .sort((a, b) => a.depth - b.depth);
  }

  /** Children that are the only child of a deleted base, which can be folded into them. */
  onlyChildren(): Array<{ tenantNum: number; id: string }> {
    const all = this.allVersions();
    const deleted = new Set(all.filter((v) => v.rec.state === 'deleted' && v.rec.children === 1).map((v) => `${v.tenantNum}/${v.rec.id}`));
    return all
      .filter((v) => v.rec.baseId !== null && deleted.has(`${v.tenantNum}/${v.rec.baseId}`))
      .filter((v) => v.rec.state === 'committed' || v.rec.state === 'deleted')
      .map((v) => ({ tenantNum: v.tenantNum, id: v.rec.id }));
  }

  /**
   * Versions left purging (by a crash, or by a delete whose purge has not run yet), and with
   * `alsoBuilding` those a dead writer left, except the ones in `keep` (resumable ingests).
   */
  purging(alsoBuilding: boolean, keep: ReadonlySet<string> = new Set()): Array<{ tenantNum: number; id: string }> {
    return this.allVersions()
      .filter((v) => v.rec.state === 'purging' || (alsoBuilding && v.rec.state === 'building' && !keep.has(v.rec.id)))
      .map((v) => ({ tenantNum: v.tenantNum, id: v.rec.id }));
  }

  /** Deletes blocks whose reference count is zero, each in a transaction that still sees it zero. */
  async collect(): Promise<number> {
    let collected = 0;
    for (;;) {
      const ids = [...this.t.orphans.getKeys({ limit: CHUNK })];
      if (ids.length === 0) return collected;
      const deltas = new Map<number, UsageDelta>();
      collected += await this.t.txn(() => {
        let n = 0;
        for (const id of ids) {
          const count = this.t.refs.get(id);
          this.t.remove(this.t.orphans, id);
          if (count !== 0) continue;
          this.t.remove(this.t.refs, id);
          this.t.remove(this.t.blocks, id);
          const tenantNum = tenantOfBlockId(id);
          const d = deltas.get(tenantNum) ?? emptyDelta();
          d.storedBytes -= this.blockSize;
          d.storedBlocks -= 1;
          deltas.set(tenantNum, d);
          n++;
        }
        for (const [tenantNum, d] of deltas) this.refs.applyUsage(this.tenantId(tenantNum), d);
        return n;
      });
    }
  }
}
