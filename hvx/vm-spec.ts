/**
 * The shape of a VM spec, checked where it enters: by the agent protocol at the wire and by a
 * driver's `define`. A spec that does not fit is INVALID_ARGUMENT naming the first bad field.
 */
import { Type, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { RavelError } from '../core/errors.ts';
import type { VmSpec } from './hypervisor.ts';

const strict = { additionalProperties: false } as const;
export const Token = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });
export const TenantName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });

export const VmSpecSchema = Type.Object(
  {
    id: Token,
    tenant: TenantName,
    cpus: Type.Integer({ minimum: 1, maximum: 1024 }),
    memoryMb: Type.Integer({ minimum: 1, maximum: 16 * 1024 * 1024 }),
    disks: Type.Array(Type.Object({ id: Token, image: Token, version: Token }, strict), { maxItems: 64 }),
    nics: Type.Array(
      Type.Object(
        {
          id: Token,
          mac: Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' }),
          network: Token,
          ip: Type.Optional(Type.String({ maxLength: 64 })),
        },
        strict,
      ),
      { maxItems: 32 },
    ),
  },
  strict,
);

// What the schema accepts is a VmSpec (the seam's type, documented there).
type Fits<A, B> = [A] extends [B] ? true : false;
const _fitsSeam: Fits<Static<typeof VmSpecSchema>, VmSpec> = true;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The value, typed, if it fits; INVALID_ARGUMENT (or `code`) naming the first bad field otherwise. */
export function fits<S extends TSchema>(schema: S, value: unknown, code: 'INVALID_ARGUMENT' | 'DECODE_FAILED' = 'INVALID_ARGUMENT'): Static<S> {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return value;
  const first = check.Errors(value).First();
  const where = first === undefined || first.path === '' ? '/' : first.path;
  throw new RavelError(code, `${where}: ${first?.message ?? 'does not fit'}`, { details: { path: where } });
}

export function checkVmSpec(spec: unknown): VmSpec {
  const s = fits(VmSpecSchema, spec);
  const ids = (xs: ReadonlyArray<{ id: string }>): boolean => new Set(xs.map((x) => x.id)).size === xs.length;
  if (!ids(s.disks) || !ids(s.nics)) throw new RavelError('INVALID_ARGUMENT', `VM ${s.id}: disk and NIC ids must be unique`);
  return s;
}
