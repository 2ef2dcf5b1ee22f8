/** The control plane's application calls (design side), over the organization and application actors. */
import { RavelError } from '../core/errors.ts';
import { totalActiveVms } from '../domain/application/application-state.ts';
import { validateDesign } from '../domain/design/design-validate.ts';
import { filterApplications } from '../domain/filter-criterion.ts';
import { AddVmRequest, CreateApplication, FilterCriterion, UpdateApplication, parseInput, type Application, type Design, type LibraryImage } from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import type { ReservedApplication } from '../actors/kinds/organization/org-library.ts';
import { applicationView } from '../actors/kinds/application/application-design.ts';
import { checkId, keyed, tenantOf, type ActorAsks } from './control-asks.ts';
import { libraryRef } from '../actors/kinds/library/library-kind.ts';
import type { ApplicationSummary, RequestOptions } from './control-plane.ts';

/** `get` and `peek` only read: an idle application actor answers them without a mailbox round. */
const READ = { readOnly: true } as const;

export function summaryOf(a: Application): ApplicationSummary {
  return {
    id: a.id,
    name: a.name,
    ...(a.description === undefined ? {} : { description: a.description }),
    ...(a.creationTime === undefined ? {} : { creationTime: a.creationTime }),
    published: a.published,
    ...(a.nextStopTime === undefined ? {} : { nextStopTime: a.nextStopTime }),
    deployment: { totalActiveVms: totalActiveVms(a.deployment) },
  };
}

export class ApplicationCalls {
  constructor(private readonly ask: ActorAsks) {}

  async create(p: Principal, body: CreateApplication, o?: RequestOptions): Promise<Application> {
    const input = parseInput(CreateApplication, body, 'body');
    if ('baseBlueprintId' in input) throw new RavelError('NOT_FOUND', `no blueprint ${input.baseBlueprintId}`, { details: { field: 'baseBlueprintId' } });
    if (input.design !== undefined) validateDesign(input.design);
    const r = await this.ask.org<ReservedApplication>(p, { type: 'reserveApplication' }, keyed(o, 'reserve-application'));
    return this.ask.app<Application>(p, r.id, { type: 'create', organizationId: r.organizationId, input }, keyed(o, 'create-application'));
  }

  /** The REST read's call: one promise, no async frame of its own (see ActorAsks.app). */
  get(p: Principal, id: number, aspect?: 'design'): Promise<Application> {
    return this.ask.app<Application>(p, id, { type: 'get' }, READ).then((app) => applicationView(app, aspect ?? 'whole'));
  }

  /** `get` answered without waiting when the application's actor is idle on this node; else undefined. */
  getNow(p: Principal, id: number): Application | undefined {
    const app = this.ask.appNow<Application>(p, id, { type: 'get' });
    return app === undefined ? undefined : applicationView(app, 'whole');
  }

  async design(p: Principal, id: number): Promise<Design> {
    return (await this.get(p, id, 'design')).design;
  }

  /** Every application the principal may see; the index may name ones never created or deleted since. */
  private async visible(p: Principal, organizationId?: number): Promise<Application[]> {
    const msg = { type: 'listApplications' };
    const ids = await (organizationId === undefined ? this.ask.org<number[]>(p, msg) : this.ask.orgById<number[]>(organizationId, { ...msg, principal: p }));
    const apps = await Promise.all(ids.map((id) => this.ask.app<Application | null>(p, id, { type: 'peek' }, READ)));
    return apps.filter((a): a is Application => a !== null);
  }

  async list(p: Principal, organizationId?: number): Promise<ApplicationSummary[]> {
    return (await this.visible(p, organizationId)).map(summaryOf);
  }

  async filter(p: Principal, criterion: FilterCriterion): Promise<ApplicationSummary[]> {
    const c = parseInput(FilterCriterion, criterion, 'body');
    return filterApplications(await this.visible(p), c).map(summaryOf);
  }

  async update(p: Principal, id: number, patch: UpdateApplication): Promise<Application> {
    checkId(id, 'applicationId');
    return this.ask.app<Application>(p, id, { type: 'update', patch: parseInput(UpdateApplication, patch, 'body') });
  }

  async addVm(p: Principal, id: number, body: AddVmRequest, o?: RequestOptions): Promise<Application> {
    checkId(id, 'applicationId');
    const req = parseInput(AddVmRequest, body, 'body');
    const image = await this.ask.raw<LibraryImage>(libraryRef(tenantOf(p)), { type: 'getImage', imageId: req.baseVmId, principal: p });
    // A library VM still saving (or failed) has no disks of its own to copy yet.
    if (image.loadingStatus !== undefined && image.loadingStatus !== 'DONE') throw new RavelError('ILLEGAL_STATE', `library VM ${image.id} is ${image.loadingStatus}`, { details: { field: 'baseVmId' } });
    const msg = { type: 'addVm', image, ...(req.name === undefined ? {} : { name: req.name }) };
    return this.ask.app<Application>(p, id, msg, keyed(o, 'add-vm'));
  }

  async delete(p: Principal, id: number): Promise<void> {
    await this.ask.app(p, id, { type: 'delete' });
  }
}
