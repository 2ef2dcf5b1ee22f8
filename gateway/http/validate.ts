/**
 * Each route's schemas compiled once into checks that run before its handler: path and
 * query strings coerced to the declared types, then every field of params, query and body
 * checked; the first bad field answers 400 with its path (e.g. `body/design/vms/0/id`).
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { RavelError } from '../../core/errors.ts';
import { parseJsonNumber } from '../json/big-json.ts';
import type { AnyRoute } from './route.ts';

export interface RouteChecks {
  params(raw: Readonly<Record<string, string>>): unknown;
  query(raw: Record<string, string>): unknown;
  /** query({}) for a request without a query string: the same every time, so checked once (frozen). */
  emptyQuery(): unknown;
  /** `parsed` is undefined for an empty body; an object schema then sees `{}`. */
  body(parsed: unknown): unknown;
  readonly wantsBody: boolean;
}

const INTEGER = /^-?\d+$/;

export function compileRouteChecks(route: AnyRoute): RouteChecks {
  const { params, query, body } = route.schema;
  const p = params === undefined ? undefined : TypeCompiler.Compile(params);
  const q = query === undefined ? undefined : TypeCompiler.Compile(query);
  const b = body === undefined ? undefined : TypeCompiler.Compile(body);
  const bodyIsObject = body !== undefined && body[Kind] === 'Object';
  const checkQuery = (raw: Record<string, string>): unknown =>
    q === undefined || query === undefined ? raw : check('query', q, coerceObject(query, raw));
  let noQuery: unknown;
  return {
    wantsBody: b !== undefined,
    params: (raw) =>
      p === undefined || params === undefined ? raw : check('path', p, coerceObject(params, raw)),
    query: checkQuery,
    // A refusal (a required query parameter) is not kept: it throws again each time.
    emptyQuery: () => noQuery ?? (noQuery = Object.freeze(checkQuery({}))),
    body: (parsed) => {
      if (b === undefined) return undefined;
      if (parsed === undefined) {
        if (!bodyIsObject)
          throw new RavelError('INVALID_ARGUMENT', 'body: a JSON body is required', {
            details: { field: 'body' },
          });
        return check('body', b, {});
      }
      return check('body', b, parsed);
    },
  };
}

function check<T>(where: string, compiled: TypeCheck<TSchema>, value: T): T {
  if (compiled.Check(value)) return value;
  const first = compiled.Errors(value).First();
  const field = `${where}${first?.path ?? ''}`;
  const message = `${field}: ${first?.message ?? 'invalid value'}`;
  throw new RavelError('INVALID_ARGUMENT', message, { details: { field } });
}

/** Strings from the URL turned into what the object schema's properties declare. */
function coerceObject(schema: TSchema, raw: Readonly<Record<string, string>>): Readonly<Record<string, unknown>> {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (props === undefined) return raw;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const s = props[k];
    out[k] = s === undefined ? v : coerceString(s, v);
  }
  return out;
}

function coerceString(schema: TSchema, s: string): unknown {
  switch (schema[Kind]) {
    case 'Integer':
      return INTEGER.test(s) ? parseJsonNumber(s) : s;
    case 'BigInt':
      return INTEGER.test(s) ? BigInt(s) : s;
    case 'Number':
      return s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s;
    case 'Boolean':
      return s === 'true' ? true : s === 'false' ? false : s;
    case 'Literal': {
      const c = (schema as { const?: unknown }).const;
      return typeof c === 'number' ? Number(s) : typeof c === 'boolean' ? s === 'true' : s;
    }
    case 'Union': {
      const kinds = ((schema as { anyOf?: TSchema[] }).anyOf ?? []).map((x) => x[Kind]);
      if (INTEGER.test(s) && (kinds.includes('Integer') || kinds.includes('BigInt')))
        return parseJsonNumber(s);
      if ((s === 'true' || s === 'false') && kinds.includes('Boolean')) return s === 'true';
      return s;
    }
    default:
      return s;
  }
}
