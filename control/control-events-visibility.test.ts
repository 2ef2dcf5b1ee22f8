/**
 * Each principal's events are those it may see (domain/tenancy/event-visibility.ts): a token
 * scoped to one application reads that application's records through `searchNotifications`,
 * not another's nor the organization's; the admin reads them all; and billing bills a token
 * only the applications it may read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { appendEvent, newStreamHead, type EventRecord } from '../domain/events.ts';
import type { Permission } from '../domain/schemas/organization.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { billing } from './control-billing.ts';
import { withHarness } from './testing/control-fixtures.ts';
import { tenant } from './testing/deployment-helpers.ts';

const onlyApp = (id: number): Permission => ({ resourceType: 'APPLICATION', actions: ['READ'], filterCriterion: { type: 'SIMPLE', operator: 'Equals', propertyName: 'id', operand: id } });
const aboutApp = (e: EventRecord): string | undefined => e.subjects.find((s) => s.type === 'APPLICATION')?.id;

test('notifications: a token scoped to application A reads A’s events only; the admin reads every one', async () => {
  await withHarness({}, async (h) => {
    const c = h.control;
    const { organization: org, session: s } = await tenant(h, 'acme');
    const a = await h.run(c.createApplication(s.principal, { name: 'a' }));
    const b = await h.run(c.createApplication(s.principal, { name: 'b' }));
    await h.run(c.generateKeyPair(s.principal, { name: 'k' }));
    const t = await h.run(
      c.createToken(s.principal, { name: 'a only', expirationTime: h.tc.clock.now() + 60_000, permissions: [{ resourceType: 'EVENT', actions: ['READ'] }, onlyApp(a.id)] }),
    );
    await h.run(c.updateApplication(s.principal, a.id, { description: 'A' }));
    await h.run(c.updateApplication(s.principal, b.id, { description: 'B' }));
    // ORGANIZATION_CREATED, USER_INVITED, USER_LOGIN, 2 x APPLICATION_CREATED, KEY_PAIR_CREATED, EPHEMERAL_TOKEN_CREATED, 2 x APPLICATION_UPDATED
    await h.eventsReach(org.id, 9);
    const tp = await h.run(c.resolveToken(t.token));
    assert.ok(tp !== undefined);

    const all = (await h.run(c.searchNotifications(s.principal, {}))).notifications;
    assert.equal(all.length, 9, 'the admin reads the whole stream');
    assert.deepEqual(new Set(all.map(aboutApp).filter((x) => x !== undefined)), new Set([String(a.id), String(b.id)]));

    const mine = (await h.run(c.searchNotifications(tp, {}))).notifications;
    assert.deepEqual(mine.map((e) => [e.name, aboutApp(e)]), [['APPLICATION_CREATED', String(a.id)], ['APPLICATION_UPDATED', String(a.id)]]);
    assert.deepEqual(mine.map((e) => e.sequence), all.filter((e) => aboutApp(e) === String(a.id)).map((e) => e.sequence), 'the stream’s sequences, with gaps');
    const newest = (await h.run(c.searchNotifications(tp, { maxResults: 1 }))).notifications;
    assert.deepEqual(newest.map((e) => e.name), ['APPLICATION_UPDATED'], 'maxResults counts what it may see');

    const rival = await tenant(h, 'rival');
    assert.ok((await h.run(c.searchNotifications(rival.p, {}))).notifications.every((e) => e.tenantId === rival.organizationId), 'another tenant: its own only');
  });
});

test('billing: a token with BILLING READ scoped to application A is billed A’s runs only; the admin both', async () => {
  const clock = new ManualClock(1_800_000_000_000);
  let head = newStreamHead(1);
  const records: EventRecord[] = [];
  const run = (app: number, to: string, time: number): void => {
    const r = appendEvent(head, { name: 'VM_STATE_CHANGED', principal: { kind: 'system' }, subjects: [{ type: 'APPLICATION', id: String(app) }], details: { vmId: '1', to, microsPerHour: 1_000_000 } }, time);
    head = r.head;
    records.push(r.record);
  };
  const t0 = clock.now() - 2 * 3_600_000;
  for (const app of [5, 6]) {
    run(app, 'STARTED', t0);
    run(app, 'STOPPED', t0 + 3_600_000);
  }
  const log = {
    async *read(): AsyncIterable<EventRecord> {
      await Promise.resolve();
      yield* records;
    },
  };
  const admin: Principal = { kind: 'user', organizationId: 1, userId: 1, roles: ['ORGANIZATION_ADMIN'], groupPermissions: [] };
  const scoped: Principal = { kind: 'token', organizationId: 1, tokenId: 2, expiresAt: clock.now() + 1, permissions: [{ resourceType: 'BILLING', actions: ['READ'] }, onlyApp(5)] };
  assert.deepEqual((await billing(log, clock, admin, {})).map((l) => [l.applicationId, l.hours]), [[5, 1], [6, 1]]);
  assert.deepEqual((await billing(log, clock, scoped, {})).map((l) => [l.applicationId, l.hours]), [[5, 1]]);
});
