import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import type { Application } from '../../domain/schemas/index.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import type { Permission } from '../../domain/schemas/index.ts';
import type { ControlPrincipal } from '../auth/control-authenticator.ts';
import type { Principal } from '../http/route.ts';
import { controlSnapshots } from './control-snapshots.ts';
import { filterSees, type LiveEvent } from './live-events.ts';

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
/** A control plane with only the two reads a snapshot makes, counting the list calls and noting the organization asked for. */
function fakeControl(): { control: ControlPlane; lists: () => number; asked: Array<number | undefined> } {
  let lists = 0;
  const asked: Array<number | undefined> = [];
  const apps = new Map([deployed, draft].map((a) => [a.id, a]));
  const reads = {
    listApplications: async (_p: unknown, organizationId?: number) => {
      lists++;
      asked.push(organizationId);
      await new Promise((r) => setTimeout(r, 5));
      return [10, 11, 12].map((id) => ({ id, name: `a${id}`, published: false, deployment: { totalActiveVms: 0 } }));
    },
    getApplication: async (_p: unknown, id: number) => {
      const a = apps.get(id);
      if (a === undefined) throw new RavelError('NOT_FOUND', `application ${id}`); // deleted after the list
      return a;
    },
  };
  return { control: reads as unknown as ControlPlane, lists: () => lists, asked };
}

test('a snapshot: applications with VM states and string keys, their hosts; one read for clients arriving together', async () => {
  const { control, lists, asked } = fakeControl();
  const source = controlSnapshots(control, new ManualClock());
  const [a, b] = await Promise.all([source.snapshot(principal, '1', 8), source.snapshot(principal, '1', 8)]);
  assert.equal(lists(), 1, 'shared');
  assert.strictEqual(a, b);
  assert.deepEqual(a, {
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
  });
  await source.snapshot(principal, '1', 8);
  assert.equal(lists(), 2, 'a later client reads again');
  // The same principal with other permissions (a refilter) does not share a read begun before.
  const changed: ControlPrincipal = { ...principal, control: { kind: 'user', organizationId: 1, userId: 2, roles: ['READ_ONLY'], groupPermissions: [] } };
  await Promise.all([source.snapshot(principal, '1', 9), source.snapshot(changed, '1', 9)]);
  assert.equal(lists(), 4);
  assert.deepEqual(asked, [1, 1, 1, 1], 'the list is of the organization watched');
});

const token = (permissions: Permission[], expiresAt: number): ControlPrincipal => ({
  id: 'token-1-5',
  tenantId: '1',
  operator: false,
  via: 'token',
  control: { kind: 'token', organizationId: 1, tokenId: 5, permissions, expiresAt },
});

test('the events seen are those the one rule gives (event-visibility.ts): all, none, or decided per event for a scoped principal', async () => {
  const clock = new ManualClock();
  const source = controlSnapshots(fakeControl().control, clock);
  const operator: ControlPrincipal = { id: 'operator-ops', tenantId: 'operators', operator: true, via: 'token', control: { kind: 'operator', name: 'ops' } };
  const readOnly: ControlPrincipal = { ...principal, control: { kind: 'user', organizationId: 1, userId: 3, roles: ['READ_ONLY'], groupPermissions: [] } };
  const kind = (p: Principal, organization: string): string => source.eventFilter(p, organization).kind;
  const EVENTS: Permission = { resourceType: 'EVENT', actions: ['READ'] };
  const allApps: Permission = { resourceType: 'APPLICATION', actions: ['READ'] };
  assert.equal(kind(principal, '1'), 'all', 'an admin of the organization');
  assert.equal(kind(readOnly, '1'), 'some', 'read-only sees events, but not those of tokens it cannot read');
  assert.equal(kind(principal, '2'), 'none', 'not another organization');
  assert.equal(kind(token([allApps], clock.now() + 1000), '1'), 'none', 'a token without READ on EVENT');
  const apps = source.eventFilter(token([EVENTS, allApps], clock.now() + 1000), '1');
  const event = (name: string, type: string): LiveEvent => ({ tenantId: '1', topics: ['events'], seq: 1, data: { sequence: 1, tenantId: 1, time: 0, principal: { kind: 'system' }, name, subjects: [{ type, id: '4' }], details: {} } });
  assert.equal(apps.kind, 'some');
  assert.deepEqual(
    [filterSees(apps, event('APPLICATION_UPDATED', 'APPLICATION')), filterSees(apps, event('KEY_PAIR_CREATED', 'KEY_PAIR')), filterSees(apps, { ...event('X', 'APPLICATION'), data: 'not a record' })],
    [true, false, false],
    'a token reading events and applications: the applications’ events only',
  );
  const expiring = token([EVENTS, allApps], clock.now() + 1000);
  assert.equal(kind(expiring, '1'), 'some');
  await clock.advance(1000);
  assert.equal(kind(expiring, '1'), 'none', 'an expired token');
  assert.equal(kind(operator, '1'), 'all', 'an operator, any organization');
  assert.equal(kind(operator, '2'), 'all');
  assert.equal(kind({ id: 'x', tenantId: '1', operator: false, via: 'session' }, '1'), 'none', 'no domain principal: nothing');
});
