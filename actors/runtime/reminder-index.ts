/**
 * The durable index of actors with reminders, by shard, so a shard's new owner (after a
 * takeover or a restart of the whole cluster) knows whom to wake without loading every actor.
 * Each entry holds the actor's earliest due time as a hint that is never later than the truth:
 * it is written before a commit that moves the earliest reminder sooner, and after one that
 * moves it later or removes the last reminder. A hint too early only wakes an actor for nothing.
 */
import { decode, encode } from '../../core/codec.ts';
import type { KeyValue } from '../../bus/bus.ts';
import type { ActorRef } from '../actor-kind.ts';
import { actorKey, reminderIndexKey, reminderIndexPrefix } from './actor-address.ts';

export interface IndexedWake {
  readonly ref: ActorRef;
  readonly dueAt: number;
}

export class ReminderIndex {
  constructor(private readonly kv: KeyValue) {}

  async put(shard: number, ref: ActorRef, dueAt: number): Promise<void> {
    await this.kv.put(reminderIndexKey(shard, actorKey(ref)), encode({ k: ref.kind, i: ref.id, d: dueAt }));
  }

  async remove(shard: number, ref: ActorRef): Promise<void> {
    await this.kv.delete(reminderIndexKey(shard, actorKey(ref)));
  }

  async list(shard: number): Promise<IndexedWake[]> {
    const keys = await this.kv.keys(reminderIndexPrefix(shard));
    const out: IndexedWake[] = [];
    for (const key of keys) {
      const entry = await this.kv.get(key);
      if (entry === undefined) continue;
      const v = decode(entry.value) as { k?: unknown; i?: unknown; d?: unknown } | null;
      if (typeof v?.k === 'string' && typeof v.i === 'string' && typeof v.d === 'number') {
        out.push({ ref: { kind: v.k, id: v.i }, dueAt: v.d });
      }
    }
    return out;
  }
}
