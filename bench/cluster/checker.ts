/**
 * The checker: from the load generators' history and the final state alone, the rules that
 * must hold after a run with faults. Every broken rule names the operations that broke it;
 * counts per fault say how many writes were acknowledged in its window, and how many of those
 * were lost or applied twice.
 *
 *  - lost: an acknowledged create (or upload) is missing from the final state, or an
 *    acknowledged delete's application is still there;
 *  - duplicated: two applications from one create (same unique name), an application from a
 *    refused create, or one VM running on two hosts;
 *  - state: an application whose last acknowledged action was start or publish has its VMs
 *    STARTED, stop has them STOPPED, an expiration that has passed has them STOPPED (the caller
 *    re-reads the state until this holds or its bound has passed);
 *  - isolation: a client saw another tenant's object or event, or a tenant lists one.
 */
import { imageTenantOf } from '../../domain/tenancy/image-tenant.ts';
import type { FaultRecord } from './faults.ts';
import { isCompletion, maybeDeletedUploads, writeOps, type Completion, type HistoryLine, type Invoke } from './history.ts';
import type { AppState, FinalState } from './final-state.ts';

export type Rule = 'lost' | 'duplicated' | 'state' | 'isolation' | 'unreadable';

export interface Breach {
  readonly rule: Rule;
  readonly tenant: string;
  /** History ids of the operations involved. */
  readonly ops: readonly string[];
  readonly at: number;
  readonly detail: string;
}

export interface FaultCounts {
  readonly fault: string;
  readonly acknowledged: number;
  readonly indeterminate: number;
  readonly lost: number;
  readonly duplicated: number;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly breaches: readonly Breach[];
  readonly perFault: readonly FaultCounts[];
  readonly acknowledgedWrites: number;
  readonly indeterminateWrites: number;
  readonly checkedApps: number;
  /** VMs still defined on a host after their application's delete was acknowledged (a leak, reported, not a breach). */
  readonly leakedVms: readonly string[];
}

/** An expiration may take this long past its time to stop the application. */
export const EXPIRY_GRACE_MS = 15_000;
/** Operations invoked this long after a fault ended still count as in its window. */
export const FAULT_TAIL_MS = 10_000;

interface AppHistory {
  readonly tenant: string;
  name?: string;
  create?: Completion;
  readonly ops: Completion[];
}

