/**
 * Which shards this node should take and which it should hand over, decided from the live
 * nodes and the leases: a pure function, so the rules are tested without grids or clocks.
 *
 * Each shard belongs to its rendezvous-preferred live node. A free shard is taken by its
 * preferred node; one left free longer than `orphanAfterMs` by anyone (its preferred node may
 * be dead but not yet known as such). A node hands over at most `handoffs` shards a tick, so a
 * join moves shards in a trickle rather than a storm.
 */
import { preferredOwner } from './shard-hash.ts';
import { isFree, type ShardLease } from './shard-lease.ts';

export interface PlacementInput {
  readonly me: string;
  readonly shards: number;
  /** Live, non-draining nodes (this one included unless draining). */
  readonly live: readonly string[];
  readonly leases: ReadonlyMap<number, ShardLease>;
  readonly owned: ReadonlySet<number>;
  readonly now: number;
  /** Since when each free shard has been seen free. */
  readonly freeSince: ReadonlyMap<number, number>;
  readonly orphanAfterMs: number;
  readonly handoffs: number;
  readonly draining: boolean;
}

export interface PlacementPlan {
  readonly acquire: number[];
  readonly handOff: number[];
}

export function planPlacement(p: PlacementInput): PlacementPlan {
  if (p.draining) return { acquire: [], handOff: [...p.owned] };
  const acquire: number[] = [];
  const handOff: number[] = [];
  for (let shard = 0; shard < p.shards; shard++) {
    const preferred = preferredOwner(shard, p.live);
    if (p.owned.has(shard)) {
      if (preferred !== undefined && preferred !== p.me && handOff.length < p.handoffs) handOff.push(shard);
      continue;
    }
    if (!takeable(p.leases.get(shard), p.me, p.now)) continue;
    const since = p.freeSince.get(shard) ?? p.now;
    if (preferred === p.me || p.now - since >= p.orphanAfterMs) acquire.push(shard);
  }
  return { acquire, handOff };
}

/** Free, or in this node's name without this node holding it (a previous life's lease). */
export function takeable(lease: ShardLease | undefined, me: string, now: number): boolean {
  return isFree(lease, now) || lease?.owner === me;
}
