/**
 * A quick throughput figure for Hazelcast maps from Node, until bench/ has a grid benchmark:
 *   node --import tsx grid/hazelcast/measure-throughput.ts [members]
 * Starts members with the test harness, measures raw IMap get/set of 100-byte Buffers and
 * HazelcastGrid get/set (a set is a read and a compare-and-set), one at a time and with 64
 * in flight, prints JSON lines, and stops the members.
 */
import { startHazelcast } from '../../test/harness/hazelcast.ts';
import { HazelcastGrid } from './hazelcast-grid.ts';
import { connectClient } from './hazelcast-connect.ts';
import { silentLogger } from '../../core/log.ts';

const members = Number(process.argv[2] ?? '1');
const seconds = 3;
const keys = 1000;

async function rate(name: string, inFlight: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 5000; i++) await op(i); // warm-up: JIT on both sides
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) await op(done++);
    }),
  );
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ name, members, inFlight, opsPerSec: Math.round(done / s) }));
}

const hz = await startHazelcast({ members });
try {
  const client = await connectClient({
    members: hz.addresses,
    clusterName: hz.clusterName,
    connectTimeoutMs: 10_000,
    callTimeoutMs: 10_000,
    log: silentLogger,
  });
  const raw = await client.getMap<string, Buffer>('bench-raw');
  const value = Buffer.alloc(100, 7);
  for (const inFlight of [1, 64]) {
    await rate('imap.set', inFlight, (i) => raw.set(`k${i % keys}`, value));
    await rate('imap.get', inFlight, (i) => raw.get(`k${i % keys}`));
  }
  await client.shutdown();

  const grid = await HazelcastGrid.connect({ members: hz.addresses, clusterName: hz.clusterName });
  const m = grid.map<{ n: number; s: string }>('bench-grid');
  for (const inFlight of [1, 64]) {
    await rate('grid.set', inFlight, (i) => m.set(`k${i % keys}`, { n: i, s: 'x'.repeat(80) }));
    await rate('grid.get', inFlight, (i) => m.get(`k${i % keys}`));
  }
  await grid.close();
} finally {
  await hz.stop();
}
