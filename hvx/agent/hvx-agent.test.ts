import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { waitFor } from '../../bus/conformance/fixture.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { encode } from '../../core/codec.ts';
import { SimHypervisor } from '../drivers/sim/sim-hypervisor.ts';
import { SimScheduler } from '../drivers/sim/sim-scheduler.ts';
import { specOf } from '../hypervisor.conformance.ts';
import { ensureHvxStreams, provisionHost, sendCommand } from '../host-provisioning.ts';
import { followHostEvents, onHeartbeats } from '../host-events.ts';
import { hvxSubjects, writeCommand, type CommandAction, type CommandResult, type Heartbeat, type HvxCommand, type VmStatus } from '../protocol.ts';
import { MemoryImages } from './agent-images.ts';
import { HvxAgent, REFUSALS_KEPT } from './hvx-agent.ts';

async function setup(t: TestContext, host = 'h1') {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-hvx-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  const clock = new ManualClock();
  const hv = new SimHypervisor(new SimScheduler(clock), { capacity: { cpus: 8, memoryMb: 16384 }, timing: { bootMs: 2000, shutdownMs: 1000, jitterMs: 0, seed: 1 } });
  const images = new MemoryImages();
  await ensureHvxStreams(bus);
  await provisionHost(bus, host);
  const results: CommandResult[] = [];
  const statuses: VmStatus[] = [];
  const beats: Heartbeat[] = [];
  const follow = new AbortController();
  const following = followHostEvents(bus, host, { onResult: (r) => results.push(r), onStatus: (x) => statuses.push(x) }, follow.signal);
  onHeartbeats(bus, (hb) => beats.push(hb));
  const agent = new HvxAgent({ host, bus, hypervisor: hv, images, clock, heartbeatMs: 5000 });
  await agent.start();
  t.after(async () => {
    follow.abort();
    await following;
    await agent.stop();
    await hv.close();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  const cmd = (c: CommandAction): HvxCommand => ({ id: `c${++n}`, host, issuedAt: clock.now(), ...c });
  return { bus, clock, hv, images, agent, results, statuses, beats, cmd };
}

test('commands are applied in order and each is answered; the VM reaches running and its changes are reported', async (t) => {
  const s = await setup(t);
  await sendCommand(s.bus, s.cmd({ kind: 'define', spec: specOf('vm1') }));
  await sendCommand(s.bus, s.cmd({ kind: 'start', vmId: 'vm1' }));
  await waitFor('two results', () => s.results.length === 2);
  assert.deepEqual(s.results.map((r) => r.ok && r.value), [
    { kind: 'vm', vmId: 'vm1', state: 'stopped' },
    { kind: 'vm', vmId: 'vm1', state: 'starting' },
  ]);
  assert.deepEqual(s.images.prepared, [{ tenant: 'acme', version: 'v1' }], 'the disk was read from the image store before boot');
  await s.clock.advance(2000);
  await waitFor('running reported', () => s.statuses.some((x) => x.state === 'running'));
  assert.deepEqual(s.statuses.map((x) => x.state), ['starting', 'running']);
});

test('a command sent twice is applied once, and the retry is answered with the first result', async (t) => {
  const s = await setup(t);
  const define = s.cmd({ kind: 'define', spec: specOf('vm1') });
  const start = s.cmd({ kind: 'start', vmId: 'vm1' });
  await sendCommand(s.bus, define);
  await sendCommand(s.bus, start);
  await waitFor('two results', () => s.results.length === 2);
  await s.clock.advance(2000);
  // Retried after the VM changed state: the answer is still the first one (starting), not running.
  await sendCommand(s.bus, start, { dedupe: false });
  await waitFor('three results', () => s.results.length === 3);
  assert.deepEqual(s.results[2], s.results[1]);
  assert.equal(s.agent.applied, 2);
  assert.equal(s.images.prepared.length, 1, 'the disk was not read twice');
});

test('heartbeats carry capacity and VM states, on the agent clock', async (t) => {
  const s = await setup(t);
  await waitFor('first heartbeat', () => s.beats.length === 1);
  await sendCommand(s.bus, s.cmd({ kind: 'define', spec: specOf('vm1', 2, 4096) }));
  await waitFor('result', () => s.results.length === 1);
  await s.clock.advance(5000);
  await waitFor('second heartbeat', () => s.beats.length === 2);
  const hb = s.beats[1];
  assert.equal(hb?.seq, 1);
  assert.deepEqual(hb?.capacity, { total: { cpus: 8, memoryMb: 16384 }, used: { cpus: 2, memoryMb: 4096 }, vms: 1 });
  assert.deepEqual(hb?.vms.map((v) => [v.id, v.state]), [['vm1', 'stopped']]);
  await s.clock.advance(4999);
  assert.equal(s.beats.length, 2);
});

test('a malformed command and one forged for another host are refused with typed errors and change nothing', async (t) => {
  const s = await setup(t);
  await s.bus.streams.publish(hvxSubjects.command('h1'), new Uint8Array([0xc1, 0xff]));
  await s.bus.streams.publish(hvxSubjects.command('h1'), encode({ id: 'x1', host: 'h1', issuedAt: 0, kind: 'start', vmId: 'vm 1' }));
  await s.bus.streams.publish(hvxSubjects.command('h1'), encode({ id: 'x2', host: 'h1', issuedAt: 0, kind: 'format-disk', vmId: 'vm1' }));
  // Well formed, but addressed to h2: it has no business on h1's queue.
  await s.bus.streams.publish(hvxSubjects.command('h1'), writeCommand({ id: 'x3', host: 'h2', issuedAt: 0, kind: 'define', spec: specOf('vm1') }));
  await waitFor('four refusals', () => s.agent.refusals.length === 4);
  assert.deepEqual(s.agent.refusals.map((r) => r.error.code), ['DECODE_FAILED', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'PERMISSION_DENIED']);
  assert.equal(s.hv.list().length, 0);
  assert.equal(s.results.length, 0);
  assert.equal(s.agent.applied, 0);
  // The queue moves on: a good command after them is applied.
  await sendCommand(s.bus, s.cmd({ kind: 'define', spec: specOf('vm1') }));
  await waitFor('result', () => s.results.length === 1);
});

test('an agent remembers its last refusals only: forged commands do not grow its memory', async (t) => {
  const s = await setup(t);
  const n = REFUSALS_KEPT + 3;
  for (let i = 0; i < n; i++) await s.bus.streams.publish(hvxSubjects.command('h1'), new Uint8Array([0xc1, i]));
  await waitFor('the last refusal', () => s.agent.refusals.at(-1)?.seq === n);
  assert.equal(s.agent.refusals.length, REFUSALS_KEPT);
  assert.equal(s.agent.refusals[0]?.seq, n - REFUSALS_KEPT + 1, 'the oldest went first');
});

test('a refused action is answered with its error code and leaves the VM as it was', async (t) => {
  const s = await setup(t);
  await sendCommand(s.bus, s.cmd({ kind: 'define', spec: specOf('vm1') }));
  await sendCommand(s.bus, s.cmd({ kind: 'start', vmId: 'vm1' }));
  await sendCommand(s.bus, s.cmd({ kind: 'shutdown', vmId: 'vm1' }));
  await sendCommand(s.bus, s.cmd({ kind: 'start', vmId: 'ghost' }));
  await waitFor('four results', () => s.results.length === 4);
  // Commands of different VMs run side by side: their results are matched by command id, not order.
  const codeOf = (id: string): string | false | undefined => s.results.map((r) => !r.ok && r.commandId === id && r.error.code).find((c) => c !== false);
  assert.deepEqual(['c3', 'c4'].map(codeOf), ['ILLEGAL_STATE', 'NOT_FOUND']);
  assert.equal(s.hv.get('vm1')?.state, 'starting');
});

test('a snapshot writes each disk\'s changed blocks to the image store and names the new versions', async (t) => {
  const s = await setup(t);
  await sendCommand(s.bus, s.cmd({ kind: 'define', spec: specOf('vm1') }));
  await sendCommand(s.bus, s.cmd({ kind: 'start', vmId: 'vm1' }));
  await waitFor('two results', () => s.results.length === 2);
  await s.clock.advance(2000);
  s.hv.write('vm1', 'd0', 3, new Uint8Array(65536).fill(7));
  await sendCommand(s.bus, s.cmd({ kind: 'snapshot', vmId: 'vm1' }));
  await waitFor('three results', () => s.results.length === 3);
  const r = s.results[2];
  assert.ok(r?.ok === true && r.value.kind === 'snapshot');
  assert.deepEqual(r.value.disks, [{ diskId: 'd0', image: 'img1', version: 'v1-s1', blocks: 1 }]);
  assert.deepEqual(s.images.snapshots, [{ tenant: 'acme', image: 'img1', base: 'v1', blocks: 1, version: 'v1-s1' }]);
});

test('a snapshot of a disk nothing wrote to writes no version and answers the one the VM started from', async (t) => {
  const s = await setup(t);
  await sendCommand(s.bus, s.cmd({ kind: 'define', spec: specOf('vm1') }));
  await sendCommand(s.bus, s.cmd({ kind: 'start', vmId: 'vm1' }));
  await waitFor('two results', () => s.results.length === 2);
  await s.clock.advance(2000);
  await sendCommand(s.bus, s.cmd({ kind: 'snapshot', vmId: 'vm1' }));
  await waitFor('three results', () => s.results.length === 3);
  const r = s.results[2];
  assert.ok(r?.ok === true && r.value.kind === 'snapshot');
  assert.deepEqual(r.value.disks, [{ diskId: 'd0', image: 'img1', version: 'v1', blocks: 0 }]);
  assert.deepEqual(s.images.snapshots, [], 'nothing written to the store');
});
