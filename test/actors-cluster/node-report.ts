/** What a counter node tells the test about itself, and where it answers. */
import { decode } from '../../core/codec.ts';
import type { Bus } from '../../bus/bus.ts';

export interface NodeReport {
  readonly nodeId: string;
  readonly shards: readonly number[];
  /** Activations dropped because a newer one had claimed their record (late writes refused). */
  readonly fenced: number;
  readonly commits: number;
  readonly committedTurns: number;
}

export function nodeControlSubject(namespace: string, nodeId: string): string {
  return `ravel.test.${namespace}.node.${nodeId}`;
}

export async function askNode(bus: Bus, namespace: string, nodeId: string): Promise<NodeReport> {
  const reply = await bus.request(nodeControlSubject(namespace, nodeId), new Uint8Array(0), { timeoutMs: 5000 });
  return decode(reply.data) as NodeReport;
}
