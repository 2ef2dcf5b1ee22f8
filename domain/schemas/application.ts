/** Applications: the design, the deployment, and the bodies of their calls. */
import { Type, type Static } from '@sinclair/typebox';
import { BoundedArray, Description, EpochMillis, LocalId, Name, ServerId } from './common.ts';
import { VmDeployment, VmDesign } from './vm.ts';

export const MAX_VMS_PER_APPLICATION = 256;

export const Design = Type.Object({ vms: BoundedArray(VmDesign, MAX_VMS_PER_APPLICATION) });
export type Design = Static<typeof Design>;

export const OptimizationLevel = Type.Union([Type.Literal('COST_OPTIMIZED'), Type.Literal('PERFORMANCE_OPTIMIZED')]);
export type OptimizationLevel = Static<typeof OptimizationLevel>;

export const Deployment = Type.Object({
  vms: BoundedArray(VmDeployment, MAX_VMS_PER_APPLICATION),
  regionName: Type.String({ maxLength: 64 }),
  optimizationLevel: OptimizationLevel,
  totalActiveVms: Type.Integer({ minimum: 0 }),
  publishTime: Type.Optional(EpochMillis),
  /** When the application stops by itself; absent: never. */
  expirationTime: Type.Optional(EpochMillis),
});
export type Deployment = Static<typeof Deployment>;

export const Application = Type.Object({
  id: ServerId,
  name: Name,
  description: Type.Optional(Description),
  owner: Type.Optional(Type.String({ maxLength: 255 })),
  creationTime: Type.Optional(EpochMillis),
  design: Design,
  deployment: Type.Optional(Deployment),
  published: Type.Boolean(),
  designDiffersFromDeployment: Type.Optional(Type.Boolean()),
  nextStopTime: Type.Optional(EpochMillis),
  baseBlueprintId: Type.Optional(ServerId),
});
export type Application = Static<typeof Application>;

/** `POST /applications`: a name with a design, or a name with a blueprint to copy. */
export const CreateApplication = Type.Union([
  Type.Object({ name: Name, description: Type.Optional(Description), baseBlueprintId: ServerId }),
  Type.Object({ name: Name, description: Type.Optional(Description), design: Type.Optional(Design) }),
]);
export type CreateApplication = Static<typeof CreateApplication>;

/** `PUT /applications/{id}`: the editable parts. */
export const UpdateApplication = Type.Object({
  name: Type.Optional(Name),
  description: Type.Optional(Description),
  design: Type.Optional(Design),
});
export type UpdateApplication = Static<typeof UpdateApplication>;

/** `POST /applications/{id}/publish`; naming a region implies PERFORMANCE_OPTIMIZED. */
export const PublishRequest = Type.Object({
  preferredRegion: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  optimizationLevel: Type.Optional(OptimizationLevel),
  startAllVms: Type.Optional(Type.Boolean()),
});
export type PublishRequest = Static<typeof PublishRequest>;

/** Ten years: beyond it an expiration is a typo, not an intent. */
export const MAX_EXPIRATION_SECONDS = 10 * 365 * 24 * 3600;

/** `POST /applications/{id}/setExpiration`; -1 means never. */
export const SetExpiration = Type.Object({
  expirationFromNowSeconds: Type.Integer({ minimum: -1, maximum: MAX_EXPIRATION_SECONDS }),
});
export type SetExpiration = Static<typeof SetExpiration>;

/** `POST /applications/{id}/vms`: add a library VM to the design. */
export const AddVmRequest = Type.Object({ baseVmId: ServerId, name: Type.Optional(Name) });
export type AddVmRequest = Static<typeof AddVmRequest>;

/** `POST /applications/{id}/vms/{action}` for several VMs. */
export const VmIdsRequest = Type.Object({ ids: Type.Array(LocalId, { minItems: 1, maxItems: MAX_VMS_PER_APPLICATION }) });
export type VmIdsRequest = Static<typeof VmIdsRequest>;

const SimpleCriterion = Type.Object({
  type: Type.Literal('SIMPLE'),
  operator: Type.Union(['Equals', 'NotEquals', 'Contains', 'GreaterThan', 'LessThan'].map((o) => Type.Literal(o))),
  propertyName: Type.String({ minLength: 1, maxLength: 64 }),
  operand: Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.BigInt()]),
});

/** `POST /applications/filter`: one level of And/Or over simple criteria. */
export const FilterCriterion = Type.Union([
  SimpleCriterion,
  Type.Object({
    type: Type.Literal('COMPLEX'),
    operator: Type.Union([Type.Literal('And'), Type.Literal('Or')]),
    criteria: Type.Array(SimpleCriterion, { maxItems: 32 }),
  }),
]);
export type FilterCriterion = Static<typeof FilterCriterion>;
