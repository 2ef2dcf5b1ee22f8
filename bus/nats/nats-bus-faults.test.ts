/**
 * NatsBus under server faults: a restart in the middle of durable publishing, and SIGKILL of
 * a stream leader in a three-server cluster with three replicas. Acknowledged means kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from 'nats';
import { isRavelError } from '../../core/errors.ts';
import { startNats } from '../../test/harness/nats.ts';
import { missingNats, needs } from '../../test/harness/requirements.ts';
import type { Bus } from '../bus.ts';
import { bytes, eventually, text, uniq, waitFor } from '../conformance/fixture.ts';
import { NatsBus } from './nats-bus.ts';

const CALL_TIMEOUT_MS = 2000;
// A call's own deadline plus room for timers that fire late on a loaded 2-core machine: the
// claim is that calls are bounded, not that timers are punctual.
const CALL_BOUND_MS = 2 * CALL_TIMEOUT_MS + 1000;

interface Writer {
  readonly acked: Map<number, string>;
  readonly kvAcked: Map<string, string>;
  readonly slowestCallMs: () => number;
  readonly failures: () => number;
  stop(): Promise<void>;
}

/** Writes durably in a loop, retrying a failed write with the same idempotency key. */
function startWriter(bus: Bus, subject: string, kv?: Awaited<ReturnType<Bus['kv']>>): Writer {
  const acked = new Map<number, string>();
  const kvAcked = new Map<string, string>();
  let stopped = false;
  let slowest = 0;
  let failures = 0;
  const attempt = async (fn: () => Promise<void>): Promise<void> => {
    while (!stopped) {
      const t0 = Date.now();
      try {
        await fn();
        return;
      } catch (e) {
        assert.ok(isRavelError(e, 'UNAVAILABLE') || isRavelError(e, 'TIMEOUT'), `unexpected ${String(e)}`);
        failures++;
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        slowest = Math.max(slowest, Date.now() - t0);
      }
    }
  };
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const id = `m${i}`;
      await attempt(async () => {
        const ack = await bus.streams.publish(subject, bytes(id), { msgId: id });
        acked.set(ack.seq, id);
      });
      if (kv !== undefined) await attempt(async () => void (await kv.put(`k${i}`, bytes(id)), kvAcked.set(`k${i}`, id)));
    }
  })();
  return {
    acked,
    kvAcked,
    slowestCallMs: () => slowest,
    failures: () => failures,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function assertAllKept(bus: Bus, stream: string, w: Writer, kv?: Awaited<ReturnType<Bus['kv']>>): Promise<void> {
  for (const [seq, id] of w.acked) {
    const m = await bus.streams.get(stream, seq);
    assert.equal(m === undefined ? undefined : text(m.data), id, `acknowledged message ${id} at seq ${seq}`);
  }
  if (kv === undefined) return;
  for (const [key, id] of w.kvAcked) {
    const e = await kv.get(key);
    assert.equal(e === undefined ? undefined : text(e.value), id, `acknowledged key ${key}`);
  }
}

describe('NatsBus under server faults', () => {
  it('reconnects after a server restart mid-publish and keeps every acknowledged message', async (t) => {
    if (!needs(t, missingNats())) return;
    const servers = await startNats();
    const bus = await NatsBus.connect({ servers: [...servers.urls], replicas: 1, callTimeoutMs: CALL_TIMEOUT_MS });
    try {
      const s = uniq();
      await bus.streams.ensure({ name: s, subjects: [`${s}.>`], retention: 'limits' });
      bus.subscribe(`${s}ping`, (m) => bus.respond(m, bytes('pong')));
      const w = startWriter(bus, `${s}.events`);
      await waitFor('writes before the restart', () => w.acked.size >= 50);
      await servers.restart(0);
      const after = w.acked.size;
      await waitFor('writes after the restart', () => w.acked.size >= after + 50, 15_000);
      await w.stop();
      t.diagnostic(`acknowledged ${w.acked.size} + ${w.kvAcked.size} kv, ${w.failures()} calls failed and were retried, slowest ${w.slowestCallMs()} ms`);
      assert.ok(w.slowestCallMs() < CALL_BOUND_MS, `no call waited unbounded (slowest ${w.slowestCallMs()} ms)`);
      await assertAllKept(bus, s, w);
      const info = await bus.streams.info(s);
      assert.equal(info.messages, new Set(w.acked.values()).size, 'no duplicate stored for a retried msgId');
      await eventually('the responder is back', async () =>
        bus.request(`${s}ping`, bytes(''), { timeoutMs: 500 }).then((r) => text(r.data) === 'pong', () => false),
      );
    } finally {
      await bus.close();
      await servers.stop();
    }
  });

  it('a replay that follows a stream keeps following across a server restart, without gap or duplicate', async (t) => {
    if (!needs(t, missingNats())) return;
    const servers = await startNats();
    const bus = await NatsBus.connect({ servers: [...servers.urls], replicas: 1, callTimeoutMs: CALL_TIMEOUT_MS });
    const abort = new AbortController();
    try {
      const s = uniq();
      await bus.streams.ensure({ name: s, subjects: [`${s}.>`], retention: 'limits' });
      const seen: number[] = [];
      let failed: unknown;
      const following = (async () => {
        for await (const m of bus.streams.replay(s, { filterSubject: `${s}.>` }, abort.signal)) seen.push(m.seq);
      })().catch((e: unknown) => (failed = e));
      const w = startWriter(bus, `${s}.events`);
      await waitFor('followed before the restart', () => seen.length >= 50);
      await servers.restart(0);
      const after = w.acked.size;
      await waitFor('writes after the restart', () => w.acked.size >= after + 50, 15_000);
      await w.stop();
      const last = Math.max(...w.acked.keys());
      await waitFor('the follower caught up', () => failed !== undefined || seen.includes(last), 15_000);
      assert.equal(failed, undefined, `the replay ended with ${String(failed)}`);
      t.diagnostic(`followed ${seen.length} messages across the restart`);
      assert.deepEqual(seen, Array.from({ length: last }, (_, i) => i + 1), 'every stored message once, in order');
      abort.abort();
      await following;
    } finally {
      abort.abort();
      await bus.close();
      await servers.stop();
    }
  });

  it('loses no acknowledged write when the stream leader of a three-server cluster is killed', async (t) => {
    if (!needs(t, missingNats())) return;
    const servers = await startNats({ cluster: true });
    const bus = await NatsBus.connect({ servers: [...servers.urls], replicas: 3, callTimeoutMs: CALL_TIMEOUT_MS });
    const admin = await connect({ servers: [...servers.urls] });
    try {
      const s = uniq();
      await bus.streams.ensure({ name: s, subjects: [`${s}.>`], retention: 'limits' });
      const kv = await bus.kv(uniq());
      const w = startWriter(bus, `${s}.events`, kv);
      await waitFor('writes before the kill', () => w.acked.size >= 100);
      const leader = (await (await admin.jetstreamManager()).streams.info(s)).cluster?.leader;
      const victim = servers.specs.findIndex((spec) => spec.name === leader);
      assert.ok(victim >= 0, `stream leader ${leader} is one of ours`);
      await servers.kill(victim);
      const after = w.acked.size;
      await waitFor('writes after the kill', () => w.acked.size >= after + 100, 30_000);
      await w.stop();
      t.diagnostic(`acknowledged ${w.acked.size} + ${w.kvAcked.size} kv, ${w.failures()} calls failed and were retried, slowest ${w.slowestCallMs()} ms`);
      assert.ok(w.slowestCallMs() < CALL_BOUND_MS, `no call waited unbounded (slowest ${w.slowestCallMs()} ms)`);
      await assertAllKept(bus, s, w, kv);
    } finally {
      await admin.close();
      await bus.close();
      await servers.stop();
    }
  });
});
