/**
 * The application actor's messages, as schemas checked at its boundary: the design side, and the
 * deployment side (publish, start, stop, restart, per-VM actions, publish updates, expiration,
 * reports from hosts), with their handlers in their own files beside application-design.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CreateScheduledTask, Description, Design, MAX_VMS_PER_APPLICATION, LibraryImage, LocalId, Name, PublishRequest, ServerId, SetExpiration } from '../../../domain/schemas/index.ts';
import { PrincipalSchema } from '../organization/principal-schema.ts';

export const ApplicationDesignMsgSchema = Type.Union([
  Type.Object({
    type: Type.Literal('create'),
    principal: PrincipalSchema,
    organizationId: ServerId,
    input: Type.Object({ name: Name, description: Type.Optional(Description), design: Type.Optional(Design) }),
  }),
  Type.Object({ type: Type.Literal('get'), principal: PrincipalSchema }),
  /** Like get, but null instead of NOT_FOUND: for lists, which skip what the principal may not see. */
  Type.Object({ type: Type.Literal('peek'), principal: PrincipalSchema }),
  Type.Object({
    type: Type.Literal('update'),
    principal: PrincipalSchema,
    patch: Type.Object({ name: Type.Optional(Name), description: Type.Optional(Description), design: Type.Optional(Design) }),
  }),
  Type.Object({ type: Type.Literal('addVm'), principal: PrincipalSchema, image: LibraryImage, name: Type.Optional(Name) }),
  Type.Object({ type: Type.Literal('delete'), principal: PrincipalSchema }),
]);

/** The per-VM actions (`POST .../vms/{vm}/{action}`), carried out on hosts. */
export const VmActionName = Type.Union([
  Type.Literal('start'), Type.Literal('stop'), Type.Literal('shutdown'), Type.Literal('poweroff'), Type.Literal('restart'),
  Type.Literal('redeploy'), Type.Literal('repair'), Type.Literal('resetDisks'),
]);
export type VmActionName = Static<typeof VmActionName>;

const HostToken = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });
const HostVmState = Type.Union([Type.Literal('stopped'), Type.Literal('starting'), Type.Literal('running'), Type.Literal('stopping'), Type.Literal('failed')]);
const Seq = Type.Integer({ minimum: 0 });
const StoreToken = Type.String({ minLength: 1, maxLength: 128 });
/** A snapshot's result: the version each disk (`d<disk id key>`) is now at. */
export const SnapshotDisks = Type.Array(Type.Object({ diskId: HostToken, image: StoreToken, version: StoreToken }), { maxItems: 1024 });

/** The deployment side: callers' actions (with a principal) and what hosts report (from the bridge). */
export const ApplicationDeploymentMsgSchema = Type.Union([
  Type.Object({ type: Type.Literal('publish'), principal: PrincipalSchema, request: PublishRequest }),
  Type.Object({ type: Type.Literal('start'), principal: PrincipalSchema }),
  Type.Object({ type: Type.Literal('stop'), principal: PrincipalSchema }),
  Type.Object({ type: Type.Literal('restart'), principal: PrincipalSchema }),
  Type.Object({ type: Type.Literal('vmAction'), principal: PrincipalSchema, vmId: LocalId, action: VmActionName }),
  /** Several VMs at once: every one must allow the action, or none changes. */
  Type.Object({ type: Type.Literal('vmsAction'), principal: PrincipalSchema, vmIds: Type.Array(LocalId, { minItems: 1, maxItems: MAX_VMS_PER_APPLICATION }), action: VmActionName }),
  Type.Object({ type: Type.Literal('publishUpdates'), principal: PrincipalSchema, startAllDraftVms: Type.Optional(Type.Boolean()) }),
  Type.Object({ type: Type.Literal('calcPrice'), principal: PrincipalSchema, aspect: Type.Union([Type.Literal('design'), Type.Literal('deployment')]) }),
  Type.Object({ type: Type.Literal('setExpiration'), principal: PrincipalSchema, request: SetExpiration }),
  Type.Object({ type: Type.Literal('hostStatus'), host: HostToken, vmKey: Type.String({ minLength: 1, maxLength: 32 }), state: HostVmState, seq: Seq }),
  Type.Object({
    type: Type.Literal('hostResult'), host: HostToken, commandId: HostToken, ok: Type.Boolean(), seq: Seq, disks: Type.Optional(SnapshotDisks),
    /** The VM's state on the host after the command (for a command sent again: application-settle.ts). */
    state: Type.Optional(Type.Union([HostVmState, Type.Literal('undefined')])),
  }),
  Type.Object({ type: Type.Literal('hostLost'), host: HostToken, vmKeys: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 1024 }) }),
  /** From a host's room audit (room-audit.ts): which of these VMs' room on `host` the application holds. A read. */
  Type.Object({ type: Type.Literal('roomHeld'), host: HostToken, vmKeys: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 1024 }) }),
]);

/** Scheduled tasks (application-tasks.ts). Task ids are the application's own, from 1. */
export const ApplicationTaskMsgSchema = Type.Union([
  Type.Object({ type: Type.Literal('createTask'), principal: PrincipalSchema, task: CreateScheduledTask }),
  Type.Object({ type: Type.Literal('listTasks'), principal: PrincipalSchema }),
  Type.Object({ type: Type.Literal('getTask'), principal: PrincipalSchema, taskId: ServerId }),
  Type.Object({ type: Type.Literal('updateTask'), principal: PrincipalSchema, taskId: ServerId, task: CreateScheduledTask }),
  Type.Object({ type: Type.Literal('deleteTask'), principal: PrincipalSchema, taskId: ServerId }),
  /** The application as a blueprint (POST /blueprints), its running VMs' disks snapshotted first. */
  Type.Object({
    type: Type.Literal('saveBlueprint'),
    principal: PrincipalSchema,
    name: Name,
    description: Type.Optional(Description),
    requestKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  }),
]);

export const ApplicationMsgSchema = Type.Union([ApplicationDesignMsgSchema, ApplicationDeploymentMsgSchema, ApplicationTaskMsgSchema]);
export type ApplicationMsg = Static<typeof ApplicationMsgSchema>;
