/**
 * An agent holding many commands at once, on the embedded bus and the sim driver: commands of
 * different VMs overlap, those of one VM are applied in the order they were sent, defining and
 * undefining keep their order across VMs (room on the host), and neither a delivery repeated
 * while the first is in hand nor a redelivery after the agent died applies a command twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Bus, DurablePublishOptions, Streams, WorkMessage, WorkQueueOptions } from '../../bus/bus.ts';
import { settle, waitFor } from '../../bus/conformance/fixture.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import { ManualClock } from '../../core/clock.ts';
import { SimHypervisor } from '../drivers/sim/sim-hypervisor.ts';
import { SimScheduler } from '../drivers/sim/sim-scheduler.ts';
import { specOf } from '../hypervisor.conformance.ts';
import type { DiskSpec, PreparedDisk, VmSpec } from '../hypervisor.ts';
import { ensureHvxStreams, provisionHost, sendCommand } from '../host-provisioning.ts';
import { followHostEvents } from '../host-events.ts';
import { commandConsumer, hvxSubjects, type CommandAction, type CommandResult, type HvxCommand } from '../protocol.ts';
import { MemoryImages } from './agent-images.ts';
import { MemoryLedger } from './applied-ledger.ts';
import { HvxAgent } from './hvx-agent.ts';

const HOST = 'h1';
const ACK_WAIT_MS = commandConsumer(HOST).ackWaitMs;

/** A VM whose one disk is an image of its own, so a test can hold up that VM's boot alone. */
const vmSpec = (id: string, cpus = 1): VmSpec => ({ ...specOf(id, cpus), disks: [{ id: 'd0', image: `img-${id}`, version: 'v1' }] });

/** A sim hypervisor that logs each action it is asked, by VM, in the order asked. */
class LoggedHypervisor extends SimHypervisor {
  readonly calls = new Map<string, string[]>();
  private note(vmId: string, action: string): void {
    this.calls.set(vmId, [...(this.calls.get(vmId) ?? []), action]);
  }
  override async define(spec: VmSpec): Promise<void> {
    this.note(spec.id, 'define');
    return super.define(spec);
  }
  override async undefine(vmId: string): Promise<void> {
    this.note(vmId, 'undefine');
    return super.undefine(vmId);
  }
  override async start(vmId: string, disks: readonly PreparedDisk[]): Promise<void> {
    this.note(vmId, 'start');
    return super.start(vmId, disks);
  }
  override async powerOff(vmId: string): Promise<void> {
    this.note(vmId, 'powerOff');
    return super.powerOff(vmId);
  }
}

/** Disk reads that a test can hold up per image, and that take a few ms otherwise; counts reads at once. */
class SlowImages extends MemoryImages {
  private readonly gates = new Map<string, Promise<void>>();
  /** Disk reads under way now, and the most there were at once. */
  reading = 0;
  mostAtOnce = 0;
  private seed = 7;

  hold(image: string): () => void {
    let open!: () => void;
    this.gates.set(image, new Promise<void>((r) => (open = r)));
    return () => {
      this.gates.delete(image);
      open();
    };
  }

  override async prepare(tenant: string, disk: DiskSpec): Promise<PreparedDisk> {
    this.reading++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.reading);
    try {
      this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
      await new Promise((r) => setTimeout(r, this.seed % 6));
      await this.gates.get(disk.image);
      return await super.prepare(tenant, disk);
    } finally {
      this.reading--;
    }
  }
}

interface Host {
  readonly bus: EmbeddedBus;
  readonly busClock: ManualClock;
  readonly hv: LoggedHypervisor;
  readonly images: SlowImages;
  readonly ledger: MemoryLedger;
  readonly results: CommandResult[];
  readonly send: (vmId: string, action: CommandAction) => Promise<HvxCommand>;
  readonly startAgent: (bus: Bus, images: SlowImages) => Promise<HvxAgent>;
  readonly reopenBus: () => Promise<EmbeddedBus>;
  /** An agent that died: never stopped (what it had in hand never finishes). */
  readonly abandon: (agent: HvxAgent) => void;
}

