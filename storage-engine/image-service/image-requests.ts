/**
 * The shape of every request the image service takes, checked once where it enters (the bus
 * server, and the local service for callers in the same process). A request that does not fit
 * answers INVALID_ARGUMENT with the path of the first bad field and changes nothing.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { RavelError } from '../../core/errors.ts';

/** Printable, 1 to 256 characters: no control characters (NUL separates keys in the catalog). */
const Tenant = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });
const Name = Type.String({ minLength: 1, maxLength: 255 });
const Purpose = Type.Union([Type.Literal('disk'), Type.Literal('image')]);
const Bytes = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Index = Type.Integer({ minimum: 0, maximum: 2 ** 40 });
const Count = Type.Integer({ minimum: 1, maximum: 2 ** 40 });
const strict = { additionalProperties: false } as const;

export const TenantOnly = Type.Object({ tenant: Tenant }, strict);
export const ImageRef = Type.Object({ tenant: Tenant, image: Id }, strict);
export const ImageName = Type.Object({ tenant: Tenant, name: Name }, strict);
export const VersionRef = Type.Object({ tenant: Tenant, version: Id }, strict);
export const CreateImage = Type.Object(
  { tenant: Tenant, name: Name, purpose: Type.Optional(Purpose), virtualSize: Bytes },
  strict,
);
export const CloneVersion = Type.Object(
  { tenant: Tenant, version: Id, name: Name, purpose: Type.Optional(Purpose) },
  strict,
);
export const ReadBlocks = Type.Object({ tenant: Tenant, version: Id, first: Index, count: Count }, strict);
export const OpenWriter = Type.Object(
  { tenant: Tenant, image: Id, base: Type.Optional(Type.Union([Id, Type.Null()])), size: Type.Optional(Bytes) },
  strict,
);
export const WriterRef = Type.Object({ tenant: Tenant, writer: Id }, strict);
export const WriteBlocks = Type.Object(
  {
    tenant: Tenant,
    writer: Id,
    blocks: Type.Array(
      Type.Object({ index: Index, data: Type.Union([Type.Uint8Array(), Type.Null()]) }, strict),
      { minItems: 1, maxItems: 4096 },
    ),
  },
  strict,
);
export const RangeList = Type.Array(Type.Object({ first: Index, count: Count }, strict), { maxItems: 65536 });

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The value, typed, if it fits the schema; INVALID_ARGUMENT naming the first bad field otherwise. */
export function checked<S extends TSchema>(schema: S, value: unknown): Static<S> {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return value;
  const first = check.Errors(value).First();
  const where = first === undefined || first.path === '' ? 'request' : first.path;
  throw new RavelError('INVALID_ARGUMENT', `${where}: ${first?.message ?? 'does not fit'}`, {
    details: { path: where },
  });
}
