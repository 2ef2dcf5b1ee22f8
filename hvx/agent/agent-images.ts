/**
 * What the agent needs of the image store: make a VM's disk ready before it starts (read its
 * blocks), and write a snapshot's changed blocks back as a new version. `ImageStoreImages`
 * (image-store-images.ts) does it through the image service; tests use `MemoryImages`.
 */
import type { DiskChanges, DiskSpec, PreparedDisk } from '../hypervisor.ts';

export interface AgentImages {
  /** Reads the disk's version from the store, ready for the hypervisor. NOT_FOUND when it is not the tenant's. */
  prepare(tenant: string, disk: DiskSpec): Promise<PreparedDisk>;
  /** Writes the changes as a new version of the disk's image on top of their base; answers its id. */
  writeSnapshot(tenant: string, changes: DiskChanges): Promise<string>;
}

/**
 * What MemoryImages remembers of each kind: the last ones, for a test to look at. A sim fleet
 * lives as long as its process (embedded mode, the cluster bench's agents) and would otherwise
 * keep a record of every VM start and stop for good (a 10-minute soak: its memory climbed).
 */
export const MEMORY_IMAGES_KEPT = 1000;

/** An in-memory stand-in that records what was asked (the last MEMORY_IMAGES_KEPT of each), for tests and sim fleets. */
export class MemoryImages implements AgentImages {
  readonly prepared: Array<{ tenant: string; version: string }> = [];
  readonly snapshots: Array<{ tenant: string; image: string; base: string; blocks: number; version: string }> = [];
  private snapshotsTaken = 0;

  async prepare(tenant: string, disk: DiskSpec): Promise<PreparedDisk> {
    keep(this.prepared, { tenant, version: disk.version });
    return { diskId: disk.id, version: disk.version, blockSize: 65536, blocks: 0 };
  }

  async writeSnapshot(tenant: string, changes: DiskChanges): Promise<string> {
    const version = `${changes.baseVersion}-s${++this.snapshotsTaken}`;
    keep(this.snapshots, { tenant, image: changes.image, base: changes.baseVersion, blocks: changes.blocks.length, version });
    return version;
  }
}

function keep<T>(records: T[], r: T): void {
  records.push(r);
  if (records.length > MEMORY_IMAGES_KEPT) records.shift();
}
