/**
 * What each action does in each state, in one exhaustive table: the sim driver follows it, and
 * it is the behaviour the conformance suite asks of every driver.
 */
import { match } from 'ts-pattern';
import type { VmState } from '../../hypervisor.ts';

export type VmAction = 'start' | 'shutdown' | 'powerOff' | 'restart' | 'undefine' | 'redefine';

/**
 * `noop`: already there, answer without change. `refuse`: ILLEGAL_STATE. `boot`: to starting.
 * `shut`: to stopping. `off`: to stopped at once. `reboot`: stopping then starting.
 * `forget`: the VM is removed. `replace`: the spec is replaced.
 */
export type VmStep = 'noop' | 'refuse' | 'boot' | 'shut' | 'off' | 'reboot' | 'forget' | 'replace';

export function stepFor(state: VmState, action: VmAction): VmStep {
  return match<[VmState, VmAction], VmStep>([state, action])
    .with(['stopped', 'start'], ['failed', 'start'], ['stopped', 'restart'], ['failed', 'restart'], () => 'boot')
    .with(['starting', 'start'], ['running', 'start'], () => 'noop')
    .with(['stopping', 'start'], () => 'refuse')
    .with(['running', 'shutdown'], () => 'shut')
    .with(['stopped', 'shutdown'], ['stopping', 'shutdown'], ['failed', 'shutdown'], () => 'noop')
    .with(['starting', 'shutdown'], () => 'refuse')
    .with(['stopped', 'powerOff'], () => 'noop')
    .with(['starting', 'powerOff'], ['running', 'powerOff'], ['stopping', 'powerOff'], ['failed', 'powerOff'], () => 'off')
    .with(['running', 'restart'], () => 'reboot')
    .with(['starting', 'restart'], ['stopping', 'restart'], () => 'refuse')
    .with(['stopped', 'undefine'], ['failed', 'undefine'], () => 'forget')
    .with(['starting', 'undefine'], ['running', 'undefine'], ['stopping', 'undefine'], () => 'refuse')
    .with(['stopped', 'redefine'], ['failed', 'redefine'], () => 'replace')
    .with(['starting', 'redefine'], ['running', 'redefine'], ['stopping', 'redefine'], () => 'refuse')
    .exhaustive();
}
