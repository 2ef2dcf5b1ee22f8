/** Every REST route of the API over the ControlPlane, for `createGateway` (sessions come with it). */
import type { ControlPlane } from '../../control/control-plane.ts';
import type { AnyRoute } from '../http/route.ts';
import { applicationRoutes } from './application-routes.ts';
import { blueprintRoutes } from './blueprint-routes.ts';
import { billingRoutes } from './billing-routes.ts';
import { deploymentRoutes } from './deployment-routes.ts';
import { elasticIpRoutes } from './elastic-ip-routes.ts';
import { eventRoutes } from './event-routes.ts';
import { imageRoutes } from './image-routes.ts';
import { keyPairRoutes } from './keypair-routes.ts';
import { organizationRoutes } from './organization-routes.ts';
import { permissionsGroupRoutes } from './permissions-group-routes.ts';
import { taskRoutes } from './task-routes.ts';
import { tokenRoutes } from './token-routes.ts';
import { userRoutes } from './user-routes.ts';

export function apiRoutes(control: ControlPlane): AnyRoute[] {
  return [
    ...organizationRoutes(control),
    ...userRoutes(control),
    ...permissionsGroupRoutes(control),
    ...tokenRoutes(control),
    ...keyPairRoutes(control),
    ...imageRoutes(control),
    ...blueprintRoutes(control),
    ...applicationRoutes(control),
    ...deploymentRoutes(control),
    ...taskRoutes(control),
    ...billingRoutes(control),
    ...elasticIpRoutes(control),
    ...eventRoutes(control),
  ];
}
