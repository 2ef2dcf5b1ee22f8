/**
 * The library's VMs and disks: `GET/POST /images`, `GET/PUT/DELETE /images/{id}`,
 * `GET/POST /diskImages`, `GET/PUT/DELETE /diskImages/{id}`, and (ours) the documentation
 * notes of each at `.../{id}/documentation`. Disk content (`/diskImages/{id}/content`) streams
 * outside the route table (gateway/disk-images/).
 */
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateDiskImage, CreateImage, Documentation, UpdateLibraryObject, type LibraryObjectKind } from '../../domain/schemas/index.ts';
import { created, defineRoute, empty, json, requestOptions, type AnyRoute } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';

/** `GET/PUT {collection}/{id}/documentation` for one kind of library object. */
export function documentationRoutes(control: ControlPlane, collection: string, kind: LibraryObjectKind): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: `/${collection}/{id}/documentation`,
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'Documentation notes (ours)',
      handler: async (req) => json(await control.getDocumentation(who(req), kind, req.params.id)),
    }),
    defineRoute({
      method: 'PUT',
      path: `/${collection}/{id}/documentation`,
      auth: 'session-or-token',
      schema: { params: IdParams, body: Documentation },
      summary: 'Replaces the documentation notes (ours)',
      handler: async (req) => json(await control.setDocumentation(who(req), kind, req.params.id, { content: req.body.content })),
    }),
  ];
}

export function imageRoutes(control: ControlPlane): AnyRoute[] {
  return [
    defineRoute({ method: 'GET', path: '/images', auth: 'session-or-token', schema: {}, handler: async (req) => json(await control.listImages(who(req))) }),
    defineRoute({
      method: 'POST',
      path: '/images',
      auth: 'session-or-token',
      schema: { body: CreateImage },
      summary: 'Saves one VM of an application as a library VM; loadingStatus SAVING, then DONE',
      successStatus: 201,
      handler: async (req) => {
        const image = await control.createImage(who(req), only(req.body, ['applicationId', 'vmId', 'imageName', 'offline']), requestOptions(req));
        return created(image, objectPath('images', image.id));
      },
    }),
    defineRoute({ method: 'GET', path: '/images/{id}', auth: 'session-or-token', schema: { params: IdParams }, handler: async (req) => json(await control.getImage(who(req), req.params.id)) }),
    defineRoute({
      method: 'PUT',
      path: '/images/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: UpdateLibraryObject },
      summary: 'Changes the name or description; other fields are ignored',
      handler: async (req) => json(await control.updateImage(who(req), req.params.id, only(req.body, ['name', 'description']))),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/images/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      successStatus: 204,
      handler: async (req) => {
        await control.deleteImage(who(req), req.params.id);
        return empty();
      },
    }),
    ...documentationRoutes(control, 'images', 'image'),

    defineRoute({ method: 'GET', path: '/diskImages', auth: 'session-or-token', schema: {}, handler: async (req) => json(await control.listDiskImages(who(req))) }),
    defineRoute({
      method: 'POST',
      path: '/diskImages',
      auth: 'session-or-token',
      schema: { body: CreateDiskImage },
      summary: 'Saves one disk of a VM as a disk image; loadingStatus PARSING, then DONE (uploads make them too)',
      successStatus: 201,
      handler: async (req) => {
        const d = await control.createDiskImage(who(req), only(req.body, ['applicationId', 'vmId', 'diskId', 'diskImage', 'offline']), requestOptions(req));
        return created(d, objectPath('diskImages', d.id));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/diskImages/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'With format, virtualSize, storedSize and sha256 (ours)',
      handler: async (req) => json(await control.getDiskImage(who(req), req.params.id), { headers: { 'content-location': objectPath('diskImages', req.params.id) } }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/diskImages/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams, body: UpdateLibraryObject },
      summary: 'Changes the name or description; other fields are ignored',
      handler: async (req) => json(await control.updateDiskImage(who(req), req.params.id, only(req.body, ['name', 'description']))),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/diskImages/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'Refused (409) while a library VM uses it',
      successStatus: 204,
      handler: async (req) => {
        await control.deleteDiskImage(who(req), req.params.id);
        return empty();
      },
    }),
    ...documentationRoutes(control, 'diskImages', 'diskImage'),
  ];
}
