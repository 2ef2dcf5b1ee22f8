/**
 * A move whose placement ask fails in transit (UNAVAILABLE from the bus, not the region's "no
 * room"): the region may have placed the VM and reserved room for it. Before, the application
 * took any UNAVAILABLE for "no room elsewhere" and kept the VM on its host, and the room the
 * region reserved was held for nobody. Now the action is refused, and its retry (same outbox
 * sequence, same key) is answered the room the first try holds: the VM moves, holding room once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActorMessage, AnyActorKind } from '../actors/actor-kind.ts';
import { RavelError } from '../core/errors.ts';
import type { ControlHarness } from './testing/control-harness.ts';
import { HOST_CAPACITY, REGION, code, operator } from './testing/control-harness.ts';
import { startedApp, withTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';
import { interceptApplicationAsks } from './testing/intercepted-asks.ts';

/** A region `place` that leaves a host out: a move's. */
const isMovePlace = (m: ActorMessage): boolean => m.type === 'place' && Array.isArray((m as { excludeHosts?: unknown }).excludeHosts);

/** The application's next move placement (once `armed`) reaches the region, but its answer is lost as the bus would lose it. */
const losingMoveAnswer = (armed: { on: boolean }): ((kinds: AnyActorKind[]) => AnyActorKind[]) =>
  interceptApplicationAsks(async (ask, ref, msg, options) => {
    const r = await ask(ref, msg, options);
    if (!armed.on || ref.kind !== 'region' || !isMovePlace(msg)) return r;
    armed.on = false;
    throw new RavelError('UNAVAILABLE', 'the bus is not connected');
  });

async function freeCpus(h: ControlHarness, host: string): Promise<number | undefined> {
  return (await h.run(h.control.listHosts(operator, REGION))).find((x) => x.id === host)?.freeCpus;
}

test('a redeploy whose placement answer is lost in transit is refused, and its retry moves the VM into the room the first try holds', async () => {
  const armed = { on: false };
  await withTenant(
    async ({ h, p }) => {
      const app = await startedApp(h, p, [1]);
      await h.run(h.control.stopApplication(p, app.id));
      await allVms(h, p, app.id, 'STOPPED');
      await h.addHost('h2');
      const vmCpus = HOST_CAPACITY.cpus - ((await freeCpus(h, 'h1')) ?? 0);
      assert.ok(vmCpus > 0, 'the stopped VM holds room on h1');

      armed.on = true;
      await assert.rejects(h.run(h.control.vmsAction(p, app.id, [100], 'redeploy')), code('UNAVAILABLE'));
      assert.equal(armed.on, false, 'the region was asked, and placed the VM');
      const refused = await h.run(h.control.getApplication(p, app.id, 'deployment'));
      assert.deepEqual(refused.deployment?.vms.map((v) => v.hostId), ['h1'], 'nothing changed');
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus - vmCpus, 'h2 holds the room the lost answer gave');

      const moved = await h.run(h.control.vmsAction(p, app.id, [100], 'redeploy'));
      assert.deepEqual(moved.deployment?.vms.map((v) => v.hostId), ['h2'], 'the retry is answered the first try’s room');
      await allVms(h, p, app.id, 'STOPPED');
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus - vmCpus, 'held once');
      assert.equal(await freeCpus(h, 'h1'), HOST_CAPACITY.cpus, 'h1’s room given back');
    },
    { deployment: true, wrapKinds: losingMoveAnswer(armed) },
    ['h1'],
  );
});
