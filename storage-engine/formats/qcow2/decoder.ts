/**
 * qcow2 versions 2 and 3: the header cluster, the L1 table, L2 tables and data clusters, plain
 * or deflate-compressed. All are reached through the upload scheduler, so tables may come after
 * the data they map; such data waits in the sink's staging until its L2 table has passed.
 * Refcount tables are claimed (so nothing else may overlap them) but not otherwise used.
 * Every claim is tagged, so the decoder can checkpoint between chunks and be rebuilt from it.
 */
import type { DecodedDisk, DecoderCheckpoint, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView, concatBytes } from '../bytes.ts';
import { decodeFailed, tooLarge } from '../decode-error.ts';
import { UploadScheduler } from '../upload-scheduler.ts';
import { DataRuns } from '../data-runs.ts';
import { inflateBounded } from '../inflate.ts';
import { clusterBitsOf, parseQcow2Header, type Qcow2Header } from './header.ts';
import * as saved from '../scheduler-checkpoint.ts';

const F = 'qcow2';
const OFFSET_MASK = 0x00fffffffffffe00n;
const L1_RESERVED = 0x7f000000000001ffn;
const L2_RESERVED = 0x3f000000000001fen;
const COMPRESSED = 1n << 62n;
const ZERO = 1n;

export class Qcow2Decoder implements FormatDecoder {
  private readonly scheduler: UploadScheduler;
  private readonly runs: DataRuns;
  private header: Qcow2Header | undefined;
  /** The cluster the header was parsed from, for a checkpoint. */
  private headerCluster: Uint8Array | undefined;
  private l2Outstanding = 0;
  private tableBytes = 0;

  constructor(
    private readonly init: DecoderInit,
    from?: Readonly<Record<string, unknown>>,
  ) {
    this.scheduler = new UploadScheduler(init.sink, F, init.limits, (tag) => this.bind(tag));
    this.runs = new DataRuns(this.scheduler, init.sink, 'data cluster');
    if (from === undefined) {
      void this.scheduler.claimTagged({
        offset: 0,
        length: 512,
        what: 'header',
        tag: { t: 'first' },
      });
      return;
    }
    this.l2Outstanding = saved.stateCount(from, 'l2Outstanding', F);
    this.tableBytes = saved.stateCount(from, 'tableBytes', F);
    // The header is parsed again from its cluster, so a checkpoint cannot smuggle in one the
    // parser would refuse.
    this.headerCluster = saved.stateBytes(from, 'header', F);
    if (this.headerCluster !== undefined) this.header = parseQcow2Header(this.headerCluster, init.limits);
    this.scheduler.restore(saved.schedulerStateFrom(from['sched'], F));
  }

  private bind(tag: saved.ClaimTag): saved.Bound {
    const h = (): Qcow2Header => {
      if (this.header === undefined) throw saved.badCheckpoint(F, 'header');
      return this.header;
    };
    switch (tag['t']) {
      case 'first':
        return saved.whole((b) => this.first(b));
      case 'cluster': {
        const head = saved.unb64(saved.tagString(tag, 'head', F));
        return saved.whole((r) => this.start(concatBytes([head, r])));
      }
      case 'refcounts':
        return saved.whole((t) => this.refcounts(t, h()));
      case 'refblock':
        return saved.ignored;
      case 'l1':
        return saved.whole((t) => this.l1(t, h()));
      case 'l2': {
        const base = saved.tagNumber(tag, 'base', F);
        return saved.whole((t) => this.l2(t, base, h()));
      }
      case 'run':
        return this.runs.deliver(saved.tagNumber(tag, 'logical', F));
      case 'compressed': {
        const logical = saved.tagNumber(tag, 'logical', F);
        const length = saved.tagNumber(tag, 'length', F);
        return saved.whole((data) => this.inflated(data, logical, length, h()));
      }
      default:
        throw saved.badCheckpoint(F, 'claim tag');
    }
  }

  push(chunk: Uint8Array): Promise<void> {
    return this.scheduler.push(chunk);
  }

  async finish(): Promise<DecodedDisk> {
    await this.scheduler.finish();
    if (this.header === undefined) throw decodeFailed('truncated', 'qcow2: no header', F);
    return { format: F, virtualSize: this.header.size };
  }

  checkpoint(): DecoderCheckpoint | undefined {
    const header = this.headerCluster === undefined ? {} : { header: saved.b64(this.headerCluster) };
    return this.scheduler.checkpoint(F, {
      ...header,
      l2Outstanding: this.l2Outstanding,
      tableBytes: this.tableBytes,
    });
  }

  private async first(b: Uint8Array): Promise<void> {
    const clusterSize = 2 ** clusterBitsOf(b);
    const rest = clusterSize - b.length;
    if (rest === 0) return this.start(b);
    await this.scheduler.claimTagged({
      offset: b.length,
      length: rest,
      what: 'header cluster',
      tag: { t: 'cluster', head: saved.b64(b) },
    });
  }

