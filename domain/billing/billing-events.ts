/**
 * The billing view of a tenant's event stream: each VM's run from the host's report that it
 * booted (VM_STATE_CHANGED to STARTED) to the report that it stopped or failed, or to the event
 * that took it away (HOST_DOWN, APPLICATION_DELETED, the VMs removed by
 * APPLICATION_UPDATES_PUBLISHED), at the hourly price its VM_STATE_CHANGED event carried.
 */
import type { EventRecord } from '../schemas/event.ts';
import type { VmState } from '../schemas/vm.ts';
import type { VmStateChange } from './billing.ts';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function applicationOf(r: EventRecord): number | undefined {
  const s = r.subjects.find((x) => x.type === 'APPLICATION');
  const id = s === undefined ? NaN : Number(s.id);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The state changes billing counts, from the records in any order; other records are ignored. */
export function billingChanges(records: Iterable<EventRecord>): VmStateChange[] {
  const out: VmStateChange[] = [];
  for (const r of records) {
    const applicationId = applicationOf(r);
    if (applicationId === undefined) continue;
    const d = r.details;
    const ended = (vmKeys: readonly string[], state: VmState): void => {
      for (const vmKey of vmKeys) out.push({ applicationId, vmKey, time: r.time, state, microsPerHour: 0 });
    };
    if (r.name === 'VM_STATE_CHANGED') {
      const to = d['to'];
      if ((to !== 'STARTED' && to !== 'STOPPED' && to !== 'ERROR') || typeof d['vmId'] !== 'string') continue;
      const price = d['microsPerHour'];
      out.push({ applicationId, vmKey: d['vmId'], time: r.time, state: to, microsPerHour: typeof price === 'number' && price >= 0 ? price : 0 });
    } else if (r.name === 'HOST_DOWN') ended(strings(d['vms']), 'ERROR');
    else if (r.name === 'APPLICATION_DELETED') ended(strings(d['vms']), 'STOPPED');
    else if (r.name === 'APPLICATION_UPDATES_PUBLISHED') ended(strings(d['removed']), 'STOPPED');
  }
  return out;
}
