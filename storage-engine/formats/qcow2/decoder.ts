/**
 * qcow2 versions 2 and 3: the header cluster, the L1 table, L2 tables and data clusters, plain
 * or deflate-compressed. All are reached through the upload scheduler, so tables may come after
 * the data they map; such data waits in the sink's staging until its L2 table has passed.
 * Refcount tables are claimed (so nothing else may overlap them) but not otherwise used.
 */
import type { DecodedDisk, DecoderInit, FormatDecoder } from '../format.ts';
import { ByteView, concatBytes } from '../bytes.ts';
import { decodeFailed, tooLarge } from '../decode-error.ts';
import { UploadScheduler } from '../upload-scheduler.ts';
import { DataRuns } from '../data-runs.ts';
import { inflateBounded } from '../inflate.ts';
import { clusterBitsOf, parseQcow2Header, type Qcow2Header } from './header.ts';

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
  private l2Outstanding = 0;
  private tableBytes = 0;

  constructor(private readonly init: DecoderInit) {
    this.scheduler = new UploadScheduler(init.sink, F, init.limits);
    this.runs = new DataRuns(this.scheduler, init.sink, 'data cluster');
    void this.scheduler.claim({ kind: 'whole', offset: 0, length: 512, what: 'header', take: (b) => this.first(b) });
  }

  push(chunk: Uint8Array): Promise<void> {
    return this.scheduler.push(chunk);
  }

  async finish(): Promise<DecodedDisk> {
    await this.scheduler.finish();
    if (this.header === undefined) throw decodeFailed('truncated', 'qcow2: no header', F);
    return { format: F, virtualSize: this.header.size };
  }

  checkpoint(): undefined {
    return undefined;
  }

  private async first(b: Uint8Array): Promise<void> {
    const clusterSize = 2 ** clusterBitsOf(b);
    const rest = clusterSize - b.length;
    if (rest === 0) return this.start(b);
    await this.scheduler.claim({
      kind: 'whole',
      offset: b.length,
      length: rest,
      what: 'header cluster',
      take: (r) => this.start(concatBytes([b, r])),
    });
  }

  private async start(cluster: Uint8Array): Promise<void> {
    const h = parseQcow2Header(cluster, this.init.limits);
    this.header = h;
    this.init.sink.setVirtualSize(h.size);
    await this.scheduler.claim({
      kind: 'whole',
      offset: h.refcountTableOffset,
      length: h.refcountTableClusters * h.clusterSize,
      what: 'refcount table',
      take: (t) => this.refcounts(t, h),
    });
    this.l2Outstanding = 1;
    await this.scheduler.claim({ kind: 'whole', offset: h.l1Offset, length: h.l1Entries * 8, what: 'L1 table', take: (t) => this.l1(t, h) });
  }

  private async refcounts(table: Uint8Array, h: Qcow2Header): Promise<void> {
    this.countTable(table.length);
    const v = new ByteView(table, 'qcow2 refcount table');
    for (let i = 0; i < table.length / 8; i++) {
      const at = v.u64be(i * 8);
      if (at === 0) continue;
      if (at % h.clusterSize !== 0) throw decodeFailed('misaligned', `qcow2: refcount block ${i} is not cluster-aligned`, F);
      await this.scheduler.claim({ kind: 'stream', offset: at, length: h.clusterSize, what: `refcount block ${i}`, deliver: async () => {} });
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
      await this.scheduler.claim({ kind: 'whole', offset: at, length: h.clusterSize, what: `L2 table ${i}`, take: (t) => this.l2(t, base, h) });
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
    await this.scheduler.claim({
      kind: 'whole',
      offset: at,
      length: bytes,
      minLength: Math.max(1, bytes - 511),
      shared: true,
      what: `compressed cluster for ${logical}`,
      take: async (data) => {
        const out = inflateBounded(data, h.clusterSize, true, F, `compressed cluster for ${logical}`);
        if (out.length < length) throw decodeFailed('bad-compressed-data', `qcow2: compressed cluster for ${logical} is short`, F);
        await this.init.sink.write(logical, out.subarray(0, length));
      },
    });
  }

  private countTable(bytes: number): void {
    this.tableBytes += bytes;
    if (this.tableBytes > this.init.limits.maxTableBytes) throw tooLarge('table', 'qcow2: tables larger than the limit', F);
  }

  private l2Done(): void {
    if (--this.l2Outstanding === 0) this.scheduler.tablesComplete();
  }
}
