/**
 * The upload scheduler's state as plain JSON data, for a checkpoint: claims become what they
 * cover plus the decoder's tag for what to do with the bytes (the decoder binds a tag back to
 * its code on resume), and bytes a claim already holds travel as base64. A checkpoint is only
 * taken while those held bytes are few (see MAX_HELD_BYTES), so it stays small.
 */
import { concatBytes } from './bytes.ts';
import { decodeFailed } from './decode-error.ts';

/** What a decoder needs to know to act on a claim's bytes again: plain JSON values. */
export type ClaimTag = Readonly<Record<string, string | number | boolean>>;

/** A tag bound back to the decoder's code. */
export type Bound =
  | { readonly kind: 'whole'; readonly take: (bytes: Uint8Array) => Promise<void> }
  | { readonly kind: 'stream'; readonly deliver: (at: number, bytes: Uint8Array) => Promise<void> };

/** A claim whose take or deliver the decoder's binding gives from its tag. */
export interface TaggedClaim {
  readonly offset: number;
  readonly length: number;
  readonly what: string;
  readonly tag: ClaimTag;
  readonly shared?: boolean;
  readonly minLength?: number;
}

export interface SavedClaim extends TaggedClaim {
  readonly kind: 'whole' | 'stream';
  /** A stream claim's first byte is this far into the range its tag was made for. */
  readonly shift?: number;
  /** Bytes a whole claim's range held before this part of it (base64). */
  readonly prefix?: string;
}

export interface SchedulerState {
  readonly position: number;
  readonly discard: boolean;
  readonly staged: ReadonlyArray<readonly [number, number]>;
  readonly pending: readonly SavedClaim[];
  readonly active: ReadonlyArray<{
    readonly claim: SavedClaim;
    readonly filled: number;
    readonly held?: string;
  }>;
}

/** Most bytes held by claims (partial tables, prefixes) that a checkpoint may carry. */
export const MAX_HELD_BYTES = 4 * 1024 * 1024;

export const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export function badCheckpoint(format: string, what: string): Error {
  return decodeFailed('bad-checkpoint', `${format}: the checkpoint's ${what} is malformed`, format);
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Checks a scheduler state read back from a checkpoint. */
export function schedulerStateFrom(x: unknown, format: string): SchedulerState {
  const bad = (): Error => badCheckpoint(format, 'scheduler state');
  if (!isRecord(x) || !isCount(x['position']) || typeof x['discard'] !== 'boolean') throw bad();
  const { staged, pending, active } = x;
  if (!Array.isArray(staged) || !Array.isArray(pending) || !Array.isArray(active)) throw bad();
  for (const r of staged) if (!Array.isArray(r) || !isCount(r[0]) || !isCount(r[1]) || r[0] > r[1]) throw bad();
  const claimOk = (c: unknown): boolean =>
    isRecord(c) &&
    (c['kind'] === 'whole' || c['kind'] === 'stream') &&
    isCount(c['offset']) &&
    isCount(c['length']) &&
    typeof c['what'] === 'string' &&
    isRecord(c['tag']) &&
    (c['shift'] === undefined || isCount(c['shift'])) &&
    (c['minLength'] === undefined || isCount(c['minLength'])) &&
    (c['prefix'] === undefined || typeof c['prefix'] === 'string');
  if (!pending.every(claimOk)) throw bad();
  for (const a of active) {
    if (!isRecord(a) || !claimOk(a['claim']) || !isCount(a['filled'])) throw bad();
    if (a['held'] !== undefined && typeof a['held'] !== 'string') throw bad();
  }
  return x as unknown as SchedulerState;
}

/** The take or deliver of a saved claim, from its tag's binding and what it already held. */
export function rebind(c: SavedClaim, bind: (tag: ClaimTag) => Bound, format: string): Bound {
  const b = bind(c.tag);
  if (b.kind !== c.kind) throw badCheckpoint(format, `claim ${c.what}`);
  if (b.kind === 'whole') {
    if (c.prefix === undefined) return b;
    const prefix = unb64(c.prefix);
    return { kind: 'whole', take: (bytes) => b.take(concatBytes([prefix, bytes])) };
  }
  const shift = c.shift ?? 0;
  return shift === 0 ? b : { kind: 'stream', deliver: (at, bytes) => b.deliver(at + shift, bytes) };
}

/** A number field of a tag, checked (tags come back from a checkpoint). */
export function tagNumber(tag: ClaimTag, name: string, format: string): number {
  const v = tag[name];
  if (!isCount(v)) throw badCheckpoint(format, `tag field ${name}`);
  return v;
}

/** A string field of a tag (or of decoder state), checked. */
export function tagString(tag: Readonly<Record<string, unknown>>, name: string, format: string): string {
  const v = tag[name];
  if (typeof v !== 'string') throw badCheckpoint(format, `field ${name}`);
  return v;
}

/** Bytes saved in decoder state as base64 under `name`, or undefined if absent. */
export function stateBytes(state: Readonly<Record<string, unknown>>, name: string, format: string): Uint8Array | undefined {
  return state[name] === undefined ? undefined : unb64(tagString(state, name, format));
}

/** A count field of decoder state, checked. */
export function stateCount(state: Readonly<Record<string, unknown>>, name: string, format: string): number {
  const v = state[name];
  if (!isCount(v)) throw badCheckpoint(format, `field ${name}`);
  return v;
}

/** The stream claim of a range whose bytes are not used (refcount blocks, the VHDX log). */
export const ignored: Bound = { kind: 'stream', deliver: async () => undefined };

/** Binds a whole claim's tag to a take. */
export const whole = (take: (bytes: Uint8Array) => Promise<void>): Bound => ({
  kind: 'whole',
  take,
});
