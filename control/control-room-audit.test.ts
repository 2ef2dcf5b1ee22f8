/**
 * The room audit (actors/kinds/hvx-host/room-audit.ts): room reserved on a host for VMs their
 * application does not place there (a turn dropped after its placement and never retried, an
 * application deleted meanwhile) is given back once older than the audit's grace; room the
 * application holds is kept, and so is a leftover younger than the grace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hvxHostRef, type HvxHostMsg } from '../actors/kinds/hvx-host/hvx-host-kind.ts';
import { AUDIT_EVERY_MS, AUDIT_GRACE_MS } from '../actors/kinds/hvx-host/room-audit.ts';
import type { HostState } from '../domain/host/host-model.ts';
import { HOST_CAPACITY } from './testing/control-harness.ts';
import { withStartedApp } from './testing/control-fixtures.ts';
import { allVms } from './testing/deployment-helpers.ts';

test('room reserved for VMs no application places on the host is given back after the grace; the room of placed VMs is kept', async () => {
  await withStartedApp([1], async ({ h, p, app }) => {
    const host = async (): Promise<HostState> => {
      const got = await h.run(h.system.ask<HostState | null, HvxHostMsg>(hvxHostRef('h1'), { type: 'get' }));
      assert.ok(got !== null, 'h1 is registered');
      return got;
    };
    const reserved = async (): Promise<string[]> => (await host()).vms.map((v) => `${v.applicationId}:${v.vmKey}`).sort();
    const placed = await reserved();
    assert.deepEqual(placed, [`${app.id}:100`], 'the started VM holds its room');

    // What a dropped turn leaves: room for a VM of this application it never placed here, and
    // for a VM of an application that is gone (never created, as after its deletion).
    const orphan = (applicationId: number, vmKey: string): HvxHostMsg => ({ type: 'reserve', applicationId, vmKey, cpus: 1, memoryMb: 512 });
    await h.run(h.system.ask(hvxHostRef('h1'), orphan(app.id, '900')));
    await h.run(h.system.ask(hvxHostRef('h1'), orphan(987_654, '100')));
    assert.deepEqual(await reserved(), [`${app.id}:100`, `${app.id}:900`, '987654:100'].sort());

    // Audits within the grace spare them: they may be a turn's that has not committed yet.
    await h.tc.advance(AUDIT_GRACE_MS - 2 * AUDIT_EVERY_MS, 5000);
    assert.equal((await reserved()).length, 3, 'younger than the grace: kept');

    // The audit that finds them old enough asks their applications with a deadline of its own
    // (AUDIT_ASK_MS): the clock moves in small steps around it, as real time would, or one step
    // could pass the deadline before an application (passivated, read back from the store) answers.
    await h.tc.advance(2 * AUDIT_EVERY_MS - 60_000, 5000);
    await h.tc.advance(AUDIT_EVERY_MS + 120_000, 250);
    assert.deepEqual(await reserved(), placed, 'given back; the placed VM keeps its room');
    const free = (await host()).vms.reduce((n, v) => n - v.cpus, HOST_CAPACITY.cpus);
    assert.equal(free, HOST_CAPACITY.cpus - 2, 'only the placed VM’s room is held');
    await allVms(h, p, app.id, 'STARTED');
  });
});
