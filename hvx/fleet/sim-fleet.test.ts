import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../../bus/conformance/fixture.ts';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { specOf } from '../hypervisor.conformance.ts';
import { onHeartbeats } from '../host-events.ts';
import { ensureHvxStreams, sendCommand } from '../host-provisioning.ts';
import { SimFleet } from './sim-fleet.ts';

test('a fleet of 2,000 sim hosts in one process starts, heartbeats every interval, and runs VMs (memory and CPU per host printed)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-fleet-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  const clock = new ManualClock();
  const fleet = new SimFleet({
    buses: [bus],
    clock,
    capacity: { cpus: 32, memoryMb: 131072 },
    timing: { bootMs: 3000, shutdownMs: 1000, jitterMs: 500, seed: 1 },
    heartbeatMs: 5000,
    provision: true,
  });
  try {
    await ensureHvxStreams(bus);
    const seen = new Map<string, number>();
    onHeartbeats(bus, (hb) => seen.set(hb.host, (seen.get(hb.host) ?? 0) + 1));
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = process.cpuUsage();
    const w0 = Date.now();
    for (let i = 0; i < 2000; i++) await fleet.add(`f${i}`);
    const startMs = Date.now() - w0;
    const startCpu = process.cpuUsage(t0);
    await waitFor('a first heartbeat from every host', () => seen.size === 2000, 20_000);

    const t1 = process.cpuUsage();
    for (let k = 0; k < 20; k++) await clock.advance(250);
    await waitFor('a second heartbeat from every host', () => [...seen.values()].every((n) => n >= 2), 20_000);
    const beatCpu = process.cpuUsage(t1);
    global.gc?.();
    const heapPerHost = (process.memoryUsage().heapUsed - heap0) / 2000;

    await sendCommand(bus, { id: 'c1', host: 'f1234', issuedAt: 0, kind: 'define', spec: specOf('vm1') });
    await sendCommand(bus, { id: 'c2', host: 'f1234', issuedAt: 0, kind: 'start', vmId: 'vm1' });
    await waitFor('the VM starting', () => fleet.get('f1234')?.hypervisor.get('vm1')?.state === 'starting', 10_000);
    await clock.advance(3500);
    assert.equal(fleet.get('f1234')?.hypervisor.get('vm1')?.state, 'running');

    const figures = {
      hosts: 2000,
      startMs,
      startCpuMsPerHost: +((startCpu.user + startCpu.system) / 1000 / 2000).toFixed(3),
      heartbeatRoundCpuMsPerHost: +((beatCpu.user + beatCpu.system) / 1000 / 2000).toFixed(3),
      heapBytesPerHost: Math.round(heapPerHost),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
    };
    console.log(`# sim fleet: ${JSON.stringify(figures)}`);
  } finally {
    await fleet.stop();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
