/** Runs an operation with N in flight for a while: operations per second and latency percentiles. */
export interface Rate {
  readonly perSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

export async function measureRate(seconds: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<Rate> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      await op(n++);
      lat.push(performance.now() - t);
      // Operations that resolve in microtasks only must still let timers and I/O run.
      if (n % 5000 === 0) await new Promise((r) => setImmediate(r));
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const at = (q: number): number => (lat[Math.min(lat.length - 1, Math.floor(lat.length * q))] ?? 0) * 1000;
  return { perSec: lat.length / s, p50Us: at(0.5), p99Us: at(0.99) };
}
