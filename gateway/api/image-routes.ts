/**
 * The library's VMs and disks: `GET/POST /images`, `GET/PUT/DELETE /images/{id}`,
 * `GET/POST /diskImages`, `GET/PUT/DELETE /diskImages/{id}`, and (ours) the documentation
 * notes of each at `.../{id}/documentation`. Disk content (`/diskImages/{id}/content`) streams
 * outside the route table (gateway/disk-images/).
 */
import type { ControlPlane } from '../../control/control-plane.ts';
import { CreateDiskImage, CreateImage, Documentation, UpdateLibraryObject, type LibraryObjectKind } from '../../domain/schemas/index.ts';
import { defineRoute, json, type AnyRoute } from '../http/route.ts';
import { IdParams, objectPath, only, who } from './api-paths.ts';
import { createRoute, deleteRoute, idBodyRoute, idRoute, readRoute } from './route-shapes.ts';

/** `GET/PUT {collection}/{id}/documentation` for one kind of library object. */
export function documentationRoutes(control: ControlPlane, collection: string, kind: LibraryObjectKind): AnyRoute[] {
  return [
    idRoute({
      method: 'GET',
      path: `/${collection}/{id}/documentation`,
      summary: 'Documentation notes (ours)',
      answer: (p, id) => control.getDocumentation(p, kind, id),
    }),
    idBodyRoute({
      method: 'PUT',
      path: `/${collection}/{id}/documentation`,
      body: Documentation,
      summary: 'Replaces the documentation notes (ours)',
      answer: (p, id, b) => control.setDocumentation(p, kind, id, { content: b.content }),
    }),
  ];
}

export function imageRoutes(control: ControlPlane): AnyRoute[] {
  return [
    readRoute({ path: '/images', read: (p) => control.listImages(p) }),
    createRoute({
      path: '/images',
      collection: 'images',
      body: CreateImage,
      summary: 'Saves one VM of an application as a library VM; loadingStatus SAVING, then DONE',
      create: (p, b, o) => control.createImage(p, only(b, ['applicationId', 'vmId', 'imageName', 'offline']), o),
    }),
    idRoute({ method: 'GET', path: '/images/{id}', answer: (p, id) => control.getImage(p, id) }),
    idBodyRoute({
      method: 'PUT',
      path: '/images/{id}',
      body: UpdateLibraryObject,
      summary: 'Changes the name or description; other fields are ignored',
      answer: (p, id, b) => control.updateImage(p, id, only(b, ['name', 'description'])),
    }),
    deleteRoute({ path: '/images/{id}', remove: (p, id) => control.deleteImage(p, id) }),
    ...documentationRoutes(control, 'images', 'image'),

    readRoute({ path: '/diskImages', read: (p) => control.listDiskImages(p) }),
    createRoute({
      path: '/diskImages',
      collection: 'diskImages',
      body: CreateDiskImage,
      summary: 'Saves one disk of a VM as a disk image; loadingStatus PARSING, then DONE (uploads make them too)',
      create: (p, b, o) => control.createDiskImage(p, only(b, ['applicationId', 'vmId', 'diskId', 'diskImage', 'offline']), o),
    }),
    defineRoute({
      method: 'GET',
      path: '/diskImages/{id}',
      auth: 'session-or-token',
      schema: { params: IdParams },
      summary: 'With format, virtualSize, storedSize and sha256 (ours)',
      handler: async (req) => json(await control.getDiskImage(who(req), req.params.id), { headers: { 'content-location': objectPath('diskImages', req.params.id) } }),
    }),
    idBodyRoute({
      method: 'PUT',
      path: '/diskImages/{id}',
      body: UpdateLibraryObject,
      summary: 'Changes the name or description; other fields are ignored',
      answer: (p, id, b) => control.updateDiskImage(p, id, only(b, ['name', 'description'])),
    }),
    deleteRoute({ path: '/diskImages/{id}', summary: 'Refused (409) while a library VM uses it', remove: (p, id) => control.deleteDiskImage(p, id) }),
    ...documentationRoutes(control, 'diskImages', 'diskImage'),
  ];
}
