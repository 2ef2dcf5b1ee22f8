/**
 * `organization`: one actor per tenant, id = the organization's id. It holds the tenant's small
 * state (organization-state.ts), checks every principal against it, and is the one writer of the
 * tenant's event stream (events/tenant-event-log.ts): its own changes are staged in its outbox
 * and appended by the outbox reminder after each commit; batches other actors forward are
 * appended in the turn that takes them (org-events.ts).
 */
import { setUsage } from './org-usage.ts';
import { match } from 'ts-pattern';
import { OUTBOX_REMINDER } from '../../../events/event-outbox.ts';
import { StreamCursors } from '../../../events/tenant-appender.ts';
import { parseInput } from '../../../domain/schemas/index.ts';
import { defineActorKind } from '../../actor-kind.ts';
import { createGroup, createToken, deleteGroup, deleteToken, expireTokens, getGroup, getToken, listGroups, listTokens, resolveToken, setGroupMember, TOKEN_EXPIRY_REMINDER, updateGroup, updateToken } from './org-access.ts';
import { addKeyPair, allocateIp, attachIp, detachApplicationIps, getKeyPair, getLimits, listApplications, listIps, listKeyPairs, makeKeyPair, releaseIp, removeKeyPair, renameKeyPair, reserveApplication, setLimits } from './org-library.ts';
import { changePassword, createOrganization, getOrganization, getUser, invite, listUsers, login, logout, removeUser, resolveSession, setEnabled, updateOrganization, updateUser } from './org-users.ts';
import { OrganizationMsgSchema, type OrganizationMsg } from './organization-messages.ts';
import { decodeOrganizationState, type OrganizationState } from './organization-state.ts';
import { drain, recordEvents } from './org-events.ts';
import type { OrganizationDeps } from './org-turn.ts';

export type { OrganizationDeps };

export function organizationRef(organizationId: number): { kind: 'organization'; id: string } {
  return { kind: 'organization', id: String(organizationId) };
}

/** `cursors`: this node's knowledge of each tenant's stream, kept between turns (events/tenant-appender.ts); a test passes its own to look at. */
export function organizationKind(deps: OrganizationDeps, cursors = new StreamCursors()) {
  return defineActorKind<OrganizationState, OrganizationMsg, unknown>({
    name: 'organization',
    schemaVersion: 1,
    initialState: () => ({ status: 'absent' }),
    decodeMessage: (raw) => parseInput(OrganizationMsgSchema, raw),
    decodeState: (stored) => decodeOrganizationState(stored),
    handle(ctx, msg) {
      return match(msg)
        .with({ type: 'create' }, (m) => createOrganization(ctx, m, deps))
        .with({ type: 'get' }, (m) => getOrganization(ctx, m))
        .with({ type: 'update' }, (m) => updateOrganization(ctx, m))
        .with({ type: 'getLimits' }, (m) => getLimits(ctx, m))
        .with({ type: 'setLimits' }, (m) => setLimits(ctx, m))
        .with({ type: 'login' }, (m) => login(ctx, m, deps))
        .with({ type: 'logout' }, (m) => logout(ctx, m))
        .with({ type: 'resolveSession' }, (m) => resolveSession(ctx, m))
        .with({ type: 'resolveToken' }, (m) => resolveToken(ctx, m))
        .with({ type: 'inviteUser' }, (m) => invite(ctx, m))
        .with({ type: 'getUser' }, (m) => getUser(ctx, m))
        .with({ type: 'listUsers' }, (m) => listUsers(ctx, m))
        .with({ type: 'updateUser' }, (m) => updateUser(ctx, m))
        .with({ type: 'changePassword' }, (m) => changePassword(ctx, m, deps))
        .with({ type: 'setUserEnabled' }, (m) => setEnabled(ctx, m))
        .with({ type: 'deleteUser' }, (m) => removeUser(ctx, m))
        .with({ type: 'createGroup' }, (m) => createGroup(ctx, m))
        .with({ type: 'getGroup' }, (m) => getGroup(ctx, m))
        .with({ type: 'listGroups' }, (m) => listGroups(ctx, m))
        .with({ type: 'updateGroup' }, (m) => updateGroup(ctx, m))
        .with({ type: 'deleteGroup' }, (m) => deleteGroup(ctx, m))
        .with({ type: 'addGroupMember' }, { type: 'removeGroupMember' }, (m) => setGroupMember(ctx, m))
        .with({ type: 'createToken' }, (m) => createToken(ctx, m))
        .with({ type: 'getToken' }, (m) => getToken(ctx, m))
        .with({ type: 'listTokens' }, (m) => listTokens(ctx, m))
        .with({ type: 'updateToken' }, (m) => updateToken(ctx, m))
        .with({ type: 'deleteToken' }, (m) => deleteToken(ctx, m))
        .with({ type: 'createKeyPair' }, (m) => addKeyPair(ctx, m))
        .with({ type: 'generateKeyPair' }, (m) => makeKeyPair(ctx, m))
        .with({ type: 'getKeyPair' }, (m) => getKeyPair(ctx, m))
        .with({ type: 'listKeyPairs' }, (m) => listKeyPairs(ctx, m))
        .with({ type: 'updateKeyPair' }, (m) => renameKeyPair(ctx, m))
        .with({ type: 'deleteKeyPair' }, (m) => removeKeyPair(ctx, m))
        .with({ type: 'allocateElasticIp' }, (m) => allocateIp(ctx, m, deps))
        .with({ type: 'listElasticIps' }, (m) => listIps(ctx, m))
        .with({ type: 'releaseElasticIp' }, (m) => releaseIp(ctx, m))
        .with({ type: 'attachElasticIp' }, { type: 'detachElasticIp' }, (m) => attachIp(ctx, m))
        .with({ type: 'reserveApplication' }, (m) => reserveApplication(ctx, m))
        .with({ type: 'listApplications' }, (m) => listApplications(ctx, m))
        .with({ type: 'setUsage' }, (m) => setUsage(ctx, m))
        .with({ type: 'detachApplicationIps' }, (m) => detachApplicationIps(ctx, m))
        .with({ type: 'recordEvents' }, (m) => recordEvents(ctx, m, deps, cursors))
        .exhaustive();
    },
    async onReminder(ctx, reminder) {
      if (reminder.name === OUTBOX_REMINDER) await drain(ctx, deps, cursors);
      else if (reminder.name === TOKEN_EXPIRY_REMINDER) expireTokens(ctx);
    },
  });
}
