/**
 * Checking input against a schema once, at the domain's edge: a bad field is refused with
 * INVALID_ARGUMENT naming its path; unknown fields are dropped (see common.ts for why).
 */
import { TypeGuard, type Static, type TSchema } from '@sinclair/typebox';
import type { ValueError } from '@sinclair/typebox/value';
import { RavelError } from '../../core/errors.ts';
import { checkerFor, cleanCopy } from './clean-copy.ts';

/**
 * Returns a copy of `value` narrowed to the schema, with unknown fields dropped, or throws
 * INVALID_ARGUMENT whose message and `details.field` name the first bad field. `where` prefixes
 * the path (e.g. `body`).
 */
export function parseInput<T extends TSchema>(schema: T, value: unknown, where = ''): Static<T> {
  const check = checkerFor(schema);
  if (!check.Check(value)) {
    const first = deepestError(check.Errors(value));
    const field = `${where}${first?.path ?? ''}` || '/';
    throw new RavelError('INVALID_ARGUMENT', `${field}: ${first?.message ?? 'invalid value'}`, {
      details: { field },
    });
  }
  return cleanCopy(schema, value);
}

/**
 * parseInput for a union of objects told apart by a required literal `tag` field (nested unions
 * flattened), e.g. an actor's messages: a value is checked and cleaned against its own variant
 * only, instead of the compiled check trying every variant and Clean re-checking each in turn
 * (the cost of a read ask). The outcome is parseInput's: a unique tag matches exactly one
 * variant, and anything refused goes through parseInput on the whole union for its error. A
 * union that is not tagged this way is parsed by parseInput as it stands.
 */
export function taggedParser<T extends TSchema>(schema: T, tag = 'type'): (value: unknown, where?: string) => Static<T> {
  const variants = new Map<string, TSchema>();
  const collect = (s: TSchema): boolean => {
    if (TypeGuard.IsUnion(s)) return s.anyOf.every(collect);
    const t: TSchema | undefined = TypeGuard.IsObject(s) ? s.properties[tag] : undefined;
    if (t === undefined || TypeGuard.IsOptional(t) || !TypeGuard.IsLiteralString(t) || variants.has(t.const)) return false;
    variants.set(t.const, s);
    return true;
  };
  if (!collect(schema)) return (value, where) => parseInput(schema, value, where);
  return (value, where = '') => {
    const t = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Readonly<Record<string, unknown>>)[tag] : undefined;
    const variant = typeof t === 'string' ? variants.get(t) : undefined;
    if (variant !== undefined && checkerFor(variant).Check(value)) return cleanCopy(variant, value);
    return parseInput(schema, value, where);
  };
}

/**
 * The most telling error: "expected union value" says nothing, so inside a union follow the
 * variant that came closest (fewest errors) to the error it reports.
 */
function deepestError(errors: Iterable<ValueError>): ValueError | undefined {
  for (const e of errors) {
    if (e.errors.length === 0) return e;
    const variants = e.errors.map((it) => [...it]).sort((x, y) => x.length - y.length);
    return deepestError(variants[0] ?? []) ?? e;
  }
  return undefined;
}

/** True when the value matches the schema; for assertions on stored state. */
export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return checkerFor(schema).Check(value);
}
