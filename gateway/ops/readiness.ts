/**
 * /readyz: ready when every probe passed in (the grid, the bus, ...) answers in time.
 * /healthz only says the process is up and its event loop turns.
 */
import type { Clock } from '../../core/clock.ts';

/** A dependency the gateway needs before it should take traffic. */
export interface ReadinessProbe {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or resolves false) when it does not. */
  check(signal: AbortSignal): Promise<boolean | void>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, { ok: boolean; error?: string }>;
}

export async function runProbes(
  probes: readonly ReadinessProbe[],
  clock: Clock,
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(probes.map((p) => runOne(p, clock, timeoutMs)));
  const checks: ReadinessReport['checks'] = {};
  probes.forEach((p, i) => (checks[p.name] = results[i] ?? { ok: false }));
  return { ready: results.every((r) => r.ok), checks };
}

async function runOne(
  p: ReadinessProbe,
  clock: Clock,
  timeoutMs: number,
): Promise<{ ok: boolean; error?: string }> {
  const ac = new AbortController();
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      ac.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const r = await Promise.race([p.check(ac.signal), timeout]);
    return r === false ? { ok: false, error: 'probe said not ready' } : { ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
