import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RavelError } from '../../core/errors.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import type { EventRecord } from '../../domain/events.ts';
import type { Application } from '../../domain/schemas/index.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import type { ControlPrincipal } from '../auth/control-authenticator.ts';
import { controlSnapshots } from './control-snapshots.ts';

const principal: ControlPrincipal = {
  id: 'user-1-2',
  tenantId: '1',
  operator: false,
  via: 'session',
  control: { kind: 'user', organizationId: 1, userId: 2, roles: ['ORGANIZATION_ADMIN'], groupPermissions: [] },
};

const deployed: Application = {
  id: 10,
  name: 'web',
  published: true,
  nextStopTime: 5000,
  design: { vms: [sampleVm(1)] },
  deployment: {
    vms: [{ ...sampleVm(1, { id: 2n ** 63n }), state: 'STARTED', hostId: 'host-a' }],
    regionName: 'us-east-1',
    optimizationLevel: 'COST_OPTIMIZED',
    totalActiveVms: 1,
  },
};
const draft: Application = { id: 11, name: 'draft', published: false, design: { vms: [sampleVm(2)] } };
const record = (sequence: number): EventRecord => ({
  sequence,
  tenantId: 1,
  time: sequence,
  principal: { kind: 'system' },
  name: 'APPLICATION_UPDATED',
  subjects: [],
  details: {},
});

/** A control plane with only the three reads a snapshot makes, counting the list calls. */
function fakeControl(): { control: ControlPlane; lists: () => number } {
  let lists = 0;
  const apps = new Map([deployed, draft].map((a) => [a.id, a]));
  const reads = {
    listApplications: async () => {
      lists++;
      await new Promise((r) => setTimeout(r, 5));
      return [10, 11, 12].map((id) => ({ id, name: `a${id}`, published: false, deployment: { totalActiveVms: 0 } }));
    },
    getApplication: async (_p: unknown, id: number) => {
      const a = apps.get(id);
      if (a === undefined) throw new RavelError('NOT_FOUND', `application ${id}`); // deleted after the list
      return a;
    },
    searchNotifications: async () => ({ notifications: [record(9), record(7), record(8)] }),
  };
  return { control: reads as unknown as ControlPlane, lists: () => lists };
}

test('a snapshot: applications with VM states and string keys, their hosts, events up to its sequence oldest first; one read for clients arriving together', async () => {
  const { control, lists } = fakeControl();
  const source = controlSnapshots(control);
  const [a, b] = await Promise.all([source.snapshot(principal, 8), source.snapshot(principal, 8)]);
  assert.equal(lists(), 1, 'shared');
  assert.strictEqual(a, b);
  assert.deepEqual(a, {
    seq: 8,
    applications: [
      {
        id: 10,
        name: 'web',
        published: true,
        nextStopTime: 5000,
        region: 'us-east-1',
        vms: [{ key: '9223372036854775808', id: 2n ** 63n, name: 'vm1', state: 'STARTED', hostId: 'host-a' }],
      },
      { id: 11, name: 'draft', published: false, vms: [{ key: '200', id: 200, name: 'vm2' }] },
    ],
    hosts: [{ hostId: 'host-a', region: 'us-east-1' }],
    events: [record(7), record(8)],
  });
  await source.snapshot(principal, 8);
  assert.equal(lists(), 2, 'a later client reads again');
});
