/**
 * The application actor's messages, as schemas checked at its boundary. This round holds the
 * design side; the deployment side (publish, start, stop, restart, per-VM actions, publish
 * updates, expiration, tasks, reports from hosts) is added next as `ApplicationDeploymentMsgSchema`
 * members, with their handlers in their own file beside application-design.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Description, Design, LibraryImage, Name, ServerId } from '../../../domain/schemas/index.ts';
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

/** Reserved for the deployment side; empty until it is written. */
export const ApplicationDeploymentMsgSchema = Type.Never();

export const ApplicationMsgSchema = Type.Union([ApplicationDesignMsgSchema, ApplicationDeploymentMsgSchema]);
export type ApplicationMsg = Static<typeof ApplicationMsgSchema>;
