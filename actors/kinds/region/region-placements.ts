/**
 * A region's memo of keyed placements: a `place` with a key it has answered gets that answer
 * again (a turn retried after a crash finds the room its first try holds, reserved once), and a
 * `forgetPlacement` with the key drops it, so the key places anew. It lives in the region's own
 * state, written with the turn that reserved the room, so it holds across nodes and restarts;
 * the runtime's idempotency record could not be forgotten: a refused turn that gave the room
 * back and was retried on another node was answered a placement whose room was gone.
 * A `withdrawPlacement` is for an asker that lost the answer (its ask timed out): the key's room
 * is given back and the key withdrawn, so a `place` with it arriving late places nothing.
 */
import type { Placement } from '../../../domain/placement/placement-types.ts';

export interface PlacementMemo {
  readonly at: number;
  /** Null once withdrawn: the key is refused, not placed. */
  readonly placement: Placement | null;
}

/** Key to its placement, in insertion order (oldest first). */
export type PlacementMemos = Readonly<Record<string, PlacementMemo>>;

/** As long as a turn is retried: a memo older, or beyond the newest kept, is dropped. */
export const PLACEMENT_MEMO_MS = 3_600_000;
export const PLACEMENT_MEMOS_KEPT = 256;

/** The key's placement; null when withdrawn; undefined when not held (or held too long ago). */
export function rememberedPlacement(memos: PlacementMemos | undefined, key: string, now: number): Placement | null | undefined {
  const m = memos?.[key];
  return m !== undefined && m.at > now - PLACEMENT_MEMO_MS ? m.placement : undefined;
}

/** The memos with `key`'s placement last, trimmed to the window and the count kept. */
export function rememberPlacement(memos: PlacementMemos | undefined, key: string, placement: Placement | null, now: number): PlacementMemos {
  const kept = Object.entries(memos ?? {}).filter(([k, m]) => k !== key && m.at > now - PLACEMENT_MEMO_MS);
  kept.push([key, { at: now, placement }]);
  return Object.fromEntries(kept.slice(Math.max(0, kept.length - PLACEMENT_MEMOS_KEPT)));
}

/** The memos without `key`'s: the same key places anew. Forgetting a key not held changes nothing. */
export function forgetPlacement(memos: PlacementMemos | undefined, key: string): PlacementMemos | undefined {
  if (memos?.[key] === undefined) return memos;
  const { [key]: _gone, ...rest } = memos;
  return rest;
}
