/**
 * The set-ups the control plane's tests share, each scoped to one callback so the harness is
 * closed after it, pass or fail: a bare harness, a harness with hosts and tenant acme's admin,
 * and that plus an application published and every VM STARTED.
 */
import type { Application, PublishRequest } from '../../domain/schemas/index.ts';
import type { Principal } from '../../domain/tenancy/principal.ts';
import { sampleVm } from '../../domain/test-fixtures.ts';
import type { ControlPlane } from '../control-plane.ts';
import { ControlHarness, type ControlHarnessOptions } from './control-harness.ts';
import { allVms, tenant } from './deployment-helpers.ts';

/** Runs `body` on a harness started with `o`, and closes the harness after it. */
export async function withHarness(o: ControlHarnessOptions, body: (h: ControlHarness) => Promise<void>): Promise<void> {
  const h = await ControlHarness.start(o);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

export interface HostedTenant {
  readonly h: ControlHarness;
  /** `h.control` as it was at the start: a `h.restart()` replaces it, read `h.control` after one. */
  readonly c: ControlPlane;
  /** Tenant acme's admin. */
  readonly p: Principal;
  readonly organizationId: number;
}

/** A harness (started with `o`, simulated hosts `hosts` added) with tenant acme's admin logged in. */
export async function withTenant(body: (t: HostedTenant) => Promise<void>, o: ControlHarnessOptions = {}, hosts: readonly string[] = []): Promise<void> {
  await withHarness(o, async (h) => {
    for (const host of hosts) await h.addHost(host);
    const { p, organizationId } = await tenant(h, 'acme');
    await body({ h, c: h.control, p, organizationId });
  });
}

/** A harness that places applications, on simulated hosts `hosts`, with tenant acme's admin logged in. */
export async function withHostedTenant(hosts: readonly string[], body: (t: HostedTenant) => Promise<void>): Promise<void> {
  await withTenant(body, { deployment: true }, hosts);
}

/** Acme's application `web` of `sampleVm(n)` for each of `vms`, published with `publish`, every VM STARTED. */
export async function startedApp(h: ControlHarness, p: Principal, vms: readonly number[], publish: PublishRequest = {}): Promise<Application> {
  const app = await h.run(h.control.createApplication(p, { name: 'web', design: { vms: vms.map((n) => sampleVm(n)) } }));
  await h.run(h.control.publishApplication(p, app.id, publish));
  await allVms(h, p, app.id, 'STARTED');
  return app;
}

export interface StartedApp extends HostedTenant {
  readonly app: Application;
}

/**
 * On host h1 (or `o.hosts`), tenant acme's application `web` of `vms`, published with
 * `o.publish` and every VM STARTED.
 */
export async function withStartedApp(
  vms: readonly number[],
  body: (t: StartedApp) => Promise<void>,
  o: { readonly hosts?: readonly string[]; readonly publish?: PublishRequest } = {},
): Promise<void> {
  await withHostedTenant(o.hosts ?? ['h1'], async (t) => {
    const app = await startedApp(t.h, t.p, vms, o.publish);
    await body({ ...t, app });
  });
}
