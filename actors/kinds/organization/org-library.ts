/**
 * The organization actor's handlers for what the tenant owns beside its users: key pairs,
 * limits, elastic IPs and the index of its applications (the events other actors hand over:
 * org-events.ts).
 */
import { RavelError } from '../../../core/errors.ts';
import { createKeyPair, deleteKeyPair, generateKeyPair, keyPairSummary } from '../../../domain/library/key-pairs.ts';
import { addElasticIp, allocationsIn, attachElasticIp, detachAllOf, detachElasticIp, elasticIpKey, removeElasticIp } from '../../../domain/network/elastic-ips.ts';
import type { ElasticIp, KeyPair, Limits } from '../../../domain/schemas/index.ts';
import type { OrganizationMsg } from './organization-messages.ts';
import { MAX_APPLICATIONS, MAX_KEY_PAIRS, takeId, type ActiveOrganization } from './organization-state.ts';
import { active, allow, commit, subject, withIds, type OrganizationDeps, type OrgCtx } from './org-turn.ts';
import { regionIpsRef, type RegionIpsMsg } from './region-ips-kind.ts';

type Msg<T extends OrganizationMsg['type']> = Extract<OrganizationMsg, { type: T }>;

function findKeyPair(org: ActiveOrganization, id: number): KeyPair {
  const k = org.keyPairs.find((x) => x.id === id);
  if (k === undefined) throw new RavelError('NOT_FOUND', `no key pair ${id}`);
  return k;
}

