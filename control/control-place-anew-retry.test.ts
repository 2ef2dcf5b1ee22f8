/**
 * Starting VMs with no host places them anew in the region under a key the region remembers (a
 * retried turn is answered the room its first try holds). A start dropped after the region
 * answered (a crash before its commit) must not have a different start at the same point, say
 * of the whole application after one VM's, answered the first one's placement: the VMs it did
 * not name would be left with no host and the start refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActorMessage, AnyActorKind } from '../actors/actor-kind.ts';
import { RavelError } from '../core/errors.ts';
import type { ControlHarness } from './testing/control-harness.ts';
import { HOST_CAPACITY, HOST_DEAD_AFTER_MS, REGION, code, operator } from './testing/control-harness.ts';
import { startedApp, withTenant } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';
import type { ControlPlane } from './control-plane.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import type { Application } from '../domain/schemas/index.ts';

const isVmStart = (m: ActorMessage): boolean => m.type === 'vmAction' && (m as { action?: unknown }).action === 'start';

/**
 * The application kind, its first VM start once `armed` run to the end (the region answered)
 * and then failed, as a node crashing before the turn commits: the turn's state is dropped.
 */
function droppingFirstVmStart(armed: { on: boolean }): (kinds: AnyActorKind[]) => AnyActorKind[] {
  return (kinds) =>
    kinds.map((k): AnyActorKind => {
      if (k.name !== 'application') return k;
      return {
        ...k,
        async handle(ctx, msg) {
          const r = await k.handle(ctx, msg);
          if (!armed.on || !isVmStart(msg)) return r;
          armed.on = false;
          throw new RavelError('UNAVAILABLE', 'node lost before the turn committed');
        },
      };
    });
}

/**
 * Two VMs stopped and taken off their dead host; VM 100's start is dropped after placing it on
 * h2, then `again` starts both at the same outbox point: both are placed, booted and hold room.
 */
async function droppedThenWider(again: (c: ControlPlane, p: Principal, app: Application) => Promise<unknown>): Promise<void> {
  const armed = { on: false };
  await withTenant(
    async ({ h, p }) => {
      const app = await startedApp(h, p, [1, 2]);
      await h.run(h.control.stopApplication(p, app.id));
      await allVms(h, p, app.id, 'STOPPED');
      await h.tc.drive(h.sim.silence('h1'));
      await h.tc.advance(HOST_DEAD_AFTER_MS + 5_000, 250);
      const lost = await h.run(h.control.getApplication(p, app.id, 'deployment'));
      assert.deepEqual(lost.deployment?.vms.map((v) => [v.state, v.hostId]), [['STOPPED', undefined], ['STOPPED', undefined]], 'both off the dead host');

      await h.addHost('h2');
      armed.on = true;
      await assert.rejects(h.run(h.control.vmAction(p, app.id, 100, 'start')), code('UNAVAILABLE'));
      assert.equal(armed.on, false, 'the dropped turn ran (the region answered its placement)');
      const dropped = await h.run(h.control.getApplication(p, app.id, 'deployment'));
      assert.deepEqual(dropped.deployment?.vms.map((v) => [v.state, v.hostId]), [['STOPPED', undefined], ['STOPPED', undefined]], 'the dropped start changed nothing');

      await h.run(again(h.control, p, app));
      await allVms(h, p, app.id, 'STARTED');
      const started = await h.run(h.control.getApplication(p, app.id, 'deployment'));
      assert.deepEqual(started.deployment?.vms.map((v) => v.hostId), ['h2', 'h2'], 'both placed anew');
      assert.deepEqual(h.sim.hosts.get('h2')?.hv.list().map((v) => v.state), ['running', 'running']);
      assert.equal(await freeCpus(h, 'h2'), HOST_CAPACITY.cpus - 4, 'each VM holds its room once');
    },
    { deployment: true, wrapKinds: droppingFirstVmStart(armed) },
    ['h1'],
  );
}

async function freeCpus(h: ControlHarness, host: string): Promise<number | undefined> {
  return (await h.run(h.control.listHosts(operator, REGION))).find((x) => x.id === host)?.freeCpus;
}

test('a VM start dropped after placing, then the application started, places every VM anew', () => droppedThenWider((c, p, app) => c.startApplication(p, app.id)));

test('a VM start dropped after placing, then both VMs started by name, places both anew', () => droppedThenWider((c, p, app) => c.vmsAction(p, app.id, [100, 200], 'start')));
