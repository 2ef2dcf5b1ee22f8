/** Helpers shared by the control plane's tests: a tenant with a logged-in admin, and waiting on VM states. */
import assert from 'node:assert/strict';
import type { Organization, User, VmState } from '../../domain/schemas/index.ts';
import type { Principal } from '../../domain/tenancy/principal.ts';
import type { LoginOutcome } from '../control-plane.ts';
import { code, operator, type ControlHarness } from './control-harness.ts';

/** Makes an organization named `name` and logs its admin (`root@<name>`, `root-password`) in. */
export async function tenant(
  h: ControlHarness,
  name: string,
): Promise<{ p: Principal; organizationId: number; organization: Organization; admin: User; session: LoginOutcome }> {
  const { organization, admin } = await h.run(h.control.createOrganization(operator, { name, admin: { email: `root@${name}`, password: 'root-password' } }));
  const session = await h.run(h.control.login(`root@${name}`, 'root-password'));
  assert.ok(session !== undefined);
  return { p: session.principal, organizationId: organization.id, organization, admin, session };
}

/**
 * Moves the clock until every VM of the application is in `want` (or, given a list, the VMs are
 * in exactly those states); answers the clock's time then. Fails after `maxMs` of clock time.
 */
export async function allVms(h: ControlHarness, p: Principal, id: number, want: VmState | readonly VmState[], maxMs = 30_000): Promise<number> {
  let states: VmState[] = [];
  let reading = false;
  const ok = (): boolean => (typeof want === 'string' ? states.length > 0 && states.every((s) => s === want) : states.join() === want.join());
  return h.tc.until(() => {
    if (!reading) {
      reading = true;
      void h.control.getApplication(p, id, 'deployment').then((a) => {
        states = a.deployment?.vms.map((v) => v.state) ?? [];
        reading = false;
      }, () => (reading = false));
    }
    return ok();
  }, maxMs, 50);
}

/**
 * `call` again while it is refused QUOTA_EXCEEDED, up to 20 times, a second of clock apart. An
 * elastic IP's release is acknowledged once the organization has written it; the region gets the
 * address back from the organization's drain reminder just after (never before that write, or a
 * failed write would leave the address with two owners), so a publish at once may still find none.
 */
export async function onceAddressesAreBack<T>(h: ControlHarness, call: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await h.run(call());
    } catch (e) {
      if (i >= 20 || !code('QUOTA_EXCEEDED')(e)) throw e;
      await h.tc.advance(1000);
    }
  }
}
