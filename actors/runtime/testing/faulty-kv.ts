/**
 * A Bus whose key-value buckets fail on demand, as NATS's do while it restarts: every call on a
 * bucket whose name passes `failing` throws UNAVAILABLE. Everything else goes to the real bus.
 */
import { RavelError } from '../../../core/errors.ts';
import type { Bus, KeyValue } from '../../../bus/bus.ts';

export function withFaultyKv(bus: Bus, failing: (bucket: string) => boolean): Bus {
  const wrapKv = (kv: KeyValue): KeyValue =>
    new Proxy(kv, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]): unknown => {
          if (failing(target.bucket)) return Promise.reject(new RavelError('UNAVAILABLE', `bucket ${target.bucket} is out of reach (test fault)`));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return new Proxy(bus, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'kv' || typeof v !== 'function') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return async (...args: unknown[]): Promise<KeyValue> => wrapKv(await (v as (...a: unknown[]) => Promise<KeyValue>).apply(target, args));
    },
  });
}
