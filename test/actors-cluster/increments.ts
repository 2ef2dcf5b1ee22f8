/**
 * The client workload of the cluster tests: every counter gets `perCounter` increments, each
 * with its own idempotency key, sent with `inFlight` at once and each retried with the same key
 * until it is acknowledged. `onProgress` sees the acknowledged count after each acknowledgement.
 */
import type { ActorRef, ActorSender } from '../../actors/actor-kind.ts';
import { isRavelError } from '../../core/errors.ts';

export interface IncrementRun {
  readonly acknowledged: number;
  /** Attempts that failed and were sent again with the same key. */
  readonly retries: number;
  /** Error codes of the failed attempts, with counts. */
  readonly errors: ReadonlyMap<string, number>;
}

export function counterRefs(n: number): ActorRef[] {
  return Array.from({ length: n }, (_, i) => ({ kind: 'counter', id: `c${i}` }));
}

export async function sendIncrements(
  client: ActorSender,
  refs: readonly ActorRef[],
  perCounter: number,
  inFlight: number,
  onProgress: (acknowledged: number) => void = () => undefined,
  giveUpAt = Date.now() + 10 * 60_000,
): Promise<IncrementRun> {
  // Interleaved: increment j of every counter before increment j+1 of any.
  const total = refs.length * perCounter;
  let next = 0;
  let acknowledged = 0;
  let retries = 0;
  const errors = new Map<string, number>();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const ref = refs[i % refs.length] as ActorRef;
      const key = `${ref.id}-${Math.floor(i / refs.length)}`;
      for (;;) {
        try {
          await client.ask(ref, { type: 'add', by: 1 }, { idempotencyKey: key, timeoutMs: 5000 });
          break;
        } catch (e) {
          if (Date.now() > giveUpAt) throw e;
          const code = isRavelError(e) ? e.code : 'OTHER';
          errors.set(code, (errors.get(code) ?? 0) + 1);
          retries++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      onProgress(++acknowledged);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { acknowledged, retries, errors };
}

/**
 * Keeps `inFlight` increments going to one actor, each with a fresh key and retried with it
 * until acknowledged, until `stop()`; resolves with how many keys were sent (all acknowledged).
 * A busy mailbox is what a frozen node holds when it is thawed: turns that will try to write.
 */
export function hammer(client: ActorSender, ref: ActorRef, inFlight: number): { stop(): Promise<number> } {
  let stopped = false;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const key = `${ref.id}-h${sent++}`;
      for (;;) {
        try {
          // A long deadline: turns queued on a frozen node are still due when it thaws.
          await client.ask(ref, { type: 'add', by: 1 }, { idempotencyKey: key, timeoutMs: 30_000 });
          // Jitter breaks the convoy (all asks answered by one write, sent again together), so
          // asks keep arriving while a write is in flight and wait behind it in the mailbox.
          await new Promise((r) => setTimeout(r, Math.random() * 100));
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  };
  const done = Promise.all(Array.from({ length: inFlight }, worker));
  return {
    async stop() {
      stopped = true;
      await done;
      return sent;
    },
  };
}
