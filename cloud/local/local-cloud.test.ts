import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EmbeddedBus } from '../../bus/embedded/embedded-bus.ts';
import type { NatsBus } from '../../bus/nats/nats-bus.ts';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { isRavelError } from '../../core/errors.ts';
import { connectAgentBus } from '../../hvx/agent/agent-connection.ts';
import { SimFleet } from '../../hvx/fleet/sim-fleet.ts';
import { onHeartbeats } from '../../hvx/host-events.ts';
import { hostPermissions, hostUser } from '../../hvx/host-permissions.ts';
import { ensureHvxStreams } from '../../hvx/host-provisioning.ts';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { missingNats, needs, projectRoot } from '../../test/harness/requirements.ts';
import { cloudProviderConformance, conformanceRegions } from '../cloud-provider.conformance.ts';
import { compileRegions } from '../regions.ts';
import { FleetLauncher } from './fleet-launcher.ts';
import { LocalCloud } from './local-cloud.ts';
import { ProcessLauncher } from './process-launcher.ts';

cloudProviderConformance('local, in-process sim fleet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-cloud-'));
  const bus = new EmbeddedBus({ dir, clock: systemClock });
  await ensureHvxStreams(bus);
  const clock = new ManualClock();
  const fleet = new SimFleet({
    buses: [bus],
    clock,
    capacity: { cpus: 64, memoryMb: 262144 },
    timing: { bootMs: 1000, shutdownMs: 500, jitterMs: 0, seed: 1 },
    heartbeatMs: 5000,
  });
  const heard = new Set<string>();
  onHeartbeats(bus, (hb) => heard.add(hb.host));
  const cloud = new LocalCloud({
    regions: conformanceRegions,
    bus,
    launcher: new FleetLauncher(fleet),
    clock: systemClock,
  });
  return {
    cloud,
    heartbeating: (id) => heard.has(id),
    teardown: async () => {
      await cloud.close();
      await fleet.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// The same suite with `ravel hvx` processes on a NATS server with TLS and a user per host.
const hostIds = conformanceRegions.flatMap((r) =>
  Array.from({ length: 4 }, (_, i) => `${r.name}-${i + 1}`),
);
let servers: NatsServers | undefined;
let admin: NatsBus | undefined;
const skip = missingNats();
before(async () => {
  if (skip !== undefined) return;
  servers = await startNats({
    tls: true,
    users: [
      { user: 'admin', password: 'pw-admin' },
      ...hostIds.map((h) => ({
        user: hostUser(h),
        password: `pw-${h}`,
        permissions: hostPermissions(h),
      })),
    ],
  });
  const pki = servers.pki;
  assert.ok(pki !== undefined);
  admin = await connectAgentBus({
    host: 'admin',
    servers: servers.urls,
    user: 'admin',
    pass: 'pw-admin',
    tls: { caFile: pki.caFile, ...pki.client('admin') },
  });
  await ensureHvxStreams(admin);
});
after(async () => {
  await admin?.close();
  await servers?.stop();
});

cloudProviderConformance('local, ravel hvx processes on NATS with TLS', async (t) => {
  if (!needs(t, skip) || servers === undefined || admin === undefined) return undefined;
  const pki = servers.pki;
  assert.ok(pki !== undefined);
  const bus = admin;
  const heard = new Set<string>();
  const sub = onHeartbeats(bus, (hb) => heard.add(hb.host));
  const launcher = new ProcessLauncher({
    servers: servers.urls,
    projectRoot,
    credentials: (h) => ({
      user: hostUser(h),
      pass: `pw-${h}`,
      tls: { caFile: pki.caFile, ...pki.client(h) },
    }),
    extraArgs: ['--heartbeat-ms', '500'],
  });
  const cloud = new LocalCloud({ regions: conformanceRegions, bus, launcher, clock: systemClock });
  return {
    cloud,
    heartbeating: (id) => heard.has(id),
    teardown: async () => {
      await cloud.close();
      await sub.unsubscribe();
    },
  };
});

test('regions from configuration are checked: a bad value is CONFIG_INVALID with its path', () => {
  assert.equal(compileRegions(conformanceRegions).length, 2);
  assert.throws(
    () => compileRegions([{ ...conformanceRegions[0], pricePerCpuHour: -1 }]),
    (e: unknown) =>
      isRavelError(e, 'CONFIG_INVALID') && /pricePerCpuHour/.test((e as Error).message),
  );
  assert.throws(
    () => compileRegions([conformanceRegions[0], conformanceRegions[0]]),
    (e: unknown) => isRavelError(e, 'CONFIG_INVALID'),
  );
});
