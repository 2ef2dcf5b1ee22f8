/**
 * A control plane for tests: the control kinds on one ActorSystem over the runtime's TestCluster
 * (embedded grid and bus, LMDB in a temporary directory, a ManualClock), cheap scrypt, one
 * region with a small public range. `restart` stops everything and starts again on the same data.
 */
import type { ActorSystem } from '../../actors/runtime/actor-system.ts';
import { TestCluster } from '../../actors/runtime/testing/harness.ts';
import type { Principal } from '../../domain/tenancy/principal.ts';
import { BusTenantEventLog } from '../../events/bus-tenant-event-log.ts';
import { controlKinds } from '../control-kinds.ts';
import { ControlPlaneImpl } from '../control-plane-impl.ts';
import type { ControlPlane } from '../control-plane.ts';

export const operator: Principal = { kind: 'operator', name: 'ops' };
export const REGION = 'us-east';
const regions = { [REGION]: '203.0.113.0/28' };

export class ControlHarness {
  readonly tc = new TestCluster({ passivateAfterMs: 60_000 });
  system!: ActorSystem;
  control!: ControlPlane;
  events!: BusTenantEventLog;

  static async start(): Promise<ControlHarness> {
    const h = new ControlHarness();
    await h.boot();
    return h;
  }

  private async boot(): Promise<void> {
    this.events = new BusTenantEventLog(this.tc.bus);
    const kinds = controlKinds({ events: this.events, regions, scrypt: { N: 1024, r: 8, p: 1 } });
    this.system = await this.tc.start(`node-${this.tc.systems.length}`, kinds);
    this.control = new ControlPlaneImpl({ actors: this.system, events: this.events, clock: this.tc.clock, regions: Object.keys(regions) });
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

  /** Stops the node as a crash would, closes the grid and bus, and starts again on the same directory. */
  async restart(): Promise<void> {
    await this.tc.drive(this.system.halt());
    await this.tc.restartInfrastructure();
    await this.boot();
  }

  close(): Promise<void> {
    return this.tc.close();
  }
}

/** Rejects-with-code matcher for assert.rejects. */
export function code(c: string): (e: unknown) => boolean {
  return (e: unknown) => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === c;
}
