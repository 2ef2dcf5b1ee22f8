/**
 * Where an actor lives: its shard (a stable hash of kind and id) and the node each shard
 * prefers (rendezvous hashing over the live nodes, so a join or a leave moves only the shards
 * that must move: about 1/n of them).
 */

/** FNV-1a, 32 bits: fast, stable across processes and versions, good enough spread for sharding. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes the bits of a 32-bit hash (murmur3's finaliser), so nearby inputs land far apart. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function shardOf(kind: string, id: string, shards: number): number {
  return mix(fnv1a(id, fnv1a(kind))) % shards;
}

/**
 * The node that should own `shard`: the one with the highest score for the pair. Deterministic
 * given the same node list, in any order; undefined when there are no nodes.
 */
export function preferredOwner(shard: number, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = mix(fnv1a(node) ^ mix(shard + 0x9e3779b9));
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