async function setup(t: TestContext, capacity = { cpus: 64, memoryMb: 262_144 }): Promise<Host> {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-hvx-lanes-'));
  // The bus's clock moves by hand, so ack waits pass when the test says.
  const busClock = new ManualClock();
  const hvClock = new ManualClock();
  let bus = new EmbeddedBus({ dir, clock: busClock });
  await ensureHvxStreams(bus);
  await provisionHost(bus, HOST);
  const hv = new LoggedHypervisor(new SimScheduler(hvClock), { capacity, timing: { bootMs: 1000, shutdownMs: 500, jitterMs: 0, seed: 1 } });
  const images = new SlowImages();
  const ledger = new MemoryLedger();
  const results: CommandResult[] = [];
  let follow = new AbortController();
  let following = followHostEvents(bus, HOST, { onResult: (r) => results.push(r) }, follow.signal);
  const agents: HvxAgent[] = [];
  t.after(async () => {
    follow.abort();
    await following;
    await Promise.all(agents.map((a) => a.stop()));
    await hv.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  return {
    get bus() {
      return bus;
    },
    busClock,
    hv,
    images,
    ledger,
    results,
    send: async (vmId, action) => {
      const c: HvxCommand = { id: `${vmId}-c${++n}`, host: HOST, issuedAt: 0, ...action };
      await sendCommand(bus, c);
      return c;
    },
    startAgent: async (on, withImages) => {
      const agent = new HvxAgent({ host: HOST, bus: on, hypervisor: hv, images: withImages, ledger, clock: hvClock, heartbeats: 'external' });
      await agent.start();
      agents.push(agent);
      return agent;
    },
    // What the host finds after its agent died: the same stream store, reopened; results followed anew.
    reopenBus: async () => {
      follow.abort();
      await following;
      await bus.close();
      bus = new EmbeddedBus({ dir, clock: busClock });
      await ensureHvxStreams(bus);
      results.length = 0;
      follow = new AbortController();
      following = followHostEvents(bus, HOST, { onResult: (r) => results.push(r) }, follow.signal);
      return bus;
    },
    abandon: (agent) => void agents.splice(agents.indexOf(agent), 1),
  };
}

const resultsOf = (h: Host, vmId: string): string[] =>
  h.results.filter((r) => r.commandId.startsWith(`${vmId}-`)).map((r) => (r.ok ? (r.value.kind === 'vm' ? r.value.state : 'snapshot') : r.error.code));

/** Each step succeeds, and answers this state, only when applied after the one before it. */
const cycle: ReadonlyArray<[string, (vmId: string) => CommandAction]> = [
  ['stopped', (vmId) => ({ kind: 'define', spec: vmSpec(vmId) })],
  ['starting', (vmId) => ({ kind: 'start', vmId })],
  ['stopped', (vmId) => ({ kind: 'powerOff', vmId })],
  ['starting', (vmId) => ({ kind: 'start', vmId })],
  ['stopped', (vmId) => ({ kind: 'powerOff', vmId })],
];
const cycleCalls = ['define', 'start', 'powerOff', 'start', 'powerOff'];

test('commands of different VMs overlap while each VM\'s are applied in the order sent', async (t) => {
  const h = await setup(t);
  const vms = Array.from({ length: 12 }, (_, i) => `v${i}`);
  const releaseV0 = h.images.hold('img-v0');
  const agent = await h.startAgent(h.bus, h.images);
  // Interleaved on the queue: every VM's first step, then every VM's second, and so on.
  for (const [, action] of cycle) for (const vm of vms) await h.send(vm, action(vm));

  await waitFor('every VM but v0 through its cycle', () => vms.slice(1).every((vm) => resultsOf(h, vm).length === cycle.length), 20_000);
  assert.deepEqual(resultsOf(h, 'v0'), ['stopped'], 'v0 is held in its first boot: nothing of v0 after it has been applied');
  assert.deepEqual(h.hv.calls.get('v0'), ['define']);
  assert.ok(h.images.mostAtOnce > 1, `disk reads overlapped (${h.images.mostAtOnce} at once)`);

  releaseV0();
  await waitFor('v0 through its cycle', () => resultsOf(h, 'v0').length === cycle.length, 20_000);
  for (const vm of vms) {
    assert.deepEqual(resultsOf(h, vm), cycle.map(([state]) => state), `results of ${vm}`);
    assert.deepEqual(h.hv.calls.get(vm), cycleCalls, `actions on ${vm}`);
  }
  assert.equal(agent.applied, vms.length * cycle.length);
});

test('a define waits for an undefine sent before it, even of another VM: the room it needs is freed first', async (t) => {
  // Room for one VM of 2 CPUs: b fits only once a is gone.
  const h = await setup(t, { cpus: 2, memoryMb: 4096 });
  const release = h.images.hold('img-a');
  await h.startAgent(h.bus, h.images);
  await h.send('a', { kind: 'define', spec: vmSpec('a', 2) });
  await h.send('a', { kind: 'start', vmId: 'a' });
  await h.send('a', { kind: 'powerOff', vmId: 'a' });
  await h.send('a', { kind: 'undefine', vmId: 'a' });
  await h.send('b', { kind: 'define', spec: vmSpec('b', 2) });
  await waitFor('a defined', () => resultsOf(h, 'a').length === 1);
  await settle(100);
  assert.deepEqual(resultsOf(h, 'b'), [], 'b waits behind a\'s undefine');
  release();
  await waitFor('b defined', () => resultsOf(h, 'b').length === 1);
  assert.deepEqual(resultsOf(h, 'a'), ['stopped', 'starting', 'stopped', 'undefined']);
  assert.deepEqual(resultsOf(h, 'b'), ['stopped'], 'b fit');
});

test('a command delivered again while it waits behind its VM\'s earlier one is applied once', async (t) => {
  const h = await setup(t);
  const release = h.images.hold('img-v0');
  const deliveries: number[] = [];
  const agent = await h.startAgent(tapped(h.bus, { onDelivery: (count) => deliveries.push(count) }), h.images);
  for (const [, action] of cycle) await h.send('v0', action('v0'));
  await waitFor('v0 defined', () => resultsOf(h, 'v0').length === 1);
  await waitFor('v0 boot held', () => h.images.reading === 1);
  // Past the ack wait: the bus hands every v0 command in hand out again, to this same agent.
  await h.busClock.advance(ACK_WAIT_MS + 1);
  await waitFor('the four waiting commands delivered again', () => deliveries.filter((d) => d > 1).length === 4);
  release();
  await waitFor('v0 through its cycle', () => resultsOf(h, 'v0').length >= cycle.length);
  await settle(100);
  assert.deepEqual(resultsOf(h, 'v0'), cycle.map(([state]) => state), 'one result per command');
  assert.deepEqual(h.hv.calls.get('v0'), cycleCalls, 'each applied once, in order');
  assert.equal(agent.applied, cycle.length);
});

test('after the agent dies with commands in hand, a new one applies what was left once and in order', async (t) => {
  const h = await setup(t);
  // The first agent dies: v0 in the middle of its second boot, v1 after applying its first
  // powerOff but before its result was stored (so it was never acknowledged).
  const dyingImages = new SlowImages();
  dyingImages.hold('img-v0');
  // Sent as: defines c1-c3, first starts c4-c6, first powerOffs c7-c9 (v1's is c8), and so on.
  const first = await h.startAgent(tapped(h.bus, { stallResultOf: 'v1-c8' }), dyingImages);
  for (const [, action] of cycle) for (const vm of ['v0', 'v1', 'v2']) await h.send(vm, action(vm));
  await waitFor('v2 through its cycle', () => resultsOf(h, 'v2').length === cycle.length, 20_000);
  await waitFor('v1 powered off, its result stalled', () => h.hv.calls.get('v1')?.length === 3);
  assert.deepEqual(resultsOf(h, 'v1'), ['stopped', 'starting']);
  assert.deepEqual(h.hv.calls.get('v0'), ['define']);
  const appliedBefore = first.applied;
  h.abandon(first);

  // The host comes back: the same store and VMs, a new agent with the applied ledger kept on disk.
  const bus = await h.reopenBus();
  const second = await h.startAgent(bus, new SlowImages());
  // The new consumer arms its wake-up for the redeliveries (after a write) before time moves on.
  await waitFor('redelivery armed', () => h.busClock.pendingTimers() > 0);
  await h.busClock.advance(ACK_WAIT_MS + 1);
  for (const vm of ['v0', 'v1', 'v2']) await waitFor(`${vm} through its cycle`, () => resultsOf(h, vm).length >= cycle.length, 20_000);
  await settle(100);
  for (const vm of ['v0', 'v1', 'v2']) {
    assert.deepEqual(resultsOf(h, vm), cycle.map(([state]) => state), `results of ${vm}`);
    assert.deepEqual(h.hv.calls.get(vm), cycleCalls, `actions on ${vm}: each once, in order`);
  }
  assert.equal(appliedBefore + second.applied, 3 * cycle.length, 'no command applied twice');
});

interface Taps {
  /** Each delivery to the agent, with its delivery count. */
  readonly onDelivery?: (deliveryCount: number) => void;
  /** This command's result is never stored: the agent dies right there. */
  readonly stallResultOf?: string;
}

/** The agent's bus, watched or broken as `taps` say. */
function tapped(bus: Bus, taps: Taps): Bus {
  const bound = <T extends object>(target: T, prop: string | symbol): unknown => {
    const value: unknown = Reflect.get(target, prop, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const streams: Streams = new Proxy(bus.streams, {
    get(target, prop) {
      if (prop === 'consume') {
        return (stream: string, options: WorkQueueOptions, handler: (m: WorkMessage) => Promise<void>) =>
          target.consume(stream, options, (m) => (taps.onDelivery?.(m.deliveryCount), handler(m)));
      }
      if (prop === 'publish') {
        return (subject: string, data: Uint8Array, options?: DurablePublishOptions) =>
          taps.stallResultOf !== undefined && subject === hvxSubjects.result(HOST) && new TextDecoder().decode(data).includes(taps.stallResultOf)
            ? new Promise<never>(() => undefined)
            : target.publish(subject, data, options);
      }
      return bound(target, prop);
    },
  });
  return new Proxy(bus, { get: (target, prop) => (prop === 'streams' ? streams : bound(target, prop)) });
}