export function check(history: readonly HistoryLine[], final: FinalState, faults: readonly FaultRecord[]): CheckResult {
  const breaches: Breach[] = [];
  const invokes = new Map<string, Invoke>();
  for (const l of history) if (l.type === 'invoke') invokes.set(l.id, l);
  const completions = history.filter(isCompletion);

  // Applications by id, with their writes in completion order.
  const apps = new Map<string, AppHistory>();
  const key = (tenant: string, id: number): string => `${tenant}/${id}`;
  const createsByName = new Map<string, Completion>();
  for (const c of completions) {
    if (c.op === 'create' && c.name !== undefined) {
      // Attempts of one create (retried with its request id) share the name: the strongest outcome speaks for them.
      const k = `${c.tenant}/${c.name}`;
      const rank = { ok: 2, info: 1, fail: 0 } as const;
      const prev = createsByName.get(k);
      if (prev === undefined || rank[c.type] >= rank[prev.type]) createsByName.set(k, c);
    }
    if (c.app === undefined || !writeOps.has(c.op)) continue;
    const k = key(c.tenant, c.app);
    let h = apps.get(k);
    if (h === undefined) apps.set(k, (h = { tenant: c.tenant, ops: [] }));
    if (c.op === 'create') {
      h.create = c;
      if (c.name !== undefined) h.name = c.name;
    } else h.ops.push(c);
  }

  let checkedApps = 0;
  for (const [tenant, list] of Object.entries(final.apps)) {
    const byName = new Map<string, AppState[]>();
    for (const a of list) {
      const same = byName.get(a.name);
      if (same === undefined) byName.set(a.name, [a]);
      else same.push(a);
    }
    for (const [name, same] of byName) {
      const create = createsByName.get(`${tenant}/${name}`);
      if (!name.startsWith(`${tenant}-`)) {
        breaches.push({ rule: 'isolation', tenant, ops: [], at: final.readAt, detail: `lists ${name} (${same.map((a) => a.id).join(', ')}), not its own` });
      } else if (same.length > 1) {
        breaches.push({ rule: 'duplicated', tenant, ops: create === undefined ? [] : [create.id], at: create?.at ?? final.readAt, detail: `${same.length} applications named ${name}: ${same.map((a) => a.id).join(', ')}` });
      } else if (create?.type === 'fail') {
        breaches.push({ rule: 'duplicated', tenant, ops: [create.id], at: create.at, detail: `create of ${name} was refused (${create.code ?? '?'}) but application ${same[0]?.id} exists` });
      }
    }
    const present = new Map(list.map((a) => [a.id, a]));
    for (const [k, h] of apps) {
      if (h.tenant !== tenant) continue;
      const id = Number(k.split('/')[1]);
      const app = present.get(id);
      const deletes = h.ops.filter((o) => o.op === 'delete');
      const ackedDelete = deletes.find((o) => o.type === 'ok');
      const maybeDeleted = deletes.some((o) => o.type === 'info');
      if (ackedDelete !== undefined) {
        if (app !== undefined) breaches.push({ rule: 'lost', tenant, ops: [ackedDelete.id], at: ackedDelete.at, detail: `application ${id} (${h.name ?? '?'}) was deleted (acknowledged) but exists` });
        continue;
      }
      if (app === undefined) {
        if (h.create?.type === 'ok' && !maybeDeleted) {
          breaches.push({ rule: 'lost', tenant, ops: [h.create.id], at: h.create.at, detail: `application ${id} (${h.name ?? '?'}) was created (acknowledged) and never deleted, but is gone` });
        }
        continue;
      }
      checkedApps++;
      const expected = expectedState(h.ops, final.readAt);
      if (expected === undefined) continue;
      const wrong = app.vms.filter((v) => v.state !== expected.state);
      if (wrong.length > 0 || app.vms.length === 0) {
        breaches.push({ rule: 'state', tenant, ops: [expected.op.id], at: expected.op.at, detail: `application ${id}: last acknowledged ${expected.op.op} allows ${expected.state}, VMs are ${app.vms.map((v) => v.state).join(', ') || 'none'}` });
      }
    }
  }
  for (const t of final.unreadable) breaches.push({ rule: 'unreadable', tenant: t, ops: [], at: final.readAt, detail: 'the final state could not be read' });

  // Acknowledged uploads: the image is on its node with the same content, unless a delete of it
  // may have happened; an acknowledged delete: the image is gone.
  const deleting = maybeDeletedUploads(completions);
  for (const c of completions) {
    if (c.op === 'delete-upload' && c.type === 'ok' && c.image !== undefined) {
      const img = final.images[c.image];
      if (img?.status !== 404) breaches.push({ rule: 'lost', tenant: c.tenant, ops: [c.id], at: c.at, detail: `delete of disk image ${c.image} acknowledged, read back ${img?.status ?? 'not read'}` });
      continue;
    }
    if (c.op !== 'upload' || c.type !== 'ok' || c.image === undefined || deleting.has(c.image)) continue;
    const img = final.images[c.image];
    if (img === undefined || img.status !== 200 || img.sha256 !== c.sha256) {
      breaches.push({ rule: 'lost', tenant: c.tenant, ops: [c.id], at: c.at, detail: `upload ${c.image} acknowledged, read back ${img?.status ?? 'not read'} ${img?.sha256 === c.sha256 ? '' : '(content differs)'}` });
    }
  }

  // One VM on two hosts.
  const where = new Map<string, string[]>();
  for (const [host, vms] of Object.entries(final.hostVms)) {
    for (const v of vms) {
      if (v.state !== 'running' && v.state !== 'starting') continue;
      const hosts = where.get(v.id);
      if (hosts === undefined) where.set(v.id, [host]);
      else hosts.push(host);
    }
  }
  for (const [vm, hosts] of where) {
    if (hosts.length > 1) breaches.push({ rule: 'duplicated', tenant: '-', ops: [], at: final.readAt, detail: `VM ${vm} runs on ${hosts.join(' and ')}` });
  }

  // VMs left on hosts by applications whose delete was acknowledged (`a<app>-<vm>` of the organization's image tenant).
  const leakedVms: string[] = [];
  const deleted = new Set<string>();
  for (const c of completions) {
    const org = final.orgIds?.[c.tenant];
    if (c.op === 'delete' && c.type === 'ok' && c.app !== undefined && org !== undefined) deleted.add(`${imageTenantOf(org)}/a${c.app}`);
  }
  for (const [host, vms] of Object.entries(final.hostVms)) {
    for (const v of vms) {
      const app = /^(a\d+)-/.exec(v.id)?.[1];
      if (app !== undefined && deleted.has(`${v.tenant ?? ''}/${app}`)) leakedVms.push(`${v.id}@${host} (${v.state})`);
    }
  }

  for (const l of history) {
    if (l.type === 'violation') breaches.push({ rule: 'isolation', tenant: l.tenant, ops: [], at: l.at, detail: l.detail });
  }

  const writes = completions.filter((c) => writeOps.has(c.op));
  const inWindow = (f: FaultRecord, at: number): boolean => at >= f.at && at <= f.endedAt + FAULT_TAIL_MS;
  const invokedAt = (id: string, fallback: number): number => invokes.get(id)?.at ?? fallback;
  const perFault = faults.map((f) => {
    const ws = writes.filter((c) => inWindow(f, invokedAt(c.id, c.at)));
    const involved = (rule: Rule): number => breaches.filter((b) => b.rule === rule && b.ops.some((id) => inWindow(f, invokedAt(id, b.at)))).length;
    return {
      fault: f.label,
      acknowledged: ws.filter((c) => c.type === 'ok').length,
      indeterminate: ws.filter((c) => c.type === 'info').length,
      lost: involved('lost'),
      duplicated: involved('duplicated'),
    };
  });
  return {
    ok: breaches.length === 0,
    breaches,
    perFault,
    acknowledgedWrites: writes.filter((c) => c.type === 'ok').length,
    indeterminateWrites: writes.filter((c) => c.type === 'info').length,
    checkedApps,
    leakedVms,
  };
}

/** What the last acknowledged state-changing operation allows, or undefined when unknown. */
function expectedState(ops: readonly Completion[], readAt: number): { state: 'STARTED' | 'STOPPED'; op: Completion } | undefined {
  for (let i = ops.length - 1; i >= 0; i--) {
    const o = ops[i] as Completion;
    if (o.type === 'fail') continue; // refused: changed nothing
    if (o.type === 'info') return undefined; // may or may not have happened
    if (o.op === 'publish' || o.op === 'start') return { state: 'STARTED', op: o };
    if (o.op === 'stop') return { state: 'STOPPED', op: o };
    if (o.op === 'expire') {
      if (o.expiresAt !== undefined && readAt > o.expiresAt + EXPIRY_GRACE_MS) return { state: 'STOPPED', op: o };
      return undefined;
    }
  }
  return undefined;
}
