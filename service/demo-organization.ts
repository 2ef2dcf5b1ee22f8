/**
 * Embedded mode's first run: a demo organization and its admin, so a new user can log in at
 * once. The password comes from RAVEL_ADMIN_PASSWORD, or is made here and shown once, on the
 * run that creates the organization; later runs find it and say so.
 */
import { randomBytes } from 'node:crypto';
import { isRavelError } from '../core/errors.ts';
import type { ControlPlane } from '../control/control-plane.ts';
import type { Principal } from '../domain/tenancy/principal.ts';

export const DEMO_ADMIN_EMAIL = 'admin@demo.ravel';
const bootstrap: Principal = { kind: 'operator', name: 'bootstrap' };

export type DemoOutcome =
  | { readonly created: true; readonly email: string; readonly password: string; readonly organizationId: number }
  | { readonly created: false; readonly email: string };

export async function ensureDemoOrganization(control: ControlPlane, passwordFromEnv: string | undefined): Promise<DemoOutcome> {
  const password = passwordFromEnv ?? randomBytes(12).toString('base64url');
  // No request id: a replayed first answer would pair the organization with a password that
  // was never set. The login name's uniqueness is what makes a second run a no-op.
  try {
    const { organization } = await control.createOrganization(
      bootstrap,
      { name: 'Demo', description: 'Made at first start', admin: { email: DEMO_ADMIN_EMAIL, password, name: 'Demo', surname: 'Admin' } },
    );
    return { created: true, email: DEMO_ADMIN_EMAIL, password, organizationId: organization.id };
  } catch (e) {
    // The admin's login name is taken: the demo organization exists from an earlier run.
    if (isRavelError(e, 'ALREADY_EXISTS')) return { created: false, email: DEMO_ADMIN_EMAIL };
    throw e;
  }
}
