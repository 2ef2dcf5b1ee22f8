/**
 * `Value.Clean(schema, Value.Clone(value))` in one pass, built once per schema: a copy of a
 * value that has already passed the schema's check, with the fields the schema does not name
 * dropped. Clean finds a union's variant by re-checking the value against each variant with the
 * interpreting checker; here each variant's compiled check does it. The result is the same as
 * Clean's (tested against it in clean-copy.test.ts): schemas with kinds this does not model
 * (records, intersections, tuples, references, additional-property schemas) get Clean itself.
 */
import { Kind, KindGuard, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

type Copy = (value: unknown) => unknown;

const copiers = new WeakMap<TSchema, Copy>();
const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The schema's compiled checker, compiled once. */
export function checkerFor(schema: TSchema): TypeCheck<TSchema> {
  let c = checkers.get(schema);
  if (c === undefined) {
    c = TypeCompiler.Compile(schema);
    checkers.set(schema, c);
  }
  return c;
}

/** What Clone does to a value Clean leaves alone. */
function cloneLeaf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? Value.Clone(value) : value;
}

class Unmodelled extends Error {}

/** Throws Unmodelled for a kind Clean treats in a way not copied here. */
function build(schema: unknown): Copy {
  if (!KindGuard.IsKind(schema)) return cloneLeaf; // Clean's Visit passes such a value through
  if (typeof schema.$id === 'string') throw new Unmodelled();
  switch (schema[Kind]) {
    case 'Array': {
      const items = build(schema.items);
      return (value) => (Array.isArray(value) ? value.map((v) => items(v)) : cloneLeaf(value));
    }
    case 'Object': {
      if (KindGuard.IsKind(schema.additionalProperties)) throw new Unmodelled();
      const props = schema.properties as Readonly<Record<string, unknown>>;
      const fields = new Map<string, Copy>();
      for (const key of Object.keys(props)) fields.set(key, build(props[key]));
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return cloneLeaf(value);
        const source = value as Readonly<Record<PropertyKey, unknown>>;
        const out: Record<PropertyKey, unknown> = {};
        for (const key of Object.getOwnPropertyNames(source)) {
          if (!(key in props)) continue; // `in`, like Clean: inherited names are kept too
          out[key] = (fields.get(key) ?? cloneLeaf)(source[key]);
        }
        for (const sym of Object.getOwnPropertySymbols(source)) out[sym] = Value.Clone(source[sym]);
        return out;
      };
    }
    case 'Union': {
      const variants = (schema.anyOf as readonly TSchema[]).map((inner) => {
        if (!KindGuard.IsKind(inner) || inner[Kind] === 'Unsafe') throw new Unmodelled();
        return { check: checkerFor(inner), copy: build(inner) };
      });
      return (value) => {
        for (const v of variants) if (v.check.Check(value)) return v.copy(value);
        return cloneLeaf(value);
      };
    }
    case 'Import':
    case 'Intersect':
    case 'Record':
    case 'Ref':
    case 'This':
    case 'Tuple':
      throw new Unmodelled();
    default:
      return cloneLeaf;
  }
}

/** A cleaned copy of `value`, which must already have passed `schema`'s check. */
export function cleanCopy(schema: TSchema, value: unknown): unknown {
  let copy = copiers.get(schema);
  if (copy === undefined) {
    try {
      copy = build(schema);
    } catch {
      // Unmodelled, or a variant the compiler refuses: Clean's own way.
      copy = (v) => Value.Clean(schema, Value.Clone(v));
    }
    copiers.set(schema, copy);
  }
  return copy(value);
}
