/** The control plane's application calls (deployment side) and the operators' host inventory, over the actors. */
import { RavelError } from '../core/errors.ts';
import type { ActorAsks } from './control-asks.ts';
import { checkId, keyed } from './control-asks.ts';
import { regionRef } from '../actors/kinds/region/region-kind.ts';
import type { VmActionName } from '../actors/kinds/application/application-messages.ts';
import type { HostState } from '../domain/host/host-model.ts';
import type { PriceQuote } from '../domain/billing/pricing.ts';
import type { HostView } from '../domain/placement/placement-types.ts';
import { CreateScheduledTask, LocalId, parseInput, PublishRequest, SetExpiration, VmIdsRequest, type Application, type ScheduledTask } from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import { PublishUpdatesOptions, type DeploymentView, type HostInput, type RequestOptions } from './control-plane.ts';

const vmActions: readonly VmActionName[] = ['start', 'stop', 'shutdown', 'poweroff', 'restart', 'redeploy', 'repair', 'resetDisks'];

function checkAction(action: VmActionName): void {
  if (!vmActions.includes(action)) throw new RavelError('INVALID_ARGUMENT', `action: one of ${vmActions.join(', ')}`, { details: { field: 'action' } });
}

export function deploymentView(app: Application): DeploymentView {
  const { design: _d, ...rest } = app;
  return rest;
}

export class DeploymentCalls {
  constructor(private readonly ask: ActorAsks) {}

  async publish(p: Principal, id: number, body: PublishRequest, o?: RequestOptions): Promise<Application> {
    checkId(id, 'applicationId');
    const request = parseInput(PublishRequest, body ?? {}, 'body');
    return this.ask.app<Application>(p, id, { type: 'publish', request }, keyed(o, 'publish'));
  }

  async start(p: Principal, id: number, o?: RequestOptions): Promise<Application> {
    checkId(id, 'applicationId');
    return this.ask.app<Application>(p, id, { type: 'start' }, keyed(o, 'start'));
  }

  async stopOrRestart(p: Principal, id: number, type: 'stop' | 'restart', o?: RequestOptions): Promise<Application> {
    checkId(id, 'applicationId');
    return this.ask.app<Application>(p, id, { type }, keyed(o, type));
  }

  async vmAction(p: Principal, id: number, vmId: LocalId, action: VmActionName, o?: RequestOptions): Promise<Application> {
    checkId(id, 'applicationId');
    const vm = parseInput(LocalId, vmId, 'vmId');
    checkAction(action);
    return this.ask.app<Application>(p, id, { type: 'vmAction', vmId: vm, action }, keyed(o, `vm-${action}`));
  }

  /** Several VMs in one turn of the application: all allowed, or none changed. */
  async vmsAction(p: Principal, id: number, vmIds: readonly LocalId[], action: VmActionName, o?: RequestOptions): Promise<Application> {
    checkId(id, 'applicationId');
    const { ids } = parseInput(VmIdsRequest, { ids: vmIds }, 'body');
    checkAction(action);
    return this.ask.app<Application>(p, id, { type: 'vmsAction', vmIds: ids, action }, keyed(o, `vms-${action}`));
  }

  async publishUpdates(p: Principal, id: number, body: PublishUpdatesOptions, o?: RequestOptions): Promise<Application> {
    checkId(id, 'applicationId');
    const { startAllDraftVms } = parseInput(PublishUpdatesOptions, body ?? {}, 'body');
    const msg = { type: 'publishUpdates', ...(startAllDraftVms === undefined ? {} : { startAllDraftVms }) };
    return this.ask.app<Application>(p, id, msg, keyed(o, 'publish-updates'));
  }

  async createTask(p: Principal, id: number, body: CreateScheduledTask, o?: RequestOptions): Promise<ScheduledTask> {
    checkId(id, 'applicationId');
    return this.ask.app<ScheduledTask>(p, id, { type: 'createTask', task: parseInput(CreateScheduledTask, body, 'body') }, keyed(o, 'create-task'));
  }

  async updateTask(p: Principal, id: number, taskId: number, body: CreateScheduledTask): Promise<ScheduledTask> {
    checkId(id, 'applicationId');
    return this.ask.app<ScheduledTask>(p, id, { type: 'updateTask', taskId: checkId(taskId, 'taskId'), task: parseInput(CreateScheduledTask, body, 'body') });
  }

  /** `listTasks`, `getTask` and `deleteTask`: answered by the application as they are. */
  async taskCall<R>(p: Principal, id: number, msg: { type: 'listTasks' } | { type: 'getTask' | 'deleteTask'; taskId: number }): Promise<R> {
    checkId(id, 'applicationId');
    if ('taskId' in msg) checkId(msg.taskId, 'taskId');
    return this.ask.app<R>(p, id, msg);
  }

  async calcPrice(p: Principal, id: number, aspect: 'design' | 'deployment'): Promise<PriceQuote> {
    checkId(id, 'applicationId');
    if (aspect !== 'design' && aspect !== 'deployment') throw new RavelError('INVALID_ARGUMENT', 'aspect: design or deployment', { details: { field: 'aspect' } });
    return this.ask.app<PriceQuote>(p, id, { type: 'calcPrice', aspect });
  }

  async setExpiration(p: Principal, id: number, body: SetExpiration): Promise<Application> {
    checkId(id, 'applicationId');
    return this.ask.app<Application>(p, id, { type: 'setExpiration', request: parseInput(SetExpiration, body, 'body') });
  }

  async publishLocations(p: Principal, id: number): Promise<string[]> {
    const app = await this.ask.app<Application>(p, id, { type: 'get' });
    return app.deployment === undefined ? [] : [app.deployment.regionName];
  }

  async registerHost(p: Principal, input: HostInput): Promise<HostState> {
    operatorOnly(p);
    const msg = { type: 'addHost', hostId: input.hostId, ...(input.capacity === undefined ? {} : { capacity: input.capacity }) };
    return this.ask.raw<HostState>(regionRef(input.region), msg);
  }

  async listHosts(p: Principal, region: string): Promise<HostView[]> {
    operatorOnly(p);
    return this.ask.raw<HostView[]>(regionRef(region), { type: 'listHosts' });
  }
}

function operatorOnly(p: Principal): void {
  if (p.kind !== 'operator' && p.kind !== 'system') throw new RavelError('PERMISSION_DENIED', 'operator credentials required');
}
