/**
 * Shard ownership as leases in a grid map: `{owner, epoch, expiresAt}` per shard, taken and
 * renewed with compare-and-set on the entry's version. Entries are never deleted (a released
 * lease has no owner), and epochs come from a counter in the durable bucket, so they only grow,
 * even across a restart of the grid: a record claimed at some epoch fences every older lease.
 */
import type { Clock } from '../../core/clock.ts';
import { decode, encode } from '../../core/codec.ts';
import { RavelError } from '../../core/errors.ts';
import type { KeyValue } from '../../bus/bus.ts';
import type { GridMap, Versioned } from '../../grid/grid.ts';

export interface ShardLease {
  /** The owning node; '' when released. */
  readonly owner: string;
  readonly epoch: number;
  /** ms since the epoch, on the owner's clock. */
  readonly expiresAt: number;
}

/** A lease this node holds. */
export interface HeldLease {
  readonly shard: number;
  readonly epoch: number;
  /** The grid version to renew against. */
  readonly version: number;
  /** This node stops serving the shard at this time unless renewed (expiry minus a margin). */
  readonly validUntil: number;
}

export function isFree(lease: ShardLease | undefined, now: number): boolean {
  return lease === undefined || lease.owner === '' || lease.expiresAt <= now;
}

export class ShardLeases {
  constructor(
    private readonly map: GridMap<ShardLease>,
    private readonly epochs: KeyValue,
    private readonly nodeId: string,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly marginMs: number,
  ) {}

  async readAll(): Promise<Map<number, Versioned<ShardLease>>> {
    const out = new Map<number, Versioned<ShardLease>>();
    for (const [key, v] of await this.map.entriesWithPrefix('')) out.set(Number(key), v);
    return out;
  }

  /** Takes a free lease; undefined when another node got there first. */
  async acquire(shard: number, seen: Versioned<ShardLease> | undefined): Promise<HeldLease | undefined> {
    const epoch = await this.nextEpoch(shard, seen?.value.epoch ?? 0);
    const sentAt = this.clock.now();
    const lease: ShardLease = { owner: this.nodeId, epoch, expiresAt: sentAt + this.leaseMs };
    const res =
      seen === undefined
        ? await this.map.putIfAbsent(String(shard), lease)
        : await this.map.compareAndSetVersion(String(shard), seen.version, lease);
    return res.ok ? { shard, epoch, version: res.version, validUntil: sentAt + this.leaseMs - this.marginMs } : undefined;
  }

  /** Extends a held lease; undefined when it was lost (another node took it). */
  async renew(held: HeldLease): Promise<HeldLease | undefined> {
    const sentAt = this.clock.now();
    const lease: ShardLease = { owner: this.nodeId, epoch: held.epoch, expiresAt: sentAt + this.leaseMs };
    const res = await this.map.compareAndSetVersion(String(held.shard), held.version, lease);
    return res.ok ? { ...held, version: res.version, validUntil: sentAt + this.leaseMs - this.marginMs } : undefined;
  }

  /** Gives a lease up at once, so the next owner need not wait for it to expire. */
  async release(held: HeldLease): Promise<void> {
    const lease: ShardLease = { owner: '', epoch: held.epoch, expiresAt: 0 };
    let version = held.version;
    for (let attempt = 0; attempt < 4; attempt++) {
      if ((await this.map.compareAndSetVersion(String(held.shard), version, lease)).ok) return;
      // A renewal may have landed meanwhile: release the same lease at its newer version.
      const now = await this.map.getVersioned(String(held.shard));
      if (now === undefined || now.value.owner !== this.nodeId || now.value.epoch !== held.epoch) return;
      version = now.version;
    }
  }

  /** The next epoch of a shard from the durable counter, above `atLeast`. */
  private async nextEpoch(shard: number, atLeast: number): Promise<number> {
    const key = `epoch.${shard}`;
    for (let attempt = 0; attempt < 8; attempt++) {
      const entry = await this.epochs.get(key);
      const stored = entry === undefined ? 0 : Number(decode(entry.value));
      const next = Math.max(Number.isSafeInteger(stored) ? stored : 0, atLeast) + 1;
      const res =
        entry === undefined
          ? await this.epochs.create(key, encode(next))
          : await this.epochs.update(key, encode(next), entry.revision);
      if (res.ok) return next;
    }
    throw new RavelError('CONFLICT', `shard ${shard}: epoch counter contended`);
  }
}
