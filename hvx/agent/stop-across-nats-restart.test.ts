/**
 * Stop commands sent while the NATS server restarts (issues #5/#7: a VM left STOPPING when its
 * expiration fell due at the restart of the chaos run). The chain from the control plane's
 * publish to the bridge's hand-over, on a real server: commands published (retried with their
 * id, as the application actor's reminder does) at many points of the restart window, the sim
 * fleet's agents taking them from their durable consumers and reporting, and the bridge
 * following HVX_EVENTS and telling a recording stand-in for the application actors. Every VM
 * must end stopped on its host and be reported stopped to its application, promptly.
 *
 * About 30 s. RAVEL_STOP_RESTART_ROUNDS=n runs more rounds (each one restart) by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActorMessage, ActorRef, ActorSender } from '../../actors/actor-kind.ts';
import { commandIdOf, hvxVmId } from '../../actors/kinds/application/application-host-commands.ts';
import { waitFor } from '../../bus/conformance/fixture.ts';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import { systemClock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { startNats } from '../../test/harness/nats.ts';
import { missingNats, needs } from '../../test/harness/requirements.ts';
import { HvxBridge } from '../bridge/hvx-bridge.ts';
import { SimFleet } from '../fleet/sim-fleet.ts';
import { specOf } from '../hypervisor.conformance.ts';
import { ensureHvxStreams, sendCommand } from '../host-provisioning.ts';
import type { HvxCommand } from '../protocol.ts';

const HOSTS = ['s0', 's1', 's2'];
const VMS_PER_HOST = 8;
const ROUNDS = Number(process.env['RAVEL_STOP_RESTART_ROUNDS'] ?? '4');
/**
 * Shutdowns take 0.2 to 0.6 s and NATS is back in well under a second, so 10 s is slack for a
 * loaded machine, yet well short of the fleet's 30 s call timeout: a report or result whose
 * answer the restart lost must be retried at the reconnection, not when that timeout runs out.
 */
const STOPPED_WITHIN_MS = 10_000;

/** Stands in for the application actors: the last state each VM was reported in, by HVX VM id. */
class ReportedStates implements ActorSender {
  readonly state = new Map<string, string>();
  async ask<R, M extends ActorMessage = ActorMessage>(ref: ActorRef, msg: M): Promise<R> {
    const m = msg as unknown as { type: string; vmKey?: string; state?: string };
    if (m.type === 'hostStatus' && m.vmKey !== undefined && m.state !== undefined) this.state.set(hvxVmId(Number(ref.id), m.vmKey), m.state);
    return null as R;
  }
  tell(): Promise<void> {
    return Promise.reject(new RavelError('INTERNAL', 'the bridge asks'));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Publishes until stored, with the same id each time: what the host-commands reminder does. */
async function sendUntilStored(bus: NatsBus, c: HvxCommand): Promise<void> {
  for (;;) {
    try {
      await sendCommand(bus, c);
      return;
    } catch {
      await sleep(100);
    }
  }
}

test('stop commands published across a NATS restart: every VM stops and is reported stopped', async (t) => {
  if (!needs(t, missingNats())) return;
  const servers = await startNats();
  // The timeouts of the cluster bench: a node's bus 5 s, the fleet's 30 s.
  const control = await NatsBus.connect({ servers: [...servers.urls], replicas: 1, name: 'control', callTimeoutMs: 5000 });
  const fleetBus = await NatsBus.connect({ servers: [...servers.urls], replicas: 1, name: 'fleet', callTimeoutMs: 30_000 });
  await ensureHvxStreams(control);
  const fleet = new SimFleet({
    buses: [fleetBus],
    clock: systemClock,
    capacity: { cpus: 64, memoryMb: 65_536 },
    timing: { bootMs: 100, shutdownMs: 400, jitterMs: 200, seed: 7 },
    heartbeatMs: 2000,
    provision: true,
  });
  const actors = new ReportedStates();
  const bridge = new HvxBridge({ bus: control, actors, clock: systemClock });
  try {
    for (const h of HOSTS) await fleet.add(h);
    await bridge.start();
    // One application per VM, as in the chaos run; VM key 100.
    const vms = HOSTS.flatMap((host, i) => Array.from({ length: VMS_PER_HOST }, (_, j) => ({ host, app: 1 + i * VMS_PER_HOST + j, key: '100' })));
    const vmId = (v: (typeof vms)[number]): string => hvxVmId(v.app, v.key);
    let gen = 0;
    const command = (v: (typeof vms)[number], kind: 'start' | 'shutdown'): HvxCommand => ({ id: commandIdOf(v.app, v.key, kind, gen), host: v.host, issuedAt: Date.now(), kind, vmId: vmId(v) });
    gen++;
    for (const v of vms) await sendCommand(control, { id: commandIdOf(v.app, v.key, 'define', gen), host: v.host, issuedAt: Date.now(), kind: 'define', spec: specOf(vmId(v)) });
    const allIn = (state: string) => () => vms.every((v) => actors.state.get(vmId(v)) === state);
    const hostState = (v: (typeof vms)[number]): string | undefined => fleet.get(v.host)?.hypervisor.get(vmId(v))?.state;

    for (let round = 0; round < ROUNDS; round++) {
      gen++;
      await Promise.all(vms.map((v) => sendUntilStored(control, command(v, 'start'))));
      const t0 = Date.now();
      await waitFor(`round ${round}: every VM reported running`, allIn('running'), 40_000);
      t.diagnostic(`round ${round}: running after ${Date.now() - t0} ms`);
      gen++;
      // The stops go out one every few ms over a window that the restart falls into at a
      // different point each round, so some are published before, during and after it.
      const spacingMs = 8 + round * 4;
      const restartAfterMs = ((round % 4) * vms.length * spacingMs) / 4;
      const restart = sleep(restartAfterMs).then(() => servers.restart(0));
      await Promise.all(vms.map((v, i) => sleep(i * spacingMs).then(() => sendUntilStored(control, command(v, 'shutdown')))));
      await restart;
      const t1 = Date.now();
      try {
        await waitFor(`round ${round}: every VM reported stopped`, allIn('stopped'), STOPPED_WITHIN_MS);
      } catch (e) {
        const stuck = vms.filter((v) => actors.state.get(vmId(v)) !== 'stopped').map((v) => `${vmId(v)}@${v.host}: reported ${actors.state.get(vmId(v))}, on host ${hostState(v)}`);
        const pending = HOSTS.map((h) => `${h}: ${JSON.stringify(fleet.get(h)?.agent.unreported)}`);
        assert.fail(`${String(e)}\nnot reported stopped: ${stuck.join('; ')}\nunreported: ${pending.join('; ')}`);
      }
      t.diagnostic(`round ${round}: stopped ${Date.now() - t1} ms after the restart`);
      for (const v of vms) assert.equal(hostState(v), 'stopped', `${vmId(v)} stopped on its host`);
    }
  } finally {
    await bridge.stop();
    await fleet.stop();
    await fleetBus.close();
    await control.close();
    await servers.stop();
  }
});
