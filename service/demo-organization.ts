/**
 * Embedded mode's first run: a demo organization and its admin, so a new user can log in at
 * once. The password comes from RAVEL_ADMIN_PASSWORD, or is made here and shown once, on the
 * run that creates the organization; later runs find it and say so. The same run puts a few
 * library VMs in its library (blank disks: an upload gives them content), so a new user can
 * build an application from them at once.
 */
import { randomBytes } from 'node:crypto';
import { isRavelError } from '../core/errors.ts';
import type { ControlPlane } from '../control/control-plane.ts';
import type { LibraryImage } from '../domain/schemas/index.ts';
import type { Principal } from '../domain/tenancy/principal.ts';

export const DEMO_ADMIN_EMAIL = 'admin@demo.ravel';
const bootstrap: Principal = { kind: 'operator', name: 'bootstrap' };

type DemoImage = Omit<LibraryImage, 'id'>;

function demoVm(name: string, description: string, numCpus: number, memoryGb: number, diskGb: number, ssh: boolean): DemoImage {
  return {
    name,
    description,
    numCpus,
    memorySize: { unit: 'GB', value: memoryGb },
    hardDrives: [{ id: 1, name: 'root', index: 0, type: 'DISK', size: { unit: 'GB', value: diskGb }, controller: 'virtio', boot: true }],
    networkConnections: [{ id: 2, name: 'eth0', device: { deviceType: 'virtio', index: 0, useAutomaticMac: true }, ipConfig: { autoIpConfig: {} } }],
    ...(ssh ? { suppliedServices: [{ id: 3, name: 'ssh', portRange: '22', protocol: 'SSH', external: true }] } : {}),
  };
}

/** The demo organization's library VMs. */
export const DEMO_IMAGES: readonly DemoImage[] = [
  demoVm('Linux server', 'A small server VM with SSH', 1, 2, 20, true),
  demoVm('Web server', 'Two CPUs for a web tier', 2, 4, 40, true),
  demoVm('Database', 'Four CPUs and a larger disk', 4, 8, 100, false),
];

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
    for (const image of DEMO_IMAGES) await control.addLibraryImage(bootstrap, organization.id, image);
    return { created: true, email: DEMO_ADMIN_EMAIL, password, organizationId: organization.id };
  } catch (e) {
    // The admin's login name is taken: the demo organization exists from an earlier run.
    if (isRavelError(e, 'ALREADY_EXISTS')) return { created: false, email: DEMO_ADMIN_EMAIL };
    throw e;
  }
}
