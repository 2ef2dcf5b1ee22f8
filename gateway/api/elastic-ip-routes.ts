/** `GET/POST /elasticIps`, `DELETE /elasticIps/{ip}`, `GET /elasticIps/locations`. */
import { Type } from '@sinclair/typebox';
import type { ControlPlane } from '../../control/control-plane.ts';
import { AllocateElasticIp, Ipv4 } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, type AnyRoute, requestOptions } from '../http/route.ts';
import { objectPath, who } from './api-paths.ts';
import { readRoute } from './route-shapes.ts';

const IpParams = Type.Object({ ip: Ipv4 });

export function elasticIpRoutes(control: ControlPlane): AnyRoute[] {
  return [
    readRoute({ path: '/elasticIps', read: (p) => control.listElasticIps(p) }),
    readRoute({ path: '/elasticIps/locations', summary: 'Regions elastic IPs can be allocated in', read: (p) => control.listElasticIpLocations(p) }),
    defineRoute({
      method: 'POST',
      path: '/elasticIps',
      auth: 'session-or-token',
      schema: { body: AllocateElasticIp },
      summary: 'Allocates an address in `location`',
      successStatus: 201,
      handler: async (req) => {
        const eip = await control.allocateElasticIp(who(req), { location: req.body.location }, requestOptions(req));
        return created(eip, objectPath('elasticIps', eip.ip));
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/elasticIps/{ip}',
      auth: 'session-or-token',
      schema: { params: IpParams },
      summary: 'Releases the address',
      successStatus: 204,
      handler: async (req) => {
        await control.releaseElasticIp(who(req), req.params.ip);
        return empty();
      },
    }),
  ];
}
