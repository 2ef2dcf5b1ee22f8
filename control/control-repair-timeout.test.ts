/**
 * A repair whose placement answer is lost (the region placed the VMs and reserved their room,
 * but the application's ask timed out): the application cannot tell that from "no room", so it
 * has the region withdraw the placement key, giving back whatever room the key holds, and leaves
 * the VMs in ERROR with no host. Before, the room stayed held for nobody.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActorMessage, AnyActorKind } from '../actors/actor-kind.ts';
import { RavelError } from '../core/errors.ts';
import type { ControlHarness } from './testing/control-harness.ts';
import { HOST_CAPACITY, HOST_DEAD_AFTER_MS, REGION, operator } from './testing/control-harness.ts';
import { startedApp, withTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';
import { interceptApplicationAsks } from './testing/intercepted-asks.ts';
import { WITHDRAW_RETRY_MS } from '../actors/kinds/application/application-withdrawals.ts';

/** A region `place` that leaves a host out: a repair's. */
const isRepairPlace = (m: ActorMessage): boolean => m.type === 'place' && Array.isArray((m as { excludeHosts?: unknown }).excludeHosts);

/**
 * The region's answer to the application's first repair placement once `armed`, lost: the region
 * runs the placement to the end (room reserved, key remembered), the asker sees TIMEOUT.
 */
const losingRepairAnswer = (armed: { on: boolean; failWithdrawals?: number }): ((kinds: AnyActorKind[]) => AnyActorKind[]) =>
  interceptApplicationAsks(async (ask, ref, msg, options) => {
    if (ref.kind === 'region' && msg.type === 'withdrawPlacement' && (armed.failWithdrawals ?? 0) > 0) {
      armed.failWithdrawals = (armed.failWithdrawals ?? 0) - 1;
      throw new RavelError('UNAVAILABLE', 'the region cannot be reached');
    }
    const r = await ask(ref, msg, options);
    if (!armed.on || ref.kind !== 'region' || !isRepairPlace(msg)) return r;
    armed.on = false;
    throw new RavelError('TIMEOUT', 'the region’s answer was lost');
  });

async function freeCpus(h: ControlHarness, host: string): Promise<number | undefined> {
  return (await h.run(h.control.listHosts(operator, REGION))).find((x) => x.id === host)?.freeCpus;
}

test('a repair whose placement answer is lost holds no room for nobody; a later start places the VMs once', async () => {
  const armed = { on: false };
  await withTenant(
    async ({ h, p }) => {
      const app = await startedApp(h, p, [1, 2]);
      await h.addHost('h2');
      armed.on = true;
      await h.tc.drive(h.sim.silence('h1'));
      await h.tc.advance(HOST_DEAD_AFTER_MS + 5_000, 250);
      assert.equal(armed.on, false, 'the repair asked the region, which placed the VMs');
      await allVms(h, p, app.id, 'ERROR');
      const lost = await h.run(h.control.getApplication(p, app.id, 'deployment'));
      assert.deepEqual(lost.deployment?.vms.map((v) => v.hostId), [undefined, undefined], 'off the dead host, on none');
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus, 'no room held on h2 for VMs placed nowhere');

      // Stopped (given up), then started: placed anew on h2, each holding its room once.
      await h.run(h.control.stopApplication(p, app.id));
      await allVms(h, p, app.id, 'STOPPED');
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus);
      await h.run(h.control.startApplication(p, app.id));
      await allVms(h, p, app.id, 'STARTED');
      const started = await h.run(h.control.getApplication(p, app.id, 'deployment'));
      assert.deepEqual(started.deployment?.vms.map((v) => v.hostId), ['h2', 'h2']);
      assert.deepEqual(h.sim.hosts.get('h2')?.hv.list().map((v) => v.state), ['running', 'running']);
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus - 4, 'each VM holds its room once');
    },
    { deployment: true, wrapKinds: losingRepairAnswer(armed) },
    ['h1'],
  );
});

test('a withdrawal that fails too is tried again until the region answers: the room comes back', async () => {
  const armed = { on: false, failWithdrawals: 0 };
  await withTenant(
    async ({ h, p }) => {
      const app = await startedApp(h, p, [1, 2]);
      await h.addHost('h2');
      armed.on = true;
      armed.failWithdrawals = 2; // the repair's own try and the first retry
      await h.tc.drive(h.sim.silence('h1'));
      await h.tc.advance(HOST_DEAD_AFTER_MS + 5_000, 250);
      assert.equal(armed.on, false, 'the repair asked the region, which placed the VMs');
      await allVms(h, p, app.id, 'ERROR');
      assert.equal(armed.failWithdrawals, 1, 'the withdrawal failed once');
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus - 4, 'held for nobody, for now');

      await h.tc.advance(WITHDRAW_RETRY_MS + 1_000, 1_000);
      assert.equal(armed.failWithdrawals, 0, 'tried again after a minute, and failed again');
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus - 4);

      await h.tc.advance(WITHDRAW_RETRY_MS + 1_000, 1_000);
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus, 'withdrawn at the next try: the room is back');
    },
    { deployment: true, wrapKinds: losingRepairAnswer(armed) },
    ['h1'],
  );
});
