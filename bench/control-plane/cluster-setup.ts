/**
 * The three-node run's tenants and hosts, made through a node in this process a few at a time
 * (bench/cluster's setup makes them one after the other in a process of its own: 64 tenants
 * took over a minute there, most of a quick run). Each step is idempotent (a host registers
 * once, an organization has a request id), so a timed-out ask is sent again.
 */
import { randomBytes } from 'node:crypto';
import { isRavelError } from '../../core/errors.ts';
import type { Principal } from '../../domain/tenancy/principal.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import type { Tenant } from '../cluster/cluster.ts';
import { benchLimits, HOST_CAPACITY, REGION } from '../cluster/spec.ts';

const operator: Principal = { kind: 'operator', name: 'control-plane-bench' };

async function retried<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (i >= 8 || !(isRavelError(e, 'TIMEOUT') || isRavelError(e, 'UNAVAILABLE'))) throw e;
      // Shards may still be moving to the nodes that joined last.
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Runs `f` over `items`, `width` at a time; answers the results in order. */
async function inParallel<T, R>(items: readonly T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i] as T);
  }));
  return out;
}

export async function registerHosts(control: ControlPlane, hostIds: readonly string[]): Promise<void> {
  await inParallel(hostIds, 16, (hostId) => retried(() => control.registerHost(operator, { region: REGION, hostId, capacity: HOST_CAPACITY })));
}

/** Organizations `names`, each with its admin (identity domain = name) and the bench's limits. */
export async function makeTenants(control: ControlPlane, names: readonly string[]): Promise<Tenant[]> {
  return inParallel(names, 4, async (name) => {
    const t = { name, login: `admin-${name}`, password: `pw-${name}-${randomBytes(4).toString('hex')}` };
    const { organization } = await retried(() => control.createOrganization(operator, {
      name,
      identityDomain: name,
      admin: { email: t.login, password: t.password, name, surname: 'Bench' },
    }, { requestId: `cp-bench-org-${name}` }));
    await retried(() => control.setLimits(operator, organization.id, benchLimits));
    return { ...t, organizationId: organization.id };
  });
}
