/** An entry of a tenant's event stream, and the names `/events` lists. */
import { Type, type Static } from '@sinclair/typebox';
import { EpochMillis, ServerId } from './common.ts';

/** Every event name, by what it is about. `GET /events` answers this list. */
export const eventNames = [
  'APPLICATION_CREATED',
  'APPLICATION_UPDATED',
  'APPLICATION_DELETED',
  'APPLICATION_PUBLISHED',
  'APPLICATION_UPDATES_PUBLISHED',
  'APPLICATION_STARTED',
  'APPLICATION_STOPPED',
  'APPLICATION_RESTARTED',
  'APPLICATION_EXPIRATION_SET',
  'APPLICATION_EXPIRED',
  'APPLICATION_TASK_SCHEDULED',
  'APPLICATION_TASK_FIRED',
  'APPLICATION_TASK_DELETED',
  'VM_ADDED',
  'VM_UPDATED',
  'VM_REMOVED',
  'VM_STATE_CHANGED',
  'VM_ACTION_REQUESTED',
  'VM_REPAIRED',
  'HOST_UP',
  'HOST_DOWN',
  'HOST_RELEASED',
  'BLUEPRINT_SAVING',
  'BLUEPRINT_READY',
  'BLUEPRINT_DELETED',
  'IMAGE_SAVING',
  'IMAGE_READY',
  'IMAGE_DELETED',
  'DISK_IMAGE_READY',
  'DISK_IMAGE_FAILED',
  'DISK_IMAGE_DELETED',
  'KEY_PAIR_CREATED',
  'KEY_PAIR_UPDATED',
  'KEY_PAIR_DELETED',
  'ELASTIC_IP_ALLOCATED',
  'ELASTIC_IP_ATTACHED',
  'ELASTIC_IP_DETACHED',
  'ELASTIC_IP_RELEASED',
  'USER_INVITED',
  'USER_UPDATED',
  'USER_ENABLED',
  'USER_DISABLED',
  'USER_DELETED',
  'USER_PASSWORD_CHANGED',
  'USER_LOGIN',
  'USER_LOGIN_FAILED',
  'USER_LOGOUT',
  'PERMISSIONS_GROUP_CHANGED',
  'EPHEMERAL_TOKEN_CREATED',
  'EPHEMERAL_TOKEN_UPDATED',
  'EPHEMERAL_TOKEN_DELETED',
  'ORGANIZATION_CREATED',
  'ORGANIZATION_UPDATED',
  'LIMITS_CHANGED',
  'QUOTA_EXCEEDED',
] as const;
export type EventName = (typeof eventNames)[number];

export const EventNameSchema = Type.Union(eventNames.map((n) => Type.Literal(n)));

/** What an event is about: a resource type and its id (design ids as their decimal key). */
export const SubjectRef = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 32 }),
  id: Type.String({ minLength: 1, maxLength: 32 }),
});
export type SubjectRef = Static<typeof SubjectRef>;

/** Who caused an event: a user, a token, an operator, or the system itself (reminders, hosts). */
export const PrincipalRef = Type.Union([
  Type.Object({ kind: Type.Literal('user'), userId: ServerId }),
  Type.Object({ kind: Type.Literal('token'), tokenId: ServerId }),
  Type.Object({ kind: Type.Literal('operator'), name: Type.String({ maxLength: 128 }) }),
  Type.Object({ kind: Type.Literal('system') }),
]);
export type PrincipalRef = Static<typeof PrincipalRef>;

export const EventRecord = Type.Object({
  /** Position in the tenant's stream, from 1, without gaps. */
  sequence: Type.Integer({ minimum: 1 }),
  tenantId: ServerId,
  time: EpochMillis,
  principal: PrincipalRef,
  name: EventNameSchema,
  subjects: Type.Array(SubjectRef, { maxItems: 16 }),
  /** Small, msgpackr-encodable facts (from and to states, region, ...). */
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type EventRecord = Static<typeof EventRecord>;
