/**
 * `/api/v1/openapi.json` written from the same route table that serves requests, so the
 * description cannot drift from what is checked. TypeBox schemas are JSON Schema already;
 * only bigint (not a JSON Schema type) is rewritten as an int64 integer.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { errorCodes } from '../../core/errors.ts';
import type { AnyRoute } from '../http/route.ts';
import type { StreamDoc } from '../gateway.ts';

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly basePath: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Ours: echoed in the answer; on creating calls, a retry with the same id answers the first result. */
const REQUEST_ID_PARAMETER: Json = {
  name: 'X-Request-Id',
  in: 'header',
  required: false,
  description: 'Echoed in the answer; a creating call retried with the same id answers the first result and creates nothing',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,100}$' },
};

/** `streams`: the operations of the endpoints served outside the route table (uploads, disk content, live). */
export function buildOpenApi(routes: readonly AnyRoute[], info: OpenApiInfo, streams: readonly StreamDoc[] = []): Record<string, Json> {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const item = (paths[r.path] ??= {});
    item[r.method.toLowerCase()] = operation(r);
  }
  for (const d of streams) {
    const item = (paths[d.path] ??= {});
    item[d.method.toLowerCase()] = streamOperation(d);
  }
  return {
    openapi: '3.0.3',
    info: { title: info.title, version: info.version },
    servers: [{ url: info.basePath }],
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'ravel_session' },
        token: { type: 'apiKey', in: 'header', name: 'X-Ephemeral-Token-Authorization' },
        basic: { type: 'http', scheme: 'basic' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: Object.keys(errorCodes) },
            message: { type: 'string' },
          },
        },
      },
    },
  };
}

function operation(r: AnyRoute): Json {
  const parameters: Json[] = [];
  for (const [where, schema] of [
    ['path', r.schema.params],
    ['query', r.schema.query],
  ] as const) {
    const props =
      (schema as { properties?: Record<string, TSchema> } | undefined)?.properties ?? {};
    const required = new Set((schema as { required?: string[] } | undefined)?.required ?? []);
    for (const [name, s] of Object.entries(props)) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: toJsonSchema(s),
      });
    }
  }
  if (r.method === 'POST' && r.auth !== 'none') parameters.push(REQUEST_ID_PARAMETER);
  const error = {
    description: 'error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  const op: Record<string, Json> = {
    operationId: `${r.method.toLowerCase()} ${r.path}`,
    parameters,
    responses: { [String(r.successStatus ?? 200)]: { description: 'success' }, default: error },
    security: r.auth === 'none' ? [] : [{ session: [] }, { token: [] }],
  };
  if (r.summary !== undefined) op['summary'] = r.summary;
  if (r.schema.body !== undefined) {
    op['requestBody'] = {
      required: true,
      content: { 'application/json': { schema: toJsonSchema(r.schema.body) } },
    };
  }
  return op;
}

function streamOperation(d: StreamDoc): Json {
  const parameters: Json[] = [...d.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1] ?? '', in: 'path', required: true, schema: { type: 'string' } }));
  for (const h of d.headers ?? []) parameters.push({ name: h, in: 'header', required: false, schema: { type: 'string' } });
  return {
    operationId: `${d.method.toLowerCase()} ${d.path}`,
    summary: d.summary,
    parameters,
    responses: { default: { description: 'see the summary' } },
    security: d.auth === 'none' ? [] : [{ session: [] }, { token: [] }],
  };
}

/** A plain JSON copy of a TypeBox schema, with bigint turned into int64 integers. */
export function toJsonSchema(schema: TSchema): Json {
  return convert(schema) as Json;
}

function convert(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(convert);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string | symbol, unknown>;
  if (o[Kind] === 'BigInt') {
    const out: Record<string, unknown> = { type: 'integer', format: 'int64' };
    if (typeof o['minimum'] === 'bigint') out['minimum'] = Number(o['minimum']);
    if (typeof o['maximum'] === 'bigint') out['maximum'] = Number(o['maximum']);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = convert(x);
  return out;
}
