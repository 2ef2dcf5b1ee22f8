/** ControlPlane over an ActorSender: each call is one or two asks; the actors check everything. */
import { Type } from '@sinclair/typebox';
import { RavelError, isRavelError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { ActorSender } from '../actors/actor-kind.ts';
import { SERVER_IDS, type IdRange } from '../actors/kinds/organization/id-sequence-kind.ts';
import { domainKey, userKey } from '../actors/kinds/organization/org-directory-kind.ts';
import type { LoginReply } from '../actors/kinds/organization/org-users.ts';
import { eventNames, type EventRecord } from '../domain/events.ts';
import type { NicRef } from '../domain/network/elastic-ips.ts';
import { parseInput, type AddVmRequest, type Application, type ChangePassword, CreateApplication, type Design, type ElasticIp, type EphemeralToken, type FilterCriterion, type InviteUser, type KeyPair, type LibraryImage, type Limits, type Organization, type PermissionsGroup, type Role, type UpdateApplication, type User } from '../domain/schemas/index.ts';
import { MAX_PASSWORD_LENGTH } from '../domain/schemas/organization.ts';
import { authorizeOrThrow } from '../domain/tenancy/authorize.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { parseLoginName } from '../domain/tenancy/users.ts';
import { notifications } from './control-events.ts';
import type { TenantEventLog } from '../events/tenant-event-log.ts';
import { ApplicationCalls } from './control-applications.ts';
import { billing, type BillingLine, type BillingQuery } from './control-billing.ts';
import type { PriceQuote } from '../domain/billing/pricing.ts';
import { LibraryCalls, type DiskImageLocation } from './control-library.ts';
import type { Blueprint, CreateBlueprint, CreateDiskImage, CreateImage, DiskImage, Documentation, LibraryObjectKind, UpdateLibraryObject } from '../domain/schemas/index.ts';
import { DeploymentCalls, deploymentView } from './control-deployment.ts';
import type { HostState } from '../domain/host/host-model.ts';
import type { HostView } from '../domain/placement/placement-types.ts';
import type { CreateScheduledTask, LocalId, PublishRequest, ScheduledTask, SetExpiration, TokenPatch } from '../domain/schemas/index.ts';
import { ActorAsks, checkId, keyed, tenantOf } from './control-asks.ts';
import type { DeploymentView, HostInput, PublishUpdatesOptions, VmActionName } from './control-plane.ts';
import type { ApplicationSummary, ControlPlane, CreateOrganizationInput, LoginOutcome, NotificationsQuery, PermissionsGroupInput, RequestOptions, TokenInput } from './control-plane.ts';
import { composeCredential, parseCredential } from './credentials.ts';

export interface ControlPlaneOptions {
  readonly actors: ActorSender;
  readonly events: TenantEventLog;
  readonly clock: Clock;
  /** The regions elastic IPs may be allocated in. */
  readonly regions: readonly string[];
}

const Ip = Type.String({ maxLength: 15 });

export class ControlPlaneImpl implements ControlPlane {
  private readonly ask: ActorAsks;
  private readonly apps: ApplicationCalls;
  private readonly deployments: DeploymentCalls;
  private readonly library: LibraryCalls;

  constructor(private readonly o: ControlPlaneOptions) {
    this.ask = new ActorAsks(o.actors);
    this.apps = new ApplicationCalls(this.ask);
    this.library = new LibraryCalls(this.ask);
    this.deployments = new DeploymentCalls(this.ask);
  }

  async createOrganization(p: Principal, input: CreateOrganizationInput, o?: RequestOptions): Promise<{ organization: Organization; admin: User }> {
    if (p.kind !== 'operator' && p.kind !== 'system') throw new RavelError('PERMISSION_DENIED', 'operator credentials required');
    const { first } = await this.ask.raw<IdRange>(SERVER_IDS, { type: 'take', count: 1 }, keyed(o, 'organization-id'));
    return this.ask.orgById(first, { type: 'create', principal: p, ...input }, keyed(o, 'create-organization'));
  }

  async setLimits(p: Principal, organizationId: number, limits: Limits): Promise<Limits> {
    return this.ask.orgById(organizationId, { type: 'setLimits', principal: p, limits });
  }

  async addLibraryImage(p: Principal, organizationId: number, image: Omit<LibraryImage, 'id'>, o?: RequestOptions): Promise<LibraryImage> {
    return this.library.addImage(p, organizationId, image, o);
  }

  async login(login: string, password: string): Promise<LoginOutcome | undefined> {
    if (typeof login !== 'string' || typeof password !== 'string' || login.length > 512 || password.length > MAX_PASSWORD_LENGTH) return undefined;
    let name: { domain?: string; username: string };
    try {
      name = parseLoginName(login);
    } catch {
      return undefined;
    }
    const entry = name.domain === undefined ? userKey(name.username) : domainKey(name.domain);
    const organizationId = await this.ask.raw<number | null>(entry, { type: 'lookup' });
    if (organizationId === null) return undefined;
    const r = await this.ask.orgById<LoginReply | null>(organizationId, { type: 'login', login, password }).catch((e: unknown) => {
      if (isRavelError(e, 'NOT_FOUND') || isRavelError(e, 'INVALID_ARGUMENT')) return null;
      throw e;
    });
    if (r === null) return undefined;
    return { sessionId: composeCredential(organizationId, r.secret), expiresAt: r.expiresAt, user: r.user, principal: r.principal };
  }

  async logout(sessionId: string): Promise<void> {
    const c = parseCredential(sessionId);
    if (c === undefined) return;
    try {
      await this.ask.orgById(c.organizationId, { type: 'logout', hash: c.hash });
    } catch (e) {
      if (!isRavelError(e, 'NOT_FOUND')) throw e;
    }
  }

  async resolveSession(sessionId: string): Promise<Principal | undefined> {
    return this.resolve(sessionId, 'resolveSession');
  }

  async resolveToken(token: string): Promise<Principal | undefined> {
    return this.resolve(token, 'resolveToken');
  }

  private async resolve(value: string, type: 'resolveSession' | 'resolveToken'): Promise<Principal | undefined> {
    const c = typeof value === 'string' ? parseCredential(value) : undefined;
    if (c === undefined) return undefined;
    return (await this.ask.orgById<Principal | null>(c.organizationId, { type, hash: c.hash })) ?? undefined;
  }

  async getOrganization(p: Principal): Promise<Organization> {
    return this.ask.org(p, { type: 'get' });
  }

  async updateOrganization(p: Principal, organizationId: number, patch: { name?: string; description?: string }): Promise<Organization> {
    // Another organization's id looks missing, even to its own callers' eyes.
    if (checkId(organizationId, 'organizationId') !== tenantOf(p)) throw new RavelError('NOT_FOUND', `no organization ${organizationId}`);
    return this.ask.org(p, { type: 'update', patch });
  }

  async getLimits(p: Principal): Promise<Limits> {
    return this.ask.org(p, { type: 'getLimits' });
  }

  async inviteUser(p: Principal, invite: InviteUser, o?: RequestOptions): Promise<User> {
    return this.ask.org(p, { type: 'inviteUser', invite }, keyed(o, 'invite-user'));
  }

  async getUser(p: Principal, userId: number): Promise<User> {
    return this.ask.org(p, { type: 'getUser', userId });
  }

  async listUsers(p: Principal): Promise<User[]> {
    return this.ask.org(p, { type: 'listUsers' });
  }

  async updateUser(p: Principal, userId: number, patch: { name?: string; surname?: string; roles?: Role[] }): Promise<User> {
    return this.ask.org(p, { type: 'updateUser', userId, patch });
  }

  async changePassword(p: Principal, userId: number, change: ChangePassword): Promise<void> {
    await this.ask.org(p, { type: 'changePassword', userId, change });
  }

  async enableUser(p: Principal, userId: number): Promise<User> {
    return this.ask.org(p, { type: 'setUserEnabled', userId, enabled: true });
  }

  async disableUser(p: Principal, userId: number): Promise<User> {
    return this.ask.org(p, { type: 'setUserEnabled', userId, enabled: false });
  }

  async deleteUser(p: Principal, userId: number): Promise<void> {
    await this.ask.org(p, { type: 'deleteUser', userId });
  }

  async listPermissionsGroups(p: Principal): Promise<PermissionsGroup[]> {
    return this.ask.org(p, { type: 'listGroups' });
  }

  async createPermissionsGroup(p: Principal, group: PermissionsGroupInput, o?: RequestOptions): Promise<PermissionsGroup> {
    return this.ask.org(p, { type: 'createGroup', group }, keyed(o, 'create-group'));
  }

  async getPermissionsGroup(p: Principal, groupId: number): Promise<PermissionsGroup> {
    return this.ask.org(p, { type: 'getGroup', groupId });
  }

  async updatePermissionsGroup(p: Principal, groupId: number, patch: Partial<PermissionsGroupInput>): Promise<PermissionsGroup> {
    return this.ask.org(p, { type: 'updateGroup', groupId, patch });
  }

  async deletePermissionsGroup(p: Principal, groupId: number): Promise<void> {
    await this.ask.org(p, { type: 'deleteGroup', groupId });
  }

  async listPermissionsGroupUsers(p: Principal, groupId: number): Promise<User[]> {
    const g = await this.getPermissionsGroup(p, groupId);
    const users = await this.listUsers(p);
    return users.filter((u) => g.userIds?.includes(u.id) === true);
  }

  async addPermissionsGroupUser(p: Principal, groupId: number, userId: number): Promise<PermissionsGroup> {
    return this.ask.org(p, { type: 'addGroupMember', groupId, userId });
  }

  async removePermissionsGroupUser(p: Principal, groupId: number, userId: number): Promise<PermissionsGroup> {
    return this.ask.org(p, { type: 'removeGroupMember', groupId, userId });
  }

  async listTokens(p: Principal): Promise<EphemeralToken[]> {
    return this.ask.org(p, { type: 'listTokens' });
  }

  async createToken(p: Principal, token: TokenInput): Promise<EphemeralToken & { token: string }> {
    const t = await this.ask.org<EphemeralToken & { token: string }>(p, { type: 'createToken', token });
    return { ...t, token: composeCredential(tenantOf(p), t.token) };
  }

  async getToken(p: Principal, tokenId: number): Promise<EphemeralToken> {
    return this.ask.org(p, { type: 'getToken', tokenId });
  }

  async updateToken(p: Principal, tokenId: number, patch: TokenPatch): Promise<EphemeralToken> {
    return this.ask.org(p, { type: 'updateToken', tokenId, patch });
  }

  async deleteToken(p: Principal, tokenId: number): Promise<void> {
    await this.ask.org(p, { type: 'deleteToken', tokenId });
  }

  async listKeyPairs(p: Principal): Promise<KeyPair[]> {
    return this.ask.org(p, { type: 'listKeyPairs' });
  }

  async createKeyPair(p: Principal, body: { name: string; publicKey: string }, o?: RequestOptions): Promise<KeyPair> {
    return this.ask.org(p, { type: 'createKeyPair', keyPair: body }, keyed(o, 'create-key-pair'));
  }

  async generateKeyPair(p: Principal, body: { name: string }): Promise<KeyPair> {
    return this.ask.org(p, { type: 'generateKeyPair', name: body?.name });
  }

  async getKeyPair(p: Principal, keyPairId: number): Promise<KeyPair> {
    return this.ask.org(p, { type: 'getKeyPair', keyPairId });
  }

  async updateKeyPair(p: Principal, keyPairId: number, body: { name: string }): Promise<KeyPair> {
    return this.ask.org(p, { type: 'updateKeyPair', keyPairId, name: body?.name });
  }

  async deleteKeyPair(p: Principal, keyPairId: number): Promise<void> {
    await this.ask.org(p, { type: 'deleteKeyPair', keyPairId });
  }

  async listElasticIps(p: Principal): Promise<ElasticIp[]> {
    return this.ask.org(p, { type: 'listElasticIps' });
  }

  async listElasticIpLocations(p: Principal): Promise<string[]> {
    authorizeOrThrow(p, 'READ', { type: 'ELASTIC_IP', organizationId: tenantOf(p) }, this.o.clock.now());
    return [...this.o.regions];
  }

  async allocateElasticIp(p: Principal, body: { location: string }, o?: RequestOptions): Promise<ElasticIp> {
    return this.ask.org(p, { type: 'allocateElasticIp', request: body }, keyed(o, 'allocate-elastic-ip'));
  }

  async releaseElasticIp(p: Principal, ip: string): Promise<void> {
    await this.ask.org(p, { type: 'releaseElasticIp', ip: parseInput(Ip, ip, 'ip') });
  }

  async attachElasticIp(p: Principal, ip: string, nic: NicRef, region: string): Promise<ElasticIp> {
    return this.ask.org(p, { type: 'attachElasticIp', ip, nic, region });
  }

  async detachElasticIp(p: Principal, ip: string): Promise<ElasticIp> {
    return this.ask.org(p, { type: 'detachElasticIp', ip });
  }

  async listImages(p: Principal): Promise<LibraryImage[]> {
    return this.library.listImages(p);
  }

  async getImage(p: Principal, imageId: number): Promise<LibraryImage> {
    return this.library.getImage(p, imageId);
  }

  async createImage(p: Principal, body: CreateImage, o?: RequestOptions): Promise<LibraryImage> {
    return this.library.saveImage(p, body, o);
  }

  async updateImage(p: Principal, imageId: number, patch: UpdateLibraryObject): Promise<LibraryImage> {
    return this.library.updateImage(p, imageId, patch);
  }

  async deleteImage(p: Principal, imageId: number): Promise<void> {
    return this.library.deleteImage(p, imageId);
  }

  async listDiskImages(p: Principal): Promise<DiskImage[]> {
    return this.library.listDiskImages(p);
  }

  async getDiskImage(p: Principal, diskImageId: number): Promise<DiskImage> {
    return this.library.getDiskImage(p, diskImageId);
  }

  async updateDiskImage(p: Principal, diskImageId: number, patch: UpdateLibraryObject): Promise<DiskImage> {
    return this.library.updateDiskImage(p, diskImageId, patch);
  }

  async createDiskImage(p: Principal, body: CreateDiskImage, o?: RequestOptions): Promise<DiskImage> {
    return this.library.saveDiskImage(p, body, o);
  }

  async deleteDiskImage(p: Principal, diskImageId: number): Promise<void> {
    return this.library.deleteDiskImage(p, diskImageId);
  }

  async registerDiskImage(p: Principal, organizationId: number, storeImageId: string, name?: string): Promise<DiskImage> {
    return this.library.registerDiskImage(p, organizationId, storeImageId, name);
  }

  async locateDiskImage(p: Principal, diskImageId: number): Promise<DiskImageLocation> {
    return this.library.locateDiskImage(p, diskImageId);
  }

  async listBlueprints(p: Principal): Promise<Blueprint[]> {
    return this.library.listBlueprints(p);
  }

  async getBlueprint(p: Principal, blueprintId: number): Promise<Blueprint> {
    return this.library.getBlueprint(p, blueprintId);
  }

  async createBlueprint(p: Principal, body: CreateBlueprint, o?: RequestOptions): Promise<Blueprint> {
    return this.library.saveBlueprint(p, body, o);
  }

  async deleteBlueprint(p: Principal, blueprintId: number): Promise<void> {
    return this.library.deleteBlueprint(p, blueprintId);
  }

  async getDocumentation(p: Principal, kind: LibraryObjectKind, id: number): Promise<Documentation> {
    return this.library.getDocumentation(p, kind, id);
  }

  async setDocumentation(p: Principal, kind: LibraryObjectKind, id: number, doc: Documentation): Promise<Documentation> {
    return this.library.setDocumentation(p, kind, id, doc);
  }

  async calcPrice(p: Principal, applicationId: number, aspect: 'design' | 'deployment'): Promise<PriceQuote> {
    return this.deployments.calcPrice(p, applicationId, aspect);
  }

  async billing(p: Principal, query: BillingQuery): Promise<BillingLine[]> {
    return billing(this.o.events, this.o.clock, p, query);
  }

  async eventNames(p: Principal): Promise<string[]> {
    authorizeOrThrow(p, 'READ', { type: 'EVENT', organizationId: tenantOf(p) }, this.o.clock.now());
    return [...eventNames];
  }

  async searchNotifications(p: Principal, query: NotificationsQuery): Promise<{ notifications: EventRecord[] }> {
    return { notifications: await notifications(this.o.events, this.o.clock, p, query) };
  }

  async createApplication(p: Principal, body: CreateApplication, o?: RequestOptions): Promise<Application> {
    const input = parseInput(CreateApplication, body, 'body');
    if ('baseBlueprintId' in input) return this.library.createFromBlueprint(p, input, o);
    return this.apps.create(p, body, o);
  }

  getApplication(p: Principal, applicationId: number, aspect?: 'design'): Promise<Application>;
  getApplication(p: Principal, applicationId: number, aspect: 'deployment'): Promise<DeploymentView>;
  async getApplication(p: Principal, applicationId: number, aspect?: 'design' | 'deployment'): Promise<Application | DeploymentView> {
    if (aspect === 'deployment') return deploymentView(await this.apps.get(p, applicationId));
    return this.apps.get(p, applicationId, aspect);
  }

  getApplicationNow(p: Principal, applicationId: number): Application | undefined {
    return this.apps.getNow(p, applicationId);
  }

  async getApplicationDesign(p: Principal, applicationId: number): Promise<Design> {
    return this.apps.design(p, applicationId);
  }

  async listApplications(p: Principal, organizationId?: number): Promise<ApplicationSummary[]> {
    return this.apps.list(p, organizationId);
  }

  async filterApplications(p: Principal, criterion: FilterCriterion): Promise<ApplicationSummary[]> {
    return this.apps.filter(p, criterion);
  }

  async updateApplication(p: Principal, applicationId: number, patch: UpdateApplication): Promise<Application> {
    return this.apps.update(p, applicationId, patch);
  }

  async addVm(p: Principal, applicationId: number, body: AddVmRequest, o?: RequestOptions): Promise<Application> {
    return this.apps.addVm(p, applicationId, body, o);
  }

  async deleteApplication(p: Principal, applicationId: number): Promise<void> {
    await this.apps.delete(p, applicationId);
    await this.library.releaseApplicationDisks(p, applicationId);
  }

  // ---- applications (deployment side)

  async publishApplication(p: Principal, applicationId: number, body: PublishRequest, o?: RequestOptions): Promise<Application> {
    return this.deployments.publish(p, applicationId, body, o);
  }

  async startApplication(p: Principal, applicationId: number, o?: RequestOptions): Promise<Application> {
    return this.deployments.start(p, applicationId, o);
  }

  async stopApplication(p: Principal, applicationId: number, o?: RequestOptions): Promise<Application> {
    return this.deployments.stopOrRestart(p, applicationId, 'stop', o);
  }

  async restartApplication(p: Principal, applicationId: number, o?: RequestOptions): Promise<Application> {
    return this.deployments.stopOrRestart(p, applicationId, 'restart', o);
  }

  async vmAction(p: Principal, applicationId: number, vmId: LocalId, action: VmActionName, o?: RequestOptions): Promise<Application> {
    return this.deployments.vmAction(p, applicationId, vmId, action, o);
  }

  async vmsAction(p: Principal, applicationId: number, vmIds: readonly LocalId[], action: VmActionName, o?: RequestOptions): Promise<Application> {
    return this.deployments.vmsAction(p, applicationId, vmIds, action, o);
  }

  async publishUpdates(p: Principal, applicationId: number, body: PublishUpdatesOptions, o?: RequestOptions): Promise<Application> {
    return this.deployments.publishUpdates(p, applicationId, body, o);
  }

  async listTasks(p: Principal, applicationId: number): Promise<ScheduledTask[]> {
    return this.deployments.taskCall(p, applicationId, { type: 'listTasks' });
  }

  async createTask(p: Principal, applicationId: number, body: CreateScheduledTask, o?: RequestOptions): Promise<ScheduledTask> {
    return this.deployments.createTask(p, applicationId, body, o);
  }

  async getTask(p: Principal, applicationId: number, taskId: number): Promise<ScheduledTask> {
    return this.deployments.taskCall(p, applicationId, { type: 'getTask', taskId });
  }

  async updateTask(p: Principal, applicationId: number, taskId: number, body: CreateScheduledTask): Promise<ScheduledTask> {
    return this.deployments.updateTask(p, applicationId, taskId, body);
  }

  async deleteTask(p: Principal, applicationId: number, taskId: number): Promise<void> {
    await this.deployments.taskCall(p, applicationId, { type: 'deleteTask', taskId });
  }

  async setExpiration(p: Principal, applicationId: number, body: SetExpiration): Promise<Application> {
    return this.deployments.setExpiration(p, applicationId, body);
  }

  async isPublished(p: Principal, applicationId: number): Promise<boolean> {
    return (await this.apps.get(p, applicationId)).published;
  }

  async publishLocations(p: Principal, applicationId: number): Promise<string[]> {
    return this.deployments.publishLocations(p, applicationId);
  }

  async registerHost(p: Principal, input: HostInput): Promise<HostState> {
    return this.deployments.registerHost(p, input);
  }

  async listHosts(p: Principal, region: string): Promise<HostView[]> {
    return this.deployments.listHosts(p, region);
  }
}