  private async start(cluster: Uint8Array): Promise<void> {
    const h = parseQcow2Header(cluster, this.init.limits);
    this.header = h;
    this.headerCluster = cluster;
    this.init.sink.setVirtualSize(h.size);
    await this.scheduler.claimTagged({
      offset: h.refcountTableOffset,
      length: h.refcountTableClusters * h.clusterSize,
      what: 'refcount table',
      tag: { t: 'refcounts' },
    });
    this.l2Outstanding = 1;
    await this.scheduler.claimTagged({
      offset: h.l1Offset,
      length: h.l1Entries * 8,
      what: 'L1 table',
      tag: { t: 'l1' },
    });
  }

  private async refcounts(table: Uint8Array, h: Qcow2Header): Promise<void> {
    this.countTable(table.length);
    const v = new ByteView(table, 'qcow2 refcount table');
    for (let i = 0; i < table.length / 8; i++) {
      const at = v.u64be(i * 8);
      if (at === 0) continue;
      if (at % h.clusterSize !== 0) throw decodeFailed('misaligned', `qcow2: refcount block ${i} is not cluster-aligned`, F);
      await this.scheduler.claimTagged({
        offset: at,
        length: h.clusterSize,
        what: `refcount block ${i}`,
        tag: { t: 'refblock' },
      });
    }
  }

  private async l1(table: Uint8Array, h: Qcow2Header): Promise<void> {
    const v = new ByteView(table, 'qcow2 L1 table');
    const perL2 = h.clusterSize / 8;
    for (let i = 0; i < h.l1Entries; i++) {
      const e = v.big64be(i * 8);
      if ((e & L1_RESERVED) !== 0n) throw decodeFailed('reserved-bits', `qcow2: L1 entry ${i} sets reserved bits`, F);
      const at = Number(e & OFFSET_MASK);
      if (at === 0) continue;
      if (at % h.clusterSize !== 0) throw decodeFailed('misaligned', `qcow2: L2 table ${i} is not cluster-aligned`, F);
      const base = i * perL2 * h.clusterSize;
      if (base >= h.size) throw decodeFailed('out-of-range', `qcow2: L2 table ${i} maps past the disk`, F);
      this.countTable(h.clusterSize);
      this.l2Outstanding++;
      await this.scheduler.claimTagged({
        offset: at,
        length: h.clusterSize,
        what: `L2 table ${i}`,
        tag: { t: 'l2', base },
      });
    }
    this.l2Done();
  }

  private async l2(table: Uint8Array, base: number, h: Qcow2Header): Promise<void> {
    const v = new ByteView(table, 'qcow2 L2 table');
    for (let j = 0; j < h.clusterSize / 8; j++) {
      const logical = base + j * h.clusterSize;
      const e = v.big64be(j * 8);
      if (e === 0n || logical >= h.size) continue;
      const length = Math.min(h.clusterSize, h.size - logical);
      if ((e & COMPRESSED) !== 0n) {
        await this.runs.flush();
        await this.compressed(e, logical, length, h);
        continue;
      }
      if ((e & L2_RESERVED) !== 0n) throw decodeFailed('reserved-bits', `qcow2: L2 entry for ${logical} sets reserved bits`, F);
      const at = Number(e & OFFSET_MASK);
      if ((e & ZERO) !== 0n || at === 0) continue;
      if (at % h.clusterSize !== 0) throw decodeFailed('misaligned', `qcow2: data cluster for ${logical} is not cluster-aligned`, F);
      await this.runs.add(at, logical, length);
    }
    await this.runs.flush();
    this.l2Done();
  }

  private async compressed(e: bigint, logical: number, length: number, h: Qcow2Header): Promise<void> {
    const x = BigInt(62 - (h.clusterBits - 8));
    const at = Number(e & ((1n << x) - 1n));
    const sectors = Number((e >> x) & ((1n << (62n - x)) - 1n)) + 1;
    const bytes = sectors * 512 - (at % 512);
    await this.scheduler.claimTagged({
      offset: at,
      length: bytes,
      minLength: Math.max(1, bytes - 511),
      shared: true,
      what: `compressed cluster for ${logical}`,
      tag: { t: 'compressed', logical, length },
    });
  }

  private async inflated(data: Uint8Array, logical: number, length: number, h: Qcow2Header): Promise<void> {
        const out = inflateBounded(data, h.clusterSize, true, F, `compressed cluster for ${logical}`);
    if (out.length < length) throw decodeFailed('bad-compressed-data', `qcow2: compressed cluster for ${logical} is short`, F);
    await this.init.sink.write(logical, out.subarray(0, length));
  }

  private countTable(bytes: number): void {
    this.tableBytes += bytes;
    if (this.tableBytes > this.init.limits.maxTableBytes) throw tooLarge('table', 'qcow2: tables larger than the limit', F);
  }

  private l2Done(): void {
    if (--this.l2Outstanding === 0) this.scheduler.tablesComplete();
  }
}
