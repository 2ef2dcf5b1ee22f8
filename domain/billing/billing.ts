/**
 * Billing from the event stream: each VM's running intervals (from its state changes) times its
 * hourly price, split by calendar month (UTC). Events may come repeated, out of order or
 * overlapping (a retried report, two nodes replaying a stream): an interval is counted once.
 */
import { isVmRunning } from '../vm/vm-state-machine.ts';
import type { VmState } from '../schemas/vm.ts';

/** One state change of one VM, with the price that applied while it ran. */
export interface VmStateChange {
  readonly applicationId: number;
  readonly vmKey: string;
  readonly time: number;
  readonly state: VmState;
  /** The VM's hourly price at that time (pricing.ts), in micro-units. */
  readonly microsPerHour: number;
}

export interface MonthLine {
  /** `YYYY-MM`, UTC. */
  readonly month: string;
  readonly applicationId: number;
  readonly vmKey: string;
  readonly runMs: number;
  readonly micros: number;
}

const HOUR_MS = 3_600_000;

export function monthKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * Bills the changes up to `until` (a VM still running then is billed to `until`). Per VM the
 * changes are ordered by time (then by state name, so duplicates at one instant resolve the
 * same way in any input order) and a running interval opens at the first running state and
 * closes at the first stopped one after it; repeated starts inside do not reopen it.
 */
export function billRuns(changes: readonly VmStateChange[], until: number): MonthLine[] {
  const byVm = new Map<string, VmStateChange[]>();
  for (const c of changes) {
    const k = `${c.applicationId}/${c.vmKey}`;
    const list = byVm.get(k);
    if (list === undefined) byVm.set(k, [c]);
    else list.push(c);
  }
  const lines = new Map<string, { month: string; applicationId: number; vmKey: string; runMs: number; microsExact: number }>();
  const add = (c: VmStateChange, from: number, to: number, price: number): void => {
    for (let a = from; a < to; ) {
      const b = Math.min(to, nextMonthStart(a));
      const month = monthKey(a);
      const key = `${month}/${c.applicationId}/${c.vmKey}`;
      const line = lines.get(key) ?? { month, applicationId: c.applicationId, vmKey: c.vmKey, runMs: 0, microsExact: 0 };
      line.runMs += b - a;
      line.microsExact += ((b - a) * price) / HOUR_MS;
      lines.set(key, line);
      a = b;
    }
  };
  for (const list of byVm.values()) {
    list.sort((x, y) => x.time - y.time || (x.state < y.state ? -1 : x.state > y.state ? 1 : 0) || x.microsPerHour - y.microsPerHour);
    let open: VmStateChange | undefined;
    for (const c of list) {
      if (c.time > until) break;
      const running = isVmRunning(c.state);
      if (running && open === undefined) open = c;
      else if (!running && open !== undefined) {
        add(open, open.time, c.time, open.microsPerHour);
        open = undefined;
      }
    }
    if (open !== undefined) add(open, open.time, until, open.microsPerHour);
  }
  return [...lines.values()]
    .map((l) => ({ month: l.month, applicationId: l.applicationId, vmKey: l.vmKey, runMs: l.runMs, micros: Math.round(l.microsExact) }))
    .sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : a.applicationId - b.applicationId || (a.vmKey < b.vmKey ? -1 : 1)));
}

/** One month's lines (`GET /billing?year=&month=`), month 1 to 12. */
export function billForMonth(lines: readonly MonthLine[], year: number, month: number): MonthLine[] {
  const key = `${year}-${String(month).padStart(2, '0')}`;
  return lines.filter((l) => l.month === key);
}
