/**
 * The image store's tenant of an organization: the one name under which its disk images,
 * VM disks and snapshots are kept. The library, uploads and the VM specs sent to HVX hosts
 * (whose agent reads and writes the store under the spec's tenant) all take it from here, so
 * a host never asks the store under a name the store does not know.
 */
export const imageTenantOf = (organizationId: number): string => String(organizationId);
