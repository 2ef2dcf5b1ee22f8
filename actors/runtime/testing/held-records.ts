/**
 * A bus whose actor-record bucket holds every write while `holding` is set, until `release()`:
 * for tests of what may and may not happen while a batch's durable write is pending.
 */
import type { Bus, KeyValue } from '../../../bus/bus.ts';

export interface HeldRecords {
  readonly bus: Bus;
  holding: boolean;
  release(): void;
}

export function holdRecordWrites(base: Bus, holding = true): HeldRecords {
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const out: HeldRecords = { bus: Object.create(base) as Bus, holding, release: () => release() };
  const gate = async (): Promise<void> => {
    if (out.holding) await held;
  };
  const realKv = base.kv.bind(base);
  out.bus.kv = async (name, config) => {
    const kv = await realKv(name, config);
    if (!name.endsWith('-records')) return kv;
    const slow: KeyValue = Object.create(kv) as KeyValue;
    slow.update = async (k, v, rev) => (await gate(), kv.update(k, v, rev));
    slow.create = async (k, v) => (await gate(), kv.create(k, v));
    slow.updateMany = async (writes) => (await gate(), kv.updateMany(writes));
    return slow;
  };
  return out;
}
