/**
 * A control plane for tests: the control kinds on one ActorSystem over the runtime's TestCluster
 * (embedded grid and bus, LMDB in a temporary directory, a ManualClock), cheap scrypt, one
 * region with a small public range. `restart` stops everything and starts again on the same data.
 * With `{ deployment: true }` it also places applications: the region's config, the hvx bridge,
 * and simulated hosts added with `addHost` (their VMs survive a restart, as a host's would).
 */
import type { ActorSystem } from '../../actors/runtime/actor-system.ts';
import { TestCluster } from '../../actors/runtime/testing/harness.ts';
import type { Principal } from '../../domain/tenancy/principal.ts';
import { BusTenantEventLog } from '../../events/bus-tenant-event-log.ts';
import { controlKinds, type DeploymentOptions } from '../control-kinds.ts';
import type { Region } from '../../domain/placement/placement-types.ts';
import { HvxBridge } from '../../hvx/bridge/hvx-bridge.ts';
import { SimHosts } from './sim-hosts.ts';
import { ControlPlaneImpl } from '../control-plane-impl.ts';
import type { ControlPlane } from '../control-plane.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbBlockStore, type LmdbBlockStore } from '../../storage-engine/lmdb/lmdb-block-store.ts';
import { LocalImageService } from '../../storage-engine/image-service/local-image-service.ts';
import type { ImageService } from '../../storage-engine/image-service/image-service.ts';
import type { LibraryDeps } from '../../actors/kinds/library/library-kind.ts';
import type { AnyActorKind } from '../../actors/actor-kind.ts';

export const operator: Principal = { kind: 'operator', name: 'ops' };
export const REGION = 'us-east';
const regions = { [REGION]: '203.0.113.0/28' };
export const HOST_CAPACITY = { cpus: 8, memoryMb: 16384 };
export const HOST_DEAD_AFTER_MS = 60_000;
const placementRegions: Region[] = [{ name: REGION, pricePerCpuHour: 0.02, pricePerGbHour: 0.01, hostCapacity: HOST_CAPACITY }];

export interface ControlHarnessOptions {
  /** Regions, simulated hosts and the hvx bridge, so applications can be published. */
  readonly deployment?: boolean;
  /** An image store (LMDB in a temporary directory) behind the library: disk images, saves, blueprints. */
  readonly images?: boolean;
  /** What the library sees of the store (to make it fail in tests), and how often a save is tried. */
  readonly libraryStore?: { readonly wrap?: (images: ImageService) => ImageService; readonly maxAttempts?: number };
  /** The control kinds as registered (to wrap one, making its turns fail in tests). */
  readonly wrapKinds?: (kinds: AnyActorKind[]) => AnyActorKind[];
}

export class ControlHarness {
  readonly tc = new TestCluster({ passivateAfterMs: 60_000 });
  system!: ActorSystem;
  control!: ControlPlane;
  events!: BusTenantEventLog;
  bridge: HvxBridge | undefined;
  readonly sim = new SimHosts(this.tc.clock);
  /** The image store, with `{ images: true }`; it lives across `restart`, as a storage node's disk would. */
  images: LocalImageService | undefined;
  private store: { dir: string; blocks: LmdbBlockStore } | undefined;

  private constructor(private readonly o: ControlHarnessOptions) {}

  static async start(o: ControlHarnessOptions = {}): Promise<ControlHarness> {
    const h = new ControlHarness(o);
    await h.boot();
    return h;
  }

  private async openImages(): Promise<void> {
    if (this.o.images !== true || this.images !== undefined) return;
    const dir = mkdtempSync(join(tmpdir(), 'ravel-library-'));
    const blocks = await openLmdbBlockStore({ path: join(dir, 'blocks'), clock: this.tc.clock, maintenanceIntervalMs: 0 });
    this.store = { dir, blocks };
    this.images = new LocalImageService({ store: blocks, catalogPath: join(dir, 'catalog'), clock: this.tc.clock });
  }

  private libraryDeps(images: ImageService): LibraryDeps {
    const l = this.o.libraryStore;
    return { images: l?.wrap?.(images) ?? images, retryMs: 1000, ...(l?.maxAttempts === undefined ? {} : { maxAttempts: l.maxAttempts }) };
  }

  private async boot(): Promise<void> {
    await this.openImages();
    this.events = new BusTenantEventLog(this.tc.bus);
    const deployment: DeploymentOptions | undefined = this.o.deployment === true
      ? { regions: placementRegions, bus: this.tc.bus, hosts: { deadAfterMs: HOST_DEAD_AFTER_MS, releaseIdleAfterMs: Number.POSITIVE_INFINITY } }
      : undefined;
    const kinds = controlKinds({ events: this.events, regions, scrypt: { N: 1024, r: 8, p: 1 }, ...(deployment === undefined ? {} : { deployment }), ...(this.images === undefined ? {} : { library: this.libraryDeps(this.images) }) });
    this.system = await this.tc.start(`node-${this.tc.systems.length}`, this.o.wrapKinds?.(kinds) ?? kinds);
    this.control = new ControlPlaneImpl({ actors: this.system, events: this.events, clock: this.tc.clock, regions: Object.keys(regions) });
    if (deployment !== undefined) {
      this.bridge = new HvxBridge({ bus: this.tc.bus, actors: this.system, clock: this.tc.clock });
      await this.tc.drive(this.bridge.start());
    }
  }

  /** A simulated host with its agent, in the region's inventory. */
  async addHost(hostId: string, capacity = HOST_CAPACITY): Promise<void> {
    await this.tc.drive(this.sim.add(this.tc.bus, hostId, capacity));
    await this.run(this.control.registerHost(operator, { region: REGION, hostId, capacity }));
  }

  private async stopDeployment(): Promise<void> {
    await this.bridge?.stop();
    this.bridge = undefined;
    await this.sim.detach();
  }

  /** Runs a call to the end, moving the clock as the runtime needs. */
  run<T>(p: Promise<T>): Promise<T> {
    return this.tc.drive(p);
  }

  /** Waits until every outbox has drained: the tenant's stream holds `count` records. */
  async eventsReach(tenantId: number, count: number): Promise<void> {
    let last = 0;
    await this.tc.until(() => {
      void this.events.lastSequence(tenantId).then((n) => (last = n));
      return last >= count;
    });
  }

  /** One pass of the store's background work (collects blocks nothing references); none without `{ images: true }`. */
  async maintainStore(): Promise<void> {
    await this.store?.blocks.maintain();
  }

  /** Stops the node as a crash would, closes the grid and bus, and starts again on the same directory. */
  async restart(): Promise<void> {
    await this.tc.drive(this.stopDeployment());
    await this.tc.drive(this.system.halt());
    await this.tc.restartInfrastructure();
    await this.boot();
    if (this.o.deployment === true) await this.tc.drive(this.sim.attach(this.tc.bus));
  }

  async close(): Promise<void> {
    await this.tc.drive(this.stopDeployment());
    await this.sim.close();
    await this.tc.close();
    if (this.store !== undefined) {
      await this.images?.close();
      await this.store.blocks.close();
      rmSync(this.store.dir, { recursive: true, force: true });
    }
  }
}

/** Rejects-with-code matcher for assert.rejects. */
export function code(c: string): (e: unknown) => boolean {
  return (e: unknown) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === c;
}
