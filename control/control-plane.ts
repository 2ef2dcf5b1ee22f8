/**
 * The typed programmatic API of the control plane: what the REST gateway calls, one method per
 * operation of ../shared/API.md, so the gateway only maps HTTP to calls and results to bodies.
 *
 * - Every method takes the calling `Principal` first (from `resolveSession`/`resolveToken`, or an
 *   operator's), except the calls that make one (`login`, the resolvers).
 * - Results are plain resource objects shaped as the API's (ids are numbers below 2^53).
 * - Inputs are checked again by the actors with the domain schemas, so a caller that skipped
 *   validation still gets INVALID_ARGUMENT naming the field, and nothing changes.
 * - Errors are RavelErrors with stable codes: NOT_FOUND (missing, or another tenant's: the two
 *   are indistinguishable), PERMISSION_DENIED (visible but not allowed), UNAUTHENTICATED
 *   (expired token), INVALID_ARGUMENT, ALREADY_EXISTS, ILLEGAL_STATE, QUOTA_EXCEEDED, and the
 *   runtime's TIMEOUT/UNAVAILABLE.
 * - `RequestOptions.requestId` makes a creating call idempotent: a retry with the same id answers
 *   the first result and creates nothing. Calls whose answer holds a secret (tokens, generated
 *   key pairs, logins) take none, since the runtime keeps replies to keyed calls in the record.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { EventRecord } from '../domain/events.ts';
import type {
  AddVmRequest, Application, ChangePassword, CreateApplication, Design, ElasticIp, EphemeralToken, FilterCriterion, InviteUser,
  KeyPair, LibraryImage, Limits, Organization, PermissionsGroup, Role, UpdateApplication, User,
} from '../domain/schemas/index.ts';
import type { NicRef } from '../domain/network/elastic-ips.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import type { HostState } from '../domain/host/host-model.ts';
import type { HostView } from '../domain/placement/placement-types.ts';
import type { CreateScheduledTask, LocalId, PublishRequest, ScheduledTask, SetExpiration, TokenPatch } from '../domain/schemas/index.ts';
import type { VmActionName } from '../actors/kinds/application/application-messages.ts';
import type { BillingLine, BillingQuery } from './control-billing.ts';
import type { PriceQuote } from '../domain/billing/pricing.ts';
import type { Blueprint, CreateBlueprint, CreateDiskImage, CreateImage, DiskImage, Documentation, LibraryObjectKind, UpdateLibraryObject } from '../domain/schemas/index.ts';
import type { DiskImageLocation } from './control-library.ts';

export type { Principal };

export interface RequestOptions {
  /** Makes a creating call idempotent (see above). 1 to 128 characters. */
  readonly requestId?: string;
}

export interface CreateOrganizationInput {
  readonly name: string;
  readonly description?: string;
  /** Its users then log in as `identityDomain/username`. */
  readonly identityDomain?: string;
  readonly admin: { readonly email: string; readonly password: string; readonly name?: string; readonly surname?: string };
}

export interface LoginOutcome {
  /** The session cookie's value (`<org>.<secret>`); only its hash is stored. */
  readonly sessionId: string;
  readonly expiresAt: number;
  readonly user: User;
  readonly principal: Principal;
}

export interface PermissionsGroupInput {
  readonly name: string;
  readonly description?: string;
  readonly permissions: PermissionsGroup['permissions'];
}

export interface TokenInput {
  readonly name: string;
  readonly description?: string;
  readonly expirationTime: number;
  readonly permissions: EphemeralToken['permissions'];
}

/** `GET /applications` items. */
export interface ApplicationSummary {
  readonly id: number;
  readonly name: string;
  readonly description?: string;
  readonly creationTime?: number;
  readonly published: boolean;
  readonly nextStopTime?: number;
  readonly deployment: { readonly totalActiveVms: number };
}

