/**
 * The control plane's library calls, over the library actor of the principal's organization:
 * disk images over the image store, library VMs, blueprints and their documentation, and making
 * an application from a blueprint. Saving reads the application first, through its own actor,
 * so a principal who may not read it saves nothing.
 */
import { libraryRef } from '../actors/kinds/library/library-kind.ts';
import type { ReservedApplication } from '../actors/kinds/organization/org-library.ts';
import type { StoreRef } from '../domain/library/library-records.ts';
import { RavelError } from '../core/errors.ts';
import {
  CreateBlueprint, CreateDiskImage, CreateImage, Documentation, LibraryObjectKind, UpdateLibraryObject, idKey, parseInput,
  type Application, type Blueprint, type DiskImage, type LibraryImage, type LocalId, type VmDesign,
} from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { ApplicationCalls } from './control-applications.ts';
import { checkId, keyed, tenantOf, type ActorAsks } from './control-asks.ts';
import type { RequestOptions } from './control-plane.ts';

/** Where a disk image's content is: the store's tenant, image and version. */
export interface DiskImageLocation extends StoreRef {
  readonly tenant: string;
}

export class LibraryCalls {
  private readonly apps: ApplicationCalls;

  constructor(private readonly ask: ActorAsks) {
    this.apps = new ApplicationCalls(ask);
  }

  private lib<R>(p: Principal, msg: { type: string } & Record<string, unknown>, o: Parameters<ActorAsks['raw']>[2] = {}): Promise<R> {
    return this.ask.raw<R>(libraryRef(tenantOf(p)), { ...msg, principal: p }, o);
  }

  /** For operators and the storage side, naming the organization. */
  private libOf<R>(p: Principal, organizationId: number, msg: { type: string } & Record<string, unknown>, o: Parameters<ActorAsks['raw']>[2] = {}): Promise<R> {
    return this.ask.raw<R>(libraryRef(checkId(organizationId, 'organizationId')), { ...msg, principal: p }, o);
  }

  // ---- disk images

  listDiskImages(p: Principal): Promise<DiskImage[]> {
    return this.lib(p, { type: 'listDiskImages' });
  }

  getDiskImage(p: Principal, id: number): Promise<DiskImage> {
    return this.lib(p, { type: 'getDiskImage', diskImageId: checkId(id, 'id') });
  }

  locateDiskImage(p: Principal, id: number): Promise<DiskImageLocation> {
    return this.lib(p, { type: 'locateDiskImage', diskImageId: checkId(id, 'id') });
  }

  updateDiskImage(p: Principal, id: number, patch: UpdateLibraryObject): Promise<DiskImage> {
    return this.lib(p, { type: 'updateDiskImage', diskImageId: checkId(id, 'id'), patch: parseInput(UpdateLibraryObject, patch, 'body') });
  }

  async deleteDiskImage(p: Principal, id: number): Promise<void> {
    await this.lib(p, { type: 'deleteDiskImage', diskImageId: checkId(id, 'id') });
  }

  /** `POST /diskImages`: one disk of an application's VM, PARSING until it is cloned, then DONE. */
  async saveDiskImage(p: Principal, body: CreateDiskImage, o?: RequestOptions): Promise<DiskImage> {
    const req = parseInput(CreateDiskImage, body, 'body');
    const vm = await this.vmOf(p, req.applicationId, req.vmId);
    const drive = vm.hardDrives.find((d) => idKey(d.id) === idKey(req.diskId));
    if (drive === undefined) throw new RavelError('NOT_FOUND', `VM ${idKey(req.vmId)} has no disk ${idKey(req.diskId)}`, { details: { field: 'diskId' } });
    return this.lib(p, { type: 'saveDiskImage', name: req.diskImage.name, drive }, keyed(o, 'save-disk-image'));
  }

  /** A VM of an application the principal may read; NOT_FOUND naming `vmId` otherwise. */
  private async vmOf(p: Principal, applicationId: number, vmId: LocalId): Promise<VmDesign> {
    const app = await this.apps.get(p, applicationId);
    const vm = app.design.vms.find((v) => idKey(v.id) === idKey(vmId));
    if (vm === undefined) throw new RavelError('NOT_FOUND', `application ${app.id} has no VM ${idKey(vmId)}`, { details: { field: 'vmId' } });
    return vm;
  }

  registerDiskImage(p: Principal, organizationId: number, storeImageId: string, name?: string): Promise<DiskImage> {
    return this.libOf(p, organizationId, { type: 'registerDiskImage', storeImageId, ...(name === undefined ? {} : { name }) });
  }

  // ---- library VMs

  listImages(p: Principal): Promise<LibraryImage[]> {
    return this.lib(p, { type: 'listImages' });
  }

