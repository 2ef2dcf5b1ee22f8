/** What each command does to the hypervisor, matched exhaustively; the result is what the control plane is told. */
import { match } from 'ts-pattern';
import { RavelError, errorToWire, toRavelError } from '../../core/errors.ts';
import type { Hypervisor, PreparedDisk, VmInfo } from '../hypervisor.ts';
import type { CommandResult, HvxCommand } from '../protocol.ts';
import type { AgentImages } from './agent-images.ts';

type ResultValue = Extract<CommandResult, { ok: true }>['value'];

export interface ApplyContext {
  readonly hv: Hypervisor;
  readonly images: AgentImages;
  /** Called during long steps (disk reads, snapshot writes) so the command is not delivered again meanwhile. */
  readonly working: () => Promise<void>;
}

export async function applyCommand(ctx: ApplyContext, cmd: HvxCommand, host: string, now: () => number): Promise<CommandResult> {
  try {
    const value = await valueOf(ctx, cmd);
    return { commandId: cmd.id, host, at: now(), ok: true, value };
  } catch (e) {
    return { commandId: cmd.id, host, at: now(), ok: false, error: errorToWire(toRavelError(e)) };
  }
}

function valueOf(ctx: ApplyContext, cmd: HvxCommand): Promise<ResultValue> {
  const { hv } = ctx;
  const stateOf = (vmId: string): ResultValue => ({ kind: 'vm', vmId, state: hv.get(vmId)?.state ?? 'undefined' });
  return match(cmd)
    .with({ kind: 'define' }, async (c) => (await hv.define(c.spec), stateOf(c.spec.id)))
    .with({ kind: 'undefine' }, async (c) => (await hv.undefine(c.vmId), stateOf(c.vmId)))
    .with({ kind: 'start' }, async (c) => (await hv.start(c.vmId, await disksFor(ctx, vmOf(hv, c.vmId))), stateOf(c.vmId)))
    .with({ kind: 'restart' }, async (c) => (await hv.restart(c.vmId, await disksFor(ctx, vmOf(hv, c.vmId))), stateOf(c.vmId)))
    .with({ kind: 'shutdown' }, async (c) => (await hv.shutdown(c.vmId), stateOf(c.vmId)))
    .with({ kind: 'powerOff' }, async (c) => (await hv.powerOff(c.vmId), stateOf(c.vmId)))
    .with({ kind: 'snapshot' }, async (c): Promise<ResultValue> => {
      const vm = vmOf(hv, c.vmId);
      const disks = [];
      for (const changes of await hv.snapshot(c.vmId)) {
        await ctx.working();
        // A disk nothing wrote to is the version it started from: a new one would cost the store for nothing.
        const version = changes.blocks.length === 0 ? changes.baseVersion : await ctx.images.writeSnapshot(vm.spec.tenant, changes);
        disks.push({ diskId: changes.diskId, image: changes.image, version, blocks: changes.blocks.length });
      }
      return { kind: 'snapshot', vmId: c.vmId, disks };
    })
    .exhaustive();
}

function vmOf(hv: Hypervisor, vmId: string): VmInfo {
  const vm = hv.get(vmId);
  if (vm === undefined) throw new RavelError('NOT_FOUND', `no VM ${vmId} on this host`, { details: { vm: vmId } });
  return vm;
}

/** Disks are read from the store only when the VM will boot; a VM already up needs none. */
async function disksFor(ctx: ApplyContext, vm: VmInfo): Promise<PreparedDisk[]> {
  if (vm.state === 'starting' || vm.state === 'running' || vm.state === 'stopping') return [];
  const out: PreparedDisk[] = [];
  for (const d of vm.spec.disks) {
    await ctx.working();
    out.push(await ctx.images.prepare(vm.spec.tenant, d));
  }
  return out;
}