/** `POST /notifications/search`: a time range (ms) and event names; all when absent. */
export interface NotificationsQuery {
  readonly dateRange?: { readonly startTime?: number; readonly endTime?: number };
  readonly eventNames?: readonly string[];
  /** Newest first when set: the last `maxResults` matching records. */
  readonly maxResults?: number;
}

/** `GET /applications/{id};deployment`: the application without its design; each VM has `state` and `hostId`. */
export type DeploymentView = Omit<Application, 'design'>;

/** An HVX host joining a region's inventory. */
export interface HostInput {
  readonly region: string;
  /** Its agent's host id: 1-48 letters, digits, `_` or `-`. */
  readonly hostId: string;
  /** Default: the region's configured host size. */
  readonly capacity?: { readonly cpus: number; readonly memoryMb: number };
}

export type { VmActionName };

/** `POST /applications/{id}/publishUpdates[?startAllDraftVms=false]`. */
export const PublishUpdatesOptions = Type.Object({ startAllDraftVms: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type PublishUpdatesOptions = Static<typeof PublishUpdatesOptions>;

export interface ControlPlane {
  // ---- operators
  /** Operators only: a tenant with its first admin (who can log in at once). */
  createOrganization(p: Principal, input: CreateOrganizationInput, o?: RequestOptions): Promise<{ organization: Organization; admin: User }>;
  /** Operators only: the limits enforced when publishing or starting. */
  setLimits(p: Principal, organizationId: number, limits: Limits): Promise<Limits>;
  /** Adds a library VM to an organization, ready at once (demo images, tests, imports). */
  addLibraryImage(p: Principal, organizationId: number, image: Omit<LibraryImage, 'id'>, o?: RequestOptions): Promise<LibraryImage>;

  // ---- sessions and credentials
  /** `user` or `domain/user` with a password; undefined when wrong (one answer for every reason). */
  login(login: string, password: string): Promise<LoginOutcome | undefined>;
  logout(sessionId: string): Promise<void>;
  /** The principal of a live session; undefined when unknown, expired, or its user is disabled. */
  resolveSession(sessionId: string): Promise<Principal | undefined>;
  /** The principal of an unexpired ephemeral token. */
  resolveToken(token: string): Promise<Principal | undefined>;

  // ---- the organization
  getOrganization(p: Principal): Promise<Organization>;
  updateOrganization(p: Principal, organizationId: number, patch: { name?: string; description?: string }): Promise<Organization>;
  getLimits(p: Principal): Promise<Limits>;

  // ---- users
  inviteUser(p: Principal, invite: InviteUser, o?: RequestOptions): Promise<User>;
  getUser(p: Principal, userId: number): Promise<User>;
  listUsers(p: Principal): Promise<User[]>;
  updateUser(p: Principal, userId: number, patch: { name?: string; surname?: string; roles?: Role[] }): Promise<User>;
  /** One's own password needs `existingPassword`; an admin setting another's omits it. */
  changePassword(p: Principal, userId: number, change: ChangePassword): Promise<void>;
  enableUser(p: Principal, userId: number): Promise<User>;
  disableUser(p: Principal, userId: number): Promise<User>;
  deleteUser(p: Principal, userId: number): Promise<void>;

  // ---- permission groups
  listPermissionsGroups(p: Principal): Promise<PermissionsGroup[]>;
  createPermissionsGroup(p: Principal, group: PermissionsGroupInput, o?: RequestOptions): Promise<PermissionsGroup>;
  getPermissionsGroup(p: Principal, groupId: number): Promise<PermissionsGroup>;
  updatePermissionsGroup(p: Principal, groupId: number, patch: Partial<PermissionsGroupInput>): Promise<PermissionsGroup>;
  deletePermissionsGroup(p: Principal, groupId: number): Promise<void>;
  listPermissionsGroupUsers(p: Principal, groupId: number): Promise<User[]>;
  addPermissionsGroupUser(p: Principal, groupId: number, userId: number): Promise<PermissionsGroup>;
  removePermissionsGroupUser(p: Principal, groupId: number, userId: number): Promise<PermissionsGroup>;

  // ---- ephemeral access tokens
  listTokens(p: Principal): Promise<EphemeralToken[]>;
  /** Answers the token's value once, in `token`; it never grants more than its creator holds. */
  createToken(p: Principal, token: TokenInput): Promise<EphemeralToken & { token: string }>;
  getToken(p: Principal, tokenId: number): Promise<EphemeralToken>;
  /** New permissions are checked as at creation, against `p`'s own grants (PERMISSION_DENIED if wider). */
  updateToken(p: Principal, tokenId: number, patch: TokenPatch): Promise<EphemeralToken>;
  deleteToken(p: Principal, tokenId: number): Promise<void>;

  // ---- key pairs
  listKeyPairs(p: Principal): Promise<KeyPair[]>;
  /** Answers without `publicKey`/`privateKey`. */
  createKeyPair(p: Principal, body: { name: string; publicKey: string }, o?: RequestOptions): Promise<KeyPair>;
  /** Answers both keys, once; the private key is not stored. */
  generateKeyPair(p: Principal, body: { name: string }): Promise<KeyPair>;
  getKeyPair(p: Principal, keyPairId: number): Promise<KeyPair>;
  updateKeyPair(p: Principal, keyPairId: number, body: { name: string }): Promise<KeyPair>;
  /** Soft: it still reads back, with `deleted: true`. */
  deleteKeyPair(p: Principal, keyPairId: number): Promise<void>;

  // ---- elastic IPs
  listElasticIps(p: Principal): Promise<ElasticIp[]>;
  listElasticIpLocations(p: Principal): Promise<string[]>;
  allocateElasticIp(p: Principal, body: { location: string }, o?: RequestOptions): Promise<ElasticIp>;
  releaseElasticIp(p: Principal, ip: string): Promise<void>;
  /** For the application side: binds the address to a NIC of a VM deployed in `region`. */
  attachElasticIp(p: Principal, ip: string, nic: NicRef, region: string): Promise<ElasticIp>;
  detachElasticIp(p: Principal, ip: string): Promise<ElasticIp>;

  // ---- library (control/control-library.ts): another tenant's object is NOT_FOUND
  listImages(p: Principal): Promise<LibraryImage[]>;
  getImage(p: Principal, imageId: number): Promise<LibraryImage>;
  /** `POST /images`: saves one VM of an application; SAVING until its disks are cloned, then DONE. */
  createImage(p: Principal, body: CreateImage, o?: RequestOptions): Promise<LibraryImage>;
  updateImage(p: Principal, imageId: number, patch: UpdateLibraryObject): Promise<LibraryImage>;
  deleteImage(p: Principal, imageId: number): Promise<void>;
  /** The organization's disk images and ISOs (not the snapshots blueprints and saved VMs own). */
  listDiskImages(p: Principal): Promise<DiskImage[]>;
  getDiskImage(p: Principal, diskImageId: number): Promise<DiskImage>;
  updateDiskImage(p: Principal, diskImageId: number, patch: UpdateLibraryObject): Promise<DiskImage>;
  /** `POST /diskImages`: saves one disk of an application's VM; PARSING until it is cloned, then DONE. */
  createDiskImage(p: Principal, body: CreateDiskImage, o?: RequestOptions): Promise<DiskImage>;
  /** ILLEGAL_STATE while a library VM uses it or a save owns it. */
  deleteDiskImage(p: Principal, diskImageId: number): Promise<void>;
  /** The storage side (an upload's end): an image of the organization's store becomes a disk image; again: the same one. */
  registerDiskImage(p: Principal, organizationId: number, storeImageId: string, name?: string): Promise<DiskImage>;
  /** Where a disk image's content is in the image store, for `GET /diskImages/{id}/content`. */
  locateDiskImage(p: Principal, diskImageId: number): Promise<DiskImageLocation>;
  listBlueprints(p: Principal): Promise<Blueprint[]>;
  getBlueprint(p: Principal, blueprintId: number): Promise<Blueprint>;
  /** Saves the whole application, each disk cloned in constant time: SAVING, then DONE (a durable job). */
  createBlueprint(p: Principal, body: CreateBlueprint, o?: RequestOptions): Promise<Blueprint>;
  /** ILLEGAL_STATE while SAVING; applications made from it keep their disks. */
  deleteBlueprint(p: Principal, blueprintId: number): Promise<void>;
  getDocumentation(p: Principal, kind: LibraryObjectKind, id: number): Promise<Documentation>;
  setDocumentation(p: Principal, kind: LibraryObjectKind, id: number, doc: Documentation): Promise<Documentation>;

  /**
   * `calcPrice;design` / `;deployment`: the hourly price of the VMs (micro-units exact, and in
   * currency units) in the region it runs in, or for a design the cheapest configured region.
   * ILLEGAL_STATE for `deployment` of a draft.
   */
  calcPrice(p: Principal, applicationId: number, aspect: 'design' | 'deployment'): Promise<PriceQuote>;

  // ---- billing
  /** `GET /billing[?year=&month=]`: each VM's run time times its price, by month (both or neither), from the event stream. */
  billing(p: Principal, query: BillingQuery): Promise<BillingLine[]>;

  // ---- events
  /** `GET /events`: every event name. */
  eventNames(p: Principal): Promise<string[]>;
  /** `POST /notifications/search` over the tenant's event stream. */
  searchNotifications(p: Principal, query: NotificationsQuery): Promise<{ notifications: EventRecord[] }>;

  // ---- applications (design side)
  /** Empty, from a design, or from a DONE blueprint (`baseBlueprintId`: its disks cloned for it). */
  createApplication(p: Principal, body: CreateApplication, o?: RequestOptions): Promise<Application>;
  /** The whole application, or one aspect (`design`). */
  getApplication(p: Principal, applicationId: number, aspect?: 'design'): Promise<Application>;
  /** The deployment aspect: the application without its design; each VM with its `state`. */
  getApplication(p: Principal, applicationId: number, aspect: 'deployment'): Promise<DeploymentView>;
  /**
   * The application, answered without waiting when it can be (its actor idle on this node), as
   * getApplication would; undefined when it cannot (call getApplication). Throws its refusals.
   */
  getApplicationNow?(p: Principal, applicationId: number): Application | undefined;
  getApplicationDesign(p: Principal, applicationId: number): Promise<Design>;
  /** The applications `p` may read: of its own organization, or of `organizationId` (an operator's choice; another tenant's is NOT_FOUND). */
  listApplications(p: Principal, organizationId?: number): Promise<ApplicationSummary[]>;
  filterApplications(p: Principal, criterion: FilterCriterion): Promise<ApplicationSummary[]>;
  updateApplication(p: Principal, applicationId: number, patch: UpdateApplication): Promise<Application>;
  /** Adds a library VM (`baseVmId`) to the design; answers the application. */
  addVm(p: Principal, applicationId: number, body: AddVmRequest, o?: RequestOptions): Promise<Application>;
  /**
   * A draft, or a published application: its VMs powered off and undefined on their hosts, the
   * hosts' room released; the event names the VMs and hosts.
   */
  deleteApplication(p: Principal, applicationId: number): Promise<void>;

  // ---- applications (deployment side)
  /**
   * Places the design on HVX hosts and defines every VM there (each PUBLISHING, then STARTING and
   * STARTED with `startAllVms`, the default). Naming `preferredRegion` implies
   * PERFORMANCE_OPTIMIZED (VMs spread over hosts); otherwise COST_OPTIMIZED (the cheapest region
   * with room). ILLEGAL_STATE when already published, INVALID_ARGUMENT without VMs or for an unknown
   * region, UNAVAILABLE when no region has room, QUOTA_EXCEEDED past the organization's limits.
   * Answers at once; the VMs' states then follow what their hosts report.
   */
  publishApplication(p: Principal, applicationId: number, body: PublishRequest, o?: RequestOptions): Promise<Application>;
  /** Starts every stopped VM (others are left alone); ILLEGAL_STATE when none can start; QUOTA_EXCEEDED. */
  startApplication(p: Principal, applicationId: number, o?: RequestOptions): Promise<Application>;
  /** Stops every started or starting VM; ILLEGAL_STATE when none can stop. */
  stopApplication(p: Principal, applicationId: number, o?: RequestOptions): Promise<Application>;
  /** Reboots every started VM; ILLEGAL_STATE when none is started. */
  restartApplication(p: Principal, applicationId: number, o?: RequestOptions): Promise<Application>;
  /**
   * One VM of the deployment: `start`, `stop` (ACPI; a VM still booting is powered off), `shutdown`,
   * `poweroff`, `restart`; `redeploy` (STOPPED or ERROR: placed again away from its host and
   * defined there), `repair` (ERROR: the same), `resetDisks` (STOPPED: its disks back to their images). ILLEGAL_STATE when its state does not allow it (nothing changes),
   * NOT_FOUND for a VM the deployment lacks, QUOTA_EXCEEDED for a start past the limits.
   */
  vmAction(p: Principal, applicationId: number, vmId: LocalId, action: VmActionName, o?: RequestOptions): Promise<Application>;
  /**
   * Several VMs in one call: every named VM must allow the action (ILLEGAL_STATE) and be in the
   * deployment (NOT_FOUND), or none changes.
   */
  vmsAction(p: Principal, applicationId: number, vmIds: readonly LocalId[], action: VmActionName, o?: RequestOptions): Promise<Application>;
  /**
   * Applies the design's edits to the deployment: added VMs placed in the application's region
   * and published (and started unless `startAllDraftVms` is false; QUOTA_EXCEEDED past the
   * limits), removed VMs powered off, undefined and their host room released, edited VMs take
   * the new design. ILLEGAL_STATE for a draft or when `designDiffersFromDeployment` is false.
   */
  publishUpdates(p: Principal, applicationId: number, body: PublishUpdatesOptions, o?: RequestOptions): Promise<Application>;
  /**
   * Scheduled tasks: START or STOP the application, or save it as a BLUEPRINT named
   * `blueprintName` (one blueprint per firing), once at `scheduleInfo.start` or by a UTC cron
   * expression within [start, end], on durable reminders; each firing is an APPLICATION_TASK_FIRED
   * event with its outcome (and `blueprintId`). INVALID_ARGUMENT for a schedule that never fires,
   * a bad cron expression, or a blueprintName missing on BLUEPRINT or given on START or STOP.
   * Task ids are the application's own.
   */
  listTasks(p: Principal, applicationId: number): Promise<ScheduledTask[]>;
  createTask(p: Principal, applicationId: number, body: CreateScheduledTask, o?: RequestOptions): Promise<ScheduledTask>;
  getTask(p: Principal, applicationId: number, taskId: number): Promise<ScheduledTask>;
  updateTask(p: Principal, applicationId: number, taskId: number, body: CreateScheduledTask): Promise<ScheduledTask>;
  deleteTask(p: Principal, applicationId: number, taskId: number): Promise<void>;
  /**
   * `{expirationFromNowSeconds}` (-1: never): shows as `nextStopTime`; at that time the
   * application stops by itself (a durable reminder: also after a restart). ILLEGAL_STATE for a draft.
   */
  setExpiration(p: Principal, applicationId: number, body: SetExpiration): Promise<Application>;
  isPublished(p: Principal, applicationId: number): Promise<boolean>;
  /** The region the application runs in; empty for a draft. */
  publishLocations(p: Principal, applicationId: number): Promise<string[]>;

  // ---- HVX hosts (operators)
  /** Adds a host (its agent running or about to) to a region's inventory; again: no change. */
  registerHost(p: Principal, input: HostInput): Promise<HostState>;
  /** The region's hosts as placement sees them (free room, accepting). */
  listHosts(p: Principal, region: string): Promise<HostView[]>;
}
