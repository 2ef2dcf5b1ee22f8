/**
 * What passes between the three-node run and its load processes: the configuration each gets
 * in RAVEL_CP_LOAD, and the result file each writes back. Both are checked when read (a child
 * of another version, or a truncated file, fails clearly instead of adding NaNs to the table).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ClientTally } from './topology-result.ts';

const Tenant = Type.Object({
  name: Type.String({ minLength: 1 }),
  login: Type.String({ minLength: 1 }),
  password: Type.String({ minLength: 1 }),
  organizationId: Type.Integer(),
});

const LoadConfig = Type.Object({
  proc: Type.String({ minLength: 1 }),
  tenants: Type.Array(Tenant, { minItems: 1 }),
  gateways: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  /** The applications this process starts: indexes first .. first + count - 1 (request ids). */
  first: Type.Integer({ minimum: 0 }),
  count: Type.Integer({ minimum: 0 }),
  /** Clients of this process, client c acting as tenants[c % tenants.length]. */
  clients: Type.Integer({ minimum: 1 }),
  bootMs: Type.Integer({ minimum: 0 }),
  pollMs: Type.Integer({ minimum: 1 }),
  /** Seconds of the REST read baseline, run when the second SIGUSR1 comes. */
  baselineSeconds: Type.Number({ exclusiveMinimum: 0 }),
  resultFile: Type.String({ minLength: 1 }),
});
export type LoadConfig = Static<typeof LoadConfig>;

const Tally = Type.Object({
  overheadMs: Type.Array(Type.Number()),
  publishMs: Type.Array(Type.Number()),
  hostIds: Type.Array(Type.String()),
  sampleIds: Type.Array(Type.Integer()),
  failed: Type.Integer({ minimum: 0 }),
  retries: Type.Integer({ minimum: 0 }),
  errors: Type.Array(Type.String()),
});

const LoadResult = Type.Object({
  tally: Tally,
  /** The REST read baseline: latencies of every read, over `seconds`. */
  reads: Type.Object({ seconds: Type.Number({ minimum: 0 }), latencyMs: Type.Array(Type.Number()), refused: Type.Integer({ minimum: 0 }) }),
});
export type LoadResult = Static<typeof LoadResult> & { tally: ClientTally };

function parse<T extends TSchema>(schema: T, what: string, text: string): Static<T> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
  const first = Value.Errors(schema, v).First();
  if (first !== undefined) throw new Error(`${what}: ${first.path || '/'} ${first.message}`);
  return v;
}

export const parseLoadConfig = (text: string): LoadConfig => parse(LoadConfig, 'RAVEL_CP_LOAD', text);
export const parseLoadResult = (text: string): LoadResult => parse(LoadResult, 'load result', text);

/**
 * Splits `applications` over `processes` as evenly as whole numbers allow: each process's first
 * index and count, covering 0 .. applications - 1 once.
 */
export function shareOut(applications: number, processes: number): Array<{ first: number; count: number }> {
  const base = Math.floor(applications / processes);
  const extra = applications % processes;
  const out: Array<{ first: number; count: number }> = [];
  let first = 0;
  for (let p = 0; p < processes; p++) {
    const count = base + (p < extra ? 1 : 0);
    out.push({ first, count });
    first += count;
  }
  return out;
}
