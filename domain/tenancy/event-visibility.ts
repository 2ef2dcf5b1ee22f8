/**
 * Which records of an organization's event stream a principal may see: the one rule behind
 * `POST /notifications/search`, the live WebSocket's snapshot and events, and billing.
 *
 * A record is seen when the principal may read the organization's events (READ on EVENT, what
 * `GET /events` checks) and may read what the record is about, by `authorize`, as a REST read of
 * that object would decide: an application's records (its VMs' and hosts' too) need READ on
 * that application; a blueprint's, image's, disk image's, key pair's, group's, token's or user's
 * record READ on that object; an elastic IP's READ on elastic IPs (REST checks them as a list);
 * the organization's own (created, updated, limits, quota) READ on the organization. A grant's
 * filter sees only what a record carries, the object's id: a token scoped to applications by
 * `id` sees their records; one scoped by `name` sees none of them (fail closed). A record that
 * names no object (a failed login, a host event without its application) needs READ on every
 * object of its type. Billing applies the second half alone (billing is not the event stream).
 */
import { createHash } from 'node:crypto';
import { match } from 'ts-pattern';
import { eventNames, type EventName, type EventRecord } from '../schemas/event.ts';
import type { Permission } from '../schemas/organization.ts';
import { authorize, userGrants } from './authorize.ts';
import type { Principal, ResourceType } from './principal.ts';

/** The resource types records are about; reading every object of all of them is seeing every record. */
export const EVENT_SUBJECT_TYPES = ['APPLICATION', 'BLUEPRINT', 'IMAGE', 'DISK_IMAGE', 'KEY_PAIR', 'ELASTIC_IP', 'USER', 'PERMISSIONS_GROUP', 'EPHEMERAL_TOKEN', 'ORGANIZATION'] as const satisfies readonly ResourceType[];
export type EventSubjectType = (typeof EVENT_SUBJECT_TYPES)[number];

/** What a record is about, for access. */
export type EventAbout =
  /** One object: READ on it. */
  | { readonly kind: 'object'; readonly type: EventSubjectType; readonly id: number; readonly userId?: number }
  /** Objects REST checks only as a list (elastic IPs): READ on the type. */
  | { readonly kind: 'list'; readonly type: EventSubjectType }
  /** No object named: READ on every object of the type (an unfiltered grant). */
  | { readonly kind: 'every'; readonly type: EventSubjectType };

type RecordFacts = Pick<EventRecord, 'name' | 'subjects' | 'tenantId'>;

/** How a name finds what its record is about. */
type AboutRule =
  | { readonly kind: 'subject'; readonly type: EventSubjectType }
  | { readonly kind: 'list'; readonly type: EventSubjectType }
  | { readonly kind: 'every'; readonly type: EventSubjectType }
  | { readonly kind: 'organization' };

const subject = (type: EventSubjectType): AboutRule => ({ kind: 'subject', type });

/** What each event name is about; a new name does not compile until it is placed here. */
export function aboutRule(name: EventName): AboutRule {
  return match(name)
    .with('APPLICATION_CREATED', 'APPLICATION_UPDATED', 'APPLICATION_DELETED', 'APPLICATION_PUBLISHED', 'APPLICATION_UPDATES_PUBLISHED', () => subject('APPLICATION'))
    .with('APPLICATION_STARTED', 'APPLICATION_STOPPED', 'APPLICATION_RESTARTED', 'APPLICATION_EXPIRATION_SET', 'APPLICATION_EXPIRED', () => subject('APPLICATION'))
    .with('APPLICATION_TASK_SCHEDULED', 'APPLICATION_TASK_FIRED', 'APPLICATION_TASK_DELETED', () => subject('APPLICATION'))
    // A VM's and a host's records come from the application whose VMs they are.
    .with('VM_ADDED', 'VM_UPDATED', 'VM_REMOVED', 'VM_STATE_CHANGED', 'VM_ACTION_REQUESTED', 'VM_REPAIRED', () => subject('APPLICATION'))
    .with('HOST_UP', 'HOST_DOWN', 'HOST_RELEASED', () => subject('APPLICATION'))
    .with('BLUEPRINT_SAVING', 'BLUEPRINT_READY', 'BLUEPRINT_DELETED', () => subject('BLUEPRINT'))
    .with('IMAGE_SAVING', 'IMAGE_READY', 'IMAGE_DELETED', () => subject('IMAGE'))
    .with('DISK_IMAGE_READY', 'DISK_IMAGE_FAILED', 'DISK_IMAGE_DELETED', () => subject('DISK_IMAGE'))
    .with('KEY_PAIR_CREATED', 'KEY_PAIR_UPDATED', 'KEY_PAIR_DELETED', () => subject('KEY_PAIR'))
    .with('ELASTIC_IP_ALLOCATED', 'ELASTIC_IP_ATTACHED', 'ELASTIC_IP_DETACHED', 'ELASTIC_IP_RELEASED', (): AboutRule => ({ kind: 'list', type: 'ELASTIC_IP' }))
    .with('USER_INVITED', 'USER_UPDATED', 'USER_ENABLED', 'USER_DISABLED', 'USER_DELETED', 'USER_PASSWORD_CHANGED', () => subject('USER'))
    .with('USER_LOGIN', 'USER_LOGOUT', () => subject('USER'))
    // Names a login, not a user: about the organization's users as a whole.
    .with('USER_LOGIN_FAILED', (): AboutRule => ({ kind: 'every', type: 'USER' }))
    .with('PERMISSIONS_GROUP_CHANGED', () => subject('PERMISSIONS_GROUP'))
    .with('EPHEMERAL_TOKEN_CREATED', 'EPHEMERAL_TOKEN_UPDATED', 'EPHEMERAL_TOKEN_DELETED', () => subject('EPHEMERAL_TOKEN'))
    .with('ORGANIZATION_CREATED', 'ORGANIZATION_UPDATED', 'LIMITS_CHANGED', 'QUOTA_EXCEEDED', (): AboutRule => ({ kind: 'organization' }))
    .exhaustive();
}

