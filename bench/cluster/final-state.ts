/**
 * The final state, read back through the API as each tenant (and from the hosts themselves):
 * every application a tenant sees with its VMs' states and hosts, every acknowledged upload's
 * disk image from the node that stored it (and each acknowledged delete of one), and where the hosts say VMs run.
 */
import { maybeDeletedUploads, type HistoryLine } from './history.ts';
import { TenantClient, type TenantLogin } from './rest-client.ts';

export interface AppState {
  readonly id: number;
  readonly name: string;
  readonly published: boolean;
  readonly vms: ReadonlyArray<{ readonly state: string; readonly hostId?: string }>;
}

export interface ImageState {
  readonly status: number;
  readonly sha256?: string;
}

export interface HostVm {
  readonly id: string;
  readonly tenant?: string;
  readonly state: string;
}

export interface FinalState {
  readonly readAt: number;
  readonly apps: Readonly<Record<string, readonly AppState[]>>;
  /** Tenants whose read-back failed (the checker cannot judge them). */
  readonly unreadable: readonly string[];
  readonly images: Readonly<Record<string, ImageState>>;
  readonly hostVms: Readonly<Record<string, readonly HostVm[]>>;
  /** Each tenant's organization id (host VMs name their tenant by imageTenantOf). */
  readonly orgIds?: Readonly<Record<string, number>>;
}

interface DeploymentBody {
  id: number;
  name: string;
  published?: boolean;
  deployment?: { vms?: Array<{ state?: string; hostId?: string }> };
}

async function tenantApps(client: TenantClient): Promise<AppState[] | undefined> {
  const list = await client.call('GET', '/applications');
  if (list.outcome !== 'ok' || !Array.isArray(list.body)) return undefined;
  const out: AppState[] = [];
  for (const a of list.body as Array<{ id: number; name: string }>) {
    const d = await client.call('GET', `/applications/${a.id};deployment`);
    if (d.outcome !== 'ok') {
      if (d.code === 'NOT_FOUND') continue; // deleted between the list and the read
      return undefined;
    }
    const b = d.body as DeploymentBody;
    out.push({
      id: b.id,
      name: b.name,
      published: b.published === true,
      vms: (b.deployment?.vms ?? []).map((v) => ({ state: v.state ?? 'UNKNOWN', ...(v.hostId === undefined ? {} : { hostId: v.hostId }) })),
    });
  }
  return out;
}

export async function readFinalState(
  tenants: readonly TenantLogin[],
  gateways: readonly string[],
  history: readonly HistoryLine[],
  hostVms: Readonly<Record<string, readonly HostVm[]>>,
): Promise<FinalState> {
  const apps: Record<string, AppState[]> = {};
  const unreadable: string[] = [];
  const clients = new Map(tenants.map((t, i) => [t.name, new TenantClient(t, gateways, i, 20_000)]));
  for (const [name, client] of clients) {
    let got: AppState[] | undefined;
    for (let attempt = 0; attempt < 3 && got === undefined; attempt++) got = await tenantApps(client);
    if (got === undefined) unreadable.push(name);
    else apps[name] = got;
  }
  const images: Record<string, ImageState> = {};
  // Read back: each acknowledged upload whose delete cannot have happened, and each acknowledged delete (it must be gone).
  const deleting = maybeDeletedUploads(history);
  for (const l of history) {
    if (l.type !== 'ok' || l.image === undefined || l.gateway === undefined) continue;
    if (l.op !== 'delete-upload' && (l.op !== 'upload' || deleting.has(l.image))) continue;
    const client = clients.get(l.tenant);
    if (client === undefined) continue;
    await client.ensureLogin();
    try {
      const r = await fetch(`${l.gateway}/api/v1/diskImages/${l.image}`, { headers: { cookie: client.sessionCookie, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
      const body = r.ok ? ((await r.json()) as { sha256?: string }) : (await r.arrayBuffer(), undefined);
      images[l.image] = { status: r.status, ...(body?.sha256 === undefined ? {} : { sha256: body.sha256 }) };
    } catch {
      images[l.image] = { status: 0 };
    }
  }
  return { readAt: Date.now(), apps, unreadable, images, hostVms, orgIds: Object.fromEntries(tenants.map((t) => [t.name, t.organizationId])) };
}
