/**
 * Schema pieces every resource shares: ids, names, sizes, times. One source for validation in
 * the domain and in the gateway, and for the OpenAPI document (BigInt renders as int64).
 *
 * Unknown fields: objects accept them (no `additionalProperties: false`) and `parseInput`
 * drops them before anything is stored. The reference client reads an object, edits it and
 * PUTs it back with fields it added (`href`) or that the server owns (`creationTime`,
 * `state`); refusing those would break it, and keeping them would let clients write
 * server-owned fields and grow stored state with junk.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The largest id a client may choose inside a design: the SDK draws from randint(0, 1 << 63). */
export const MAX_LOCAL_ID = 2n ** 63n;
export const MAX_NAME_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 4096;

/**
 * An id chosen by a client inside a design (VM, disk, NIC, controller, service): 0 to 2^63
 * inclusive. Safe integers arrive as numbers, larger ones as bigint (core/codec.ts, the
 * gateway's JSON parser), so both are accepted and bounded.
 */
export const LocalId = Type.Union(
  [Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.BigInt({ minimum: 0n, maximum: MAX_LOCAL_ID })],
  { description: 'client-chosen id, 0 to 2^63 inclusive' },
);
export type LocalId = Static<typeof LocalId>;

/** A server-assigned id: below 2^53, always a number. */
export const ServerId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export type ServerId = Static<typeof ServerId>;

export const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH });
export const Description = Type.String({ maxLength: MAX_DESCRIPTION_LENGTH });

/** Milliseconds since the epoch. */
export const EpochMillis = Type.Integer({ minimum: 0, maximum: 8.64e15 });

export const SizeUnit = Type.Union([Type.Literal('MB'), Type.Literal('GB')]);
export type SizeUnit = Static<typeof SizeUnit>;

/** A memory or disk size: `{unit: MB or GB, value}`; 16 TiB at most whatever the unit. */
export const Size = Type.Object({
  unit: SizeUnit,
  value: Type.Integer({ minimum: 0, maximum: 16 * 1024 * 1024 }),
});
export type Size = Static<typeof Size>;

/** Dotted-quad IPv4 address. */
export const Ipv4 = Type.String({
  pattern: '^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$',
  maxLength: 15,
});

/** A DNS label sequence: what `hostnames` and FQDNs hold. */
export const Hostname = Type.String({
  pattern: '^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$',
});

/** A list with a bound, so no input makes stored state grow without limit. */
export function BoundedArray<T extends TSchema>(item: T, maxItems: number): ReturnType<typeof Type.Array<T>> {
  return Type.Array(item, { maxItems });
}

/** Size in megabytes, whatever the unit. */
export function sizeInMb(size: Size): number {
  return size.unit === 'GB' ? size.value * 1024 : size.value;
}

/** Canonical string key of a local id, so 5 and 5n name the same entity. */
export function idKey(id: LocalId): string {
  return typeof id === 'bigint' ? id.toString() : String(id);
}

/** A local id back from its key: number when safe, bigint beyond (as the codec decodes it). */
export function idFromKey(key: string): LocalId {
  const b = BigInt(key);
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}