// Looked up per record; the match above runs once per name.
const RULES: ReadonlyMap<string, AboutRule> = new Map(eventNames.map((n) => [n, aboutRule(n)]));

const DECIMAL = /^[0-9]{1,16}$/;

/** The object of `type` the record's subjects name, or every one of the type when none is named. */
function objectOf(r: RecordFacts, type: EventSubjectType): EventAbout {
  const s = r.subjects.find((x) => x.type === type);
  const id = s === undefined || !DECIMAL.test(s.id) ? NaN : Number(s.id);
  if (!Number.isSafeInteger(id)) return { kind: 'every', type };
  return type === 'USER' ? { kind: 'object', type, id, userId: id } : { kind: 'object', type, id };
}

/** What a record is about; undefined for a name that is not an event name. */
export function eventAbout(r: RecordFacts): EventAbout | undefined {
  const rule = RULES.get(r.name);
  if (rule === undefined) return undefined;
  // A switch, not a match: this runs for every record a scoped principal's fan-out looks at.
  switch (rule.kind) {
    case 'subject':
      return objectOf(r, rule.type);
    case 'list':
    case 'every':
      return rule;
    case 'organization':
      return { kind: 'object', type: 'ORGANIZATION', id: r.tenantId };
  }
}

/**
 * What a principal sees of one organization's stream, worked out once per principal: `all` and
 * `none` need no look at a record; `some` decides per record, the same for every principal with
 * the same `key` (so a fan-out decides once per key, not per client).
 */
export type EventVisibility =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'some'; readonly key: string; readonly sees: (r: EventRecord) => boolean };

const ALL: EventVisibility = { kind: 'all' };
const NONE: EventVisibility = { kind: 'none' };
/** Answers a `some` visibility keeps, by object. */
const MAX_REMEMBERED = 4096;

/** The records of `organizationId`'s stream `p` may see, as of `now` (an expired token: none). */
export function eventVisibility(p: Principal, organizationId: number, now: number): EventVisibility {
  if (!authorize(p, 'READ', { type: 'EVENT', organizationId }, now).allowed) return NONE;
  return subjectVisibility(p, organizationId, now);
}

/** The records whose object `p` may read, whether or not it may read the stream (billing). */
export function subjectVisibility(p: Principal, organizationId: number, now: number): EventVisibility {
  return match(p)
    .with({ kind: 'system' }, { kind: 'operator' }, () => ALL)
    .with({ kind: 'user' }, (u) => narrowed(p, u.organizationId, organizationId, userGrants(u), now, `user ${u.userId}`))
    .with({ kind: 'token' }, (t) => (now >= t.expiresAt ? NONE : narrowed(p, t.organizationId, organizationId, t.permissions, now, 'token')))
    .exhaustive();
}

/** Whether `p` may see one record: `eventVisibility` for a single use. */
export function maySeeEvent(p: Principal, r: EventRecord, now: number): boolean {
  return sees(eventVisibility(p, r.tenantId, now), r);
}

export function sees(v: EventVisibility, r: EventRecord): boolean {
  return v.kind === 'all' || (v.kind === 'some' && v.sees(r));
}

function readsEvery(grants: readonly Permission[], type: ResourceType): boolean {
  return grants.some((g) => g.resourceType === type && g.filterCriterion === undefined && g.actions.includes('READ'));
}

function narrowed(p: Principal, own: number, organizationId: number, grants: readonly Permission[], now: number, who: string): EventVisibility {
  if (own !== organizationId) return NONE;
  if (EVENT_SUBJECT_TYPES.every((t) => readsEvery(grants, t))) return ALL;
  // The grants decide, and for a user its id (it reads itself): equal keys see equal records.
  const key = createHash('sha256').update(JSON.stringify([organizationId, p.kind === 'user' ? who : '', grants])).digest('base64url').slice(0, 22);
  const may = (about: EventAbout): boolean =>
    match(about)
      .with({ kind: 'object' }, (o) => authorize(p, 'READ', { organizationId, type: o.type, id: o.id, ...(o.userId === undefined ? {} : { userId: o.userId }) }, now).allowed)
      .with({ kind: 'list' }, (l) => authorize(p, 'READ', { organizationId, type: l.type }, now).allowed)
      .with({ kind: 'every' }, (e) => readsEvery(grants, e.type))
      .exhaustive();
  // The answer for an object does not change for this principal and time: a fan-out asks about
  // the same few objects again and again. Bounded, and simply dropped when full.
  const answers = new Map<string, boolean>();
  const seesAbout = (about: EventAbout): boolean => {
    const k = about.kind === 'object' ? `${about.type}/${about.id}` : `${about.kind}/${about.type}`;
    let ok = answers.get(k);
    if (ok === undefined) {
      if (answers.size >= MAX_REMEMBERED) answers.clear();
      answers.set(k, (ok = may(about)));
    }
    return ok;
  };
  return {
    kind: 'some',
    key,
    sees: (r) => {
      if (r.tenantId !== organizationId) return false;
      const about = eventAbout(r);
      return about !== undefined && seesAbout(about);
    },
  };
}