  getImage(p: Principal, id: number): Promise<LibraryImage> {
    return this.lib(p, { type: 'getImage', imageId: checkId(id, 'id') });
  }

  addImage(p: Principal, organizationId: number, image: Omit<LibraryImage, 'id'>, o?: RequestOptions): Promise<LibraryImage> {
    return this.libOf(p, organizationId, { type: 'putImage', image }, keyed(o, 'put-image'));
  }

  updateImage(p: Principal, id: number, patch: UpdateLibraryObject): Promise<LibraryImage> {
    return this.lib(p, { type: 'updateImage', imageId: checkId(id, 'id'), patch: parseInput(UpdateLibraryObject, patch, 'body') });
  }

  async deleteImage(p: Principal, id: number): Promise<void> {
    await this.lib(p, { type: 'deleteImage', imageId: checkId(id, 'id') });
  }

  /** `POST /images`: one VM of an application, SAVING until its disks are cloned. */
  async saveImage(p: Principal, body: CreateImage, o?: RequestOptions): Promise<LibraryImage> {
    const req = parseInput(CreateImage, body, 'body');
    const vm = await this.vmOf(p, req.applicationId, req.vmId);
    return this.lib(p, { type: 'saveImage', name: req.imageName, vm }, keyed(o, 'save-image'));
  }

  // ---- blueprints

  listBlueprints(p: Principal): Promise<Blueprint[]> {
    return this.lib(p, { type: 'listBlueprints' });
  }

  getBlueprint(p: Principal, id: number): Promise<Blueprint> {
    return this.lib(p, { type: 'getBlueprint', blueprintId: checkId(id, 'id') });
  }

  async deleteBlueprint(p: Principal, id: number): Promise<void> {
    await this.lib(p, { type: 'deleteBlueprint', blueprintId: checkId(id, 'id') });
  }

  /**
   * `POST /blueprints`: the whole application, SAVING until every disk is cloned, then DONE. The
   * disks it has in the store (published) are saved as they are now: those of running VMs are
   * snapshotted first (they keep running), through the application's own actor.
   */
  async saveBlueprint(p: Principal, body: CreateBlueprint, o?: RequestOptions): Promise<Blueprint> {
    const req = parseInput(CreateBlueprint, body, 'body');
    const key = keyed(o, 'save-blueprint');
    const msg = { type: 'saveBlueprint', name: req.blueprintName, ...(req.description === undefined ? {} : { description: req.description }), ...(key.idempotencyKey === undefined ? {} : { requestKey: key.idempotencyKey }) };
    return this.ask.app<Blueprint>(p, checkId(req.applicationId, 'applicationId'), msg, key);
  }

  /**
   * `POST /applications` with `baseBlueprintId`: the blueprint must be DONE (ILLEGAL_STATE
   * otherwise); the new application's disks are clones of its snapshots.
   */
  async createFromBlueprint(p: Principal, input: { name: string; description?: string; baseBlueprintId: number }, o?: RequestOptions): Promise<Application> {
    const bp = await this.getBlueprint(p, input.baseBlueprintId);
    if (bp.loadingStatus !== 'DONE') throw new RavelError('ILLEGAL_STATE', `blueprint ${bp.id} is ${bp.loadingStatus}, not DONE`);
    const r = await this.ask.org<ReservedApplication>(p, { type: 'reserveApplication' }, keyed(o, 'reserve-application'));
    const design = await this.lib(p, { type: 'instantiateBlueprint', blueprintId: bp.id, applicationId: r.id });
    const app = { name: input.name, design, ...(input.description === undefined ? {} : { description: input.description }) };
    return this.ask.app<Application>(p, r.id, { type: 'create', organizationId: r.organizationId, input: app }, keyed(o, 'create-application'));
  }

  /** After an application is deleted: the disks cloned for it from a blueprint go. */
  async releaseApplicationDisks(p: Principal, applicationId: number): Promise<void> {
    await this.lib(p, { type: 'releaseApplicationDisks', applicationId: checkId(applicationId, 'applicationId') });
  }

  // ---- documentation

  getDocumentation(p: Principal, kind: LibraryObjectKind, id: number): Promise<Documentation> {
    return this.lib(p, { type: 'getDocumentation', kind: parseInput(LibraryObjectKind, kind, 'kind'), id: checkId(id, 'id') });
  }

  setDocumentation(p: Principal, kind: LibraryObjectKind, id: number, doc: Documentation): Promise<Documentation> {
    const documentation = parseInput(Documentation, doc, 'body');
    return this.lib(p, { type: 'setDocumentation', kind: parseInput(LibraryObjectKind, kind, 'kind'), id: checkId(id, 'id'), documentation });
  }
}
