/**
 * Uploads and disk content on a node with the library: an upload's imported store images are
 * registered as the organization's disk images (so they appear in `GET /diskImages`, with the
 * API's integer ids, which the upload's status then names), and `/diskImages/{id}/content`
 * finds a disk image's content through the library.
 */
import { RavelError } from '../../core/errors.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import { controlPrincipal } from '../auth/control-authenticator.ts';
import type { UploadImporter } from '../uploads/upload-registry.ts';
import type { DiskLocator } from './disk-image-endpoint.ts';

/** The storage side registers on behalf of the organization the upload belongs to. */
const STORAGE = { kind: 'system' } as const;

/** An importer whose results become disk images of the library; answers their integer ids. */
export function registeringImporter(importer: UploadImporter, control: Pick<ControlPlane, 'registerDiskImage'>): UploadImporter {
  return async (tenant, source, name, progress) => {
    const organizationId = Number(tenant);
    if (!Number.isSafeInteger(organizationId)) throw new RavelError('PERMISSION_DENIED', 'uploads belong to organizations');
    const storeIds = await importer(tenant, source, name, progress);
    const disks = [];
    for (const id of storeIds) disks.push(await control.registerDiskImage(STORAGE, organizationId, String(id), name));
    return disks.map((d) => d.id);
  };
}

/** A disk image's content through the library; an id that is not one answers 404 like a missing one. */
export function libraryLocator(control: Pick<ControlPlane, 'locateDiskImage'>): DiskLocator {
  return async (principal, id) => {
    const n = /^[0-9]{1,16}$/.test(id) ? Number(id) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new RavelError('NOT_FOUND', `no disk image ${id}`);
    const where = await control.locateDiskImage(controlPrincipal(principal), n);
    return { tenant: where.tenant, image: where.image };
  };
}
