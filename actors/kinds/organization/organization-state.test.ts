/**
 * Reading stored organization state: a record from before library VMs moved to the library
 * actor (with its `images` list) still decodes, without the list; one whose outbox marks are a
 * map decodes with them as pairs; a current one decodes as it was; one without the backbone is
 * CORRUPT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTenantOutbox } from '../../../events/event-outbox.ts';
import { decodeOrganizationState, type ActiveOrganization } from './organization-state.ts';

const current: ActiveOrganization = {
  status: 'active', organization: { id: 7, name: 'acme' }, ids: { first: 10, count: 54 }, users: [], groups: [], sessions: [], tokens: [], keyPairs: [],
  limits: {}, elasticIps: { ips: [] }, applications: [8, 9], outbox: newTenantOutbox(7), releases: [],
};

test('an old record with library VM stubs decodes without them; a current one as it was', () => {
  const old = structuredClone({ ...current, images: [{ id: 3, name: 'golden', creationTime: 1 }] });
  const read = decodeOrganizationState(old);
  assert.equal('images' in read, false, 'the stubs are dropped on read');
  assert.deepEqual(read, current, 'everything else is kept');
  assert.deepEqual(decodeOrganizationState(structuredClone(current)), current);
  assert.deepEqual(decodeOrganizationState({ status: 'absent' }), { status: 'absent' });
});

test('an old record with its outbox marks as a map decodes with them as pairs', () => {
  const old = structuredClone({ ...current, outbox: { ...current.outbox, head: { tenantId: 7, nextSequence: 9 }, taken: { organization: 3, 'application-8': 5 } } });
  const read = decodeOrganizationState(old);
  assert.equal(read.status, 'active');
  if (read.status !== 'active') return;
  assert.deepEqual(read.outbox.taken, [['organization', 3], ['application-8', 5]]);
  assert.deepEqual(read.outbox.head, { tenantId: 7, nextSequence: 9 });
});

test('a record without the backbone is CORRUPT', () => {
  for (const bad of [null, {}, { status: 'active' }, { ...current, users: undefined }, { ...current, outbox: undefined }]) {
    assert.throws(() => decodeOrganizationState(structuredClone(bad)), (e: unknown) => (e as { code?: unknown }).code === 'CORRUPT', JSON.stringify(bad));
  }
});