async function newKeyPairId(ctx: OrgCtx, m: { principal: Msg<'createKeyPair'>['principal'] }): Promise<{ org: ActiveOrganization; id: number }> {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'CREATE', 'KEY_PAIR');
  if (org.keyPairs.length >= MAX_KEY_PAIRS) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_KEY_PAIRS} key pairs`);
  return takeId(await withIds(ctx, org));
}

export async function addKeyPair(ctx: OrgCtx, m: Msg<'createKeyPair'>): Promise<KeyPair> {
  const t = await newKeyPairId(ctx, m);
  const r = createKeyPair(t.org, t.id, m.keyPair.name, m.keyPair.publicKey, ctx.clock.now());
  commit(ctx, { ...t.org, keyPairs: r.store.keyPairs }, m.principal, [{ name: 'KEY_PAIR_CREATED', subjects: [subject('KEY_PAIR', t.id)] }]);
  return keyPairSummary(r.keyPair);
}

export async function makeKeyPair(ctx: OrgCtx, m: Msg<'generateKeyPair'>): Promise<KeyPair> {
  const t = await newKeyPairId(ctx, m);
  const r = generateKeyPair(t.org, t.id, m.name, ctx.clock.now());
  commit(ctx, { ...t.org, keyPairs: r.store.keyPairs }, m.principal, [{ name: 'KEY_PAIR_CREATED', subjects: [subject('KEY_PAIR', t.id)], details: { generated: true } }]);
  return { ...r.keyPair, privateKey: r.privateKey };
}

export function getKeyPair(ctx: OrgCtx, m: Msg<'getKeyPair'>): KeyPair {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'KEY_PAIR', { id: m.keyPairId });
  return findKeyPair(org, m.keyPairId);
}

export function listKeyPairs(ctx: OrgCtx, m: Msg<'listKeyPairs'>): readonly KeyPair[] {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'KEY_PAIR');
  return org.keyPairs;
}

export function renameKeyPair(ctx: OrgCtx, m: Msg<'updateKeyPair'>): KeyPair {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'KEY_PAIR', { id: m.keyPairId });
  const k = findKeyPair(org, m.keyPairId);
  if (k.deleted === true) throw new RavelError('ILLEGAL_STATE', `key pair ${k.id} is deleted`);
  const next = { ...k, name: m.name };
  commit(ctx, { ...org, keyPairs: org.keyPairs.map((x) => (x.id === k.id ? next : x)) }, m.principal, [{ name: 'KEY_PAIR_UPDATED', subjects: [subject('KEY_PAIR', k.id)] }]);
  return next;
}

export function removeKeyPair(ctx: OrgCtx, m: Msg<'deleteKeyPair'>): null {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'DELETE', 'KEY_PAIR', { id: m.keyPairId });
  commit(ctx, { ...org, keyPairs: deleteKeyPair(org, m.keyPairId).keyPairs }, m.principal, [{ name: 'KEY_PAIR_DELETED', subjects: [subject('KEY_PAIR', m.keyPairId)] }]);
  return null;
}

export function getLimits(ctx: OrgCtx, m: Msg<'getLimits'>): Limits {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'ORGANIZATION', { id: org.organization.id });
  return org.limits;
}

export function setLimits(ctx: OrgCtx, m: Msg<'setLimits'>): Limits {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'ORGANIZATION', { id: org.organization.id });
  if (m.principal.kind !== 'operator' && m.principal.kind !== 'system') throw new RavelError('PERMISSION_DENIED', 'limits are set by operators');
  commit(ctx, { ...org, limits: m.limits }, m.principal, [{ name: 'LIMITS_CHANGED', subjects: [subject('ORGANIZATION', org.organization.id)], details: { ...m.limits } }]);
  return m.limits;
}

export async function allocateIp(ctx: OrgCtx, m: Msg<'allocateElasticIp'>, deps: OrganizationDeps): Promise<ElasticIp> {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'CREATE', 'ELASTIC_IP');
  const max = deps.maxElasticIpsPerOrganization ?? 16;
  if (org.elasticIps.ips.length >= max) throw new RavelError('QUOTA_EXCEEDED', `at most ${max} elastic IPs per organization`, { details: { limit: max } });
  // Keyed by the region's allocation count, saved only with the address: a turn retried after a
  // crash takes under the same key and gets the same address; the next allocation, a new one.
  const key = elasticIpKey(org.organization.id, allocationsIn(org.elasticIps, m.request.location));
  const ip = await ctx.actors.ask<string, RegionIpsMsg>(regionIpsRef(m.request.location), { type: 'take', key });
  const e: ElasticIp = { ip, location: m.request.location };
  commit(ctx, { ...org, elasticIps: addElasticIp(org.elasticIps, e, key) }, m.principal, [{ name: 'ELASTIC_IP_ALLOCATED', subjects: [subject('ELASTIC_IP', ip)], details: { location: e.location } }]);
  return e;
}

export function listIps(ctx: OrgCtx, m: Msg<'listElasticIps'>): readonly ElasticIp[] {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'ELASTIC_IP');
  return org.elasticIps.ips;
}

export function releaseIp(ctx: OrgCtx, m: Msg<'releaseElasticIp'>): null {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'DELETE', 'ELASTIC_IP');
  const e = org.elasticIps.ips.find((x) => x.ip === m.ip);
  if (e === undefined) throw new RavelError('NOT_FOUND', `no elastic IP ${m.ip}`);
  if (e.attachedTo !== undefined) throw new RavelError('ILLEGAL_STATE', `elastic IP ${m.ip} is attached; detach it first`);
  // With the key it was taken under (none for addresses from before keys): this release, sent
  // again after the address became someone else's, frees nothing.
  const r = removeElasticIp(org.elasticIps, e.ip);
  const releases = [...org.releases, { ref: regionIpsRef(e.location), msg: { type: 'release' as const, ip: e.ip, ...(r.key === undefined ? {} : { key: r.key }) } }];
  commit(ctx, { ...org, elasticIps: r.state, releases }, m.principal, [{ name: 'ELASTIC_IP_RELEASED', subjects: [subject('ELASTIC_IP', m.ip)] }]);
  return null;
}

export function attachIp(ctx: OrgCtx, m: Msg<'attachElasticIp'> | Msg<'detachElasticIp'>): ElasticIp {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'UPDATE', 'ELASTIC_IP');
  const elasticIps = m.type === 'attachElasticIp' ? attachElasticIp(org.elasticIps, m.ip, m.nic, m.region) : detachElasticIp(org.elasticIps, m.ip);
  const name = m.type === 'attachElasticIp' ? 'ELASTIC_IP_ATTACHED' : 'ELASTIC_IP_DETACHED';
  commit(ctx, { ...org, elasticIps }, m.principal, [{ name, subjects: [subject('ELASTIC_IP', m.ip)] }]);
  return elasticIps.ips.find((x) => x.ip === m.ip)!;
}

/** From an application deleted, or VMs removed from it: their elastic IPs are detached (they stay allocated). */
export function detachApplicationIps(ctx: OrgCtx, m: Msg<'detachApplicationIps'>): string[] {
  const org = active(ctx);
  const before = org.elasticIps;
  const elasticIps = (m.vmIds ?? [undefined]).reduce((st, vmId) => detachAllOf(st, m.applicationId, vmId), before);
  const detached = before.ips.filter((x, i) => x.attachedTo !== undefined && elasticIps.ips[i]?.attachedTo === undefined).map((x) => x.ip);
  if (detached.length === 0) return [];
  const system = { kind: 'system' } as const;
  commit(ctx, { ...org, elasticIps }, system, detached.map((ip) => ({ name: 'ELASTIC_IP_DETACHED' as const, subjects: [subject('ELASTIC_IP', ip)], details: { applicationId: m.applicationId } })));
  return detached;
}

export interface ReservedApplication {
  readonly id: number;
  readonly organizationId: number;
}

/** Hands out an application id and indexes it; the application actor is created next, by the caller. */
export async function reserveApplication(ctx: OrgCtx, m: Msg<'reserveApplication'>): Promise<ReservedApplication> {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'CREATE', 'APPLICATION');
  if (org.applications.length >= MAX_APPLICATIONS) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_APPLICATIONS} applications`);
  const t = takeId(await withIds(ctx, org));
  commit(ctx, { ...t.org, applications: [...t.org.applications, t.id] }, m.principal, []);
  return { id: t.id, organizationId: org.organization.id };
}

export function listApplications(ctx: OrgCtx, m: Msg<'listApplications'>): readonly number[] {
  const org = active(ctx);
  allow(ctx, org, m.principal, 'READ', 'APPLICATION');
  return org.applications;
}
