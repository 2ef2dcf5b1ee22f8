/**
 * Checking input against a schema once, at the domain's edge: a bad field is refused with
 * INVALID_ARGUMENT naming its path; unknown fields are dropped (see common.ts for why).
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { RavelError } from '../../core/errors.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checkerFor(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (c === undefined) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

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
  return Value.Clean(schema, Value.Clone(value));
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
