/**
 * Which nodes are alive: each node writes a heartbeat entry to a grid map every placement tick,
 * with its own expiry inside (exact, on the writer's clock) and a grid TTL to clean up after it.
 */
import type { Clock } from '../../core/clock.ts';
import type { GridMap } from '../../grid/grid.ts';

export interface NodeHeartbeat {
  readonly nodeId: string;
  readonly expiresAt: number;
  /** A draining node still lives but takes no shards, and gives its own away. */
  readonly draining: boolean;
}

export class Membership {
  constructor(
    private readonly map: GridMap<NodeHeartbeat>,
    private readonly nodeId: string,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  async heartbeat(draining: boolean): Promise<void> {
    const beat: NodeHeartbeat = { nodeId: this.nodeId, expiresAt: this.clock.now() + this.ttlMs, draining };
    await this.map.set(this.nodeId, beat, { ttlMs: this.ttlMs * 2 });
  }

  /** Nodes that can own shards now: heartbeat unexpired and not draining. Sorted. */
  async live(): Promise<string[]> {
    const now = this.clock.now();
    return (await this.map.entriesWithPrefix(''))
      .map(([, v]) => v.value)
      .filter((b) => b.expiresAt > now && !b.draining)
      .map((b) => b.nodeId)
      .sort();
  }

  async leave(): Promise<void> {
    await this.map.delete(this.nodeId);
  }
}
