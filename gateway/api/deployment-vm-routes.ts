/**
 * The VMs inside an application: read them by aspect (`;design`, `;deployment`; none means
 * the design, as on Ravello), read one VM's `state;deployment`, `fqdn;deployment` and
 * `publicIps;deployment`, and act on one VM or on
 * several (`{ids}`). VM ids are client-chosen `LocalId`s up to 2^63, compared by their
 * decimal key so a bigint from the path matches one from the design.
 */
import { Type } from '@sinclair/typebox';
import type { ControlPlane, Principal, VmActionName } from '../../control/control-plane.ts';
import { RavelError } from '../../core/errors.ts';
import { idKey, LocalId, ServerId, VmIdsRequest, type VmDeployment, type VmDesign } from '../../domain/schemas/index.ts';
import { defineRoute, json, type AnyRoute, requestOptions } from '../http/route.ts';
import { applicationReply, who } from './api-paths.ts';
import { idBodyRoute, idRoute } from './route-shapes.ts';

const VmParams = Type.Object({ id: ServerId, vm: LocalId });

/** What ControlPlane.vmAction and vmsAction carry out. */
const vmActionNames: readonly VmActionName[] = ['start', 'stop', 'shutdown', 'poweroff', 'restart', 'redeploy', 'repair', 'resetDisks'];

type Aspect = 'design' | 'deployment';

function notFound(applicationId: number, vm: LocalId): RavelError {
  return new RavelError('NOT_FOUND', `application ${applicationId} has no VM ${idKey(vm)}`);
}

async function vmsOf(control: ControlPlane, p: Principal, id: number, aspect: Aspect): Promise<readonly VmDesign[]> {
  if (aspect === 'design') return (await control.getApplication(p, id, 'design')).design.vms;
  return (await control.getApplication(p, id, 'deployment')).deployment?.vms ?? [];
}

function findVm<V extends VmDesign>(vms: readonly V[], applicationId: number, vm: LocalId): V {
  const key = idKey(vm);
  const found = vms.find((v) => idKey(v.id) === key);
  if (found === undefined) throw notFound(applicationId, vm);
  return found;
}

function vmReads(control: ControlPlane): AnyRoute[] {
  const reads: { readonly suffix: string; readonly aspect: Aspect }[] = [
    { suffix: '', aspect: 'design' },
    { suffix: ';design', aspect: 'design' },
    { suffix: ';deployment', aspect: 'deployment' },
  ];
  return reads.flatMap(({ suffix, aspect }) => [
    idRoute({
      method: 'GET',
      path: `/applications/{id}${suffix}/vms`,
      summary: `The application's VMs in its ${aspect}${aspect === 'deployment' ? ', each with its state; empty for a draft' : ''}`,
      answer: (p, id) => vmsOf(control, p, id, aspect),
    }),
    defineRoute({
      method: 'GET',
      path: `/applications/{id}${suffix}/vms/{vm}`,
      auth: 'session-or-token',
      schema: { params: VmParams },
      summary: `One VM of the application's ${aspect}`,
      handler: async (req) =>
        json(findVm(await vmsOf(control, who(req), req.params.id, aspect), req.params.id, req.params.vm)),
    }),
  ]);
}

function vmActions(control: ControlPlane): AnyRoute[] {
  return vmActionNames.flatMap((action) => [
    defineRoute({
      method: 'POST',
      path: `/applications/{id}/vms/{vm}/${action}`,
      auth: 'session-or-token',
      schema: { params: VmParams },
      summary: `${action} one VM of the deployment; 409 ILLEGAL_STATE when its state does not allow it`,
      handler: async (req) => applicationReply(await control.vmAction(who(req), req.params.id, req.params.vm, action, requestOptions(req))),
    }),
    idBodyRoute({
      method: 'POST',
      path: `/applications/{id}/vms/${action}`,
      body: VmIdsRequest,
      summary: `${action} several VMs; 409 ILLEGAL_STATE, and nothing done, when one of them may not`,
      reply: applicationReply,
      answer: (p, id, b, o) => control.vmsAction(p, id, b.ids, action, o),
    }),
  ]);
}

/** A deployed VM, for the `...;deployment` reads of one VM. */
async function deployedVm(control: ControlPlane, p: Principal, id: number, vm: LocalId): Promise<VmDeployment> {
  return findVm((await control.getApplication(p, id, 'deployment')).deployment?.vms ?? [], id, vm);
}

/** `fqdn;deployment` (`{value}`) and `publicIps;deployment` (`{ips}`): 404 for a VM with no public address. */
function exposureReads(control: ControlPlane): AnyRoute[] {
  const reads: { readonly suffix: string; readonly summary: string; readonly body: (vm: VmDeployment) => unknown }[] = [
    { suffix: 'fqdn', summary: "The VM's public DNS name, `{value}`", body: (vm) => (vm.fqdn === undefined ? undefined : { value: vm.fqdn }) },
    {
      suffix: 'publicIps',
      summary: "The VM's public addresses, `{ips, services}` (an elastic IP its NIC binds, or one from the region)",
      body: (vm) => (vm.publicIps === undefined ? undefined : { ips: vm.publicIps, services: vm.publicServices ?? [] }),
    },
  ];
  return reads.map(({ suffix, summary, body }) =>
    defineRoute({
      method: 'GET',
      path: `/applications/{id}/vms/{vm}/${suffix};deployment`,
      auth: 'session-or-token',
      schema: { params: VmParams },
      summary: `${summary}; 404 when it has no external service or public address`,
      handler: async (req) => {
        const vm = await deployedVm(control, who(req), req.params.id, req.params.vm);
        const answer = body(vm);
        if (answer === undefined) throw new RavelError('NOT_FOUND', `VM ${idKey(vm.id)} has no public address`);
        return json(answer);
      },
    }),
  );
}

export function deploymentVmRoutes(control: ControlPlane): AnyRoute[] {
  return [
    ...vmReads(control),
    ...vmActions(control),
    ...exposureReads(control),
    defineRoute({
      method: 'GET',
      path: '/applications/{id}/vms/{vm}/state;deployment',
      auth: 'session-or-token',
      schema: { params: VmParams },
      summary: "The VM's state in the deployment, as a JSON string",
      handler: async (req) => json((await deployedVm(control, who(req), req.params.id, req.params.vm)).state),
    }),
  ];
}
