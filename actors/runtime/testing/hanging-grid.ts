/**
 * A Grid whose calls stop answering on demand, as a Hazelcast client's do when its node is cut
 * off by a network partition: while `hanging`, every map call waits; `release` fails them all
 * with UNAVAILABLE (so a test can end). Listeners and everything else go to the real grid.
 */
import { RavelError } from '../../../core/errors.ts';
import type { Grid } from '../../../grid/grid.ts';

export class HangingGrid {
  hanging = false;
  private readonly waiting: Array<(e: Error) => void> = [];

  wrap(grid: Grid): Grid {
    const wait = <T>(): Promise<T> => new Promise<T>((_, reject) => this.waiting.push(reject));
    const wrapMap = (map: object): object =>
      new Proxy(map, {
        get: (target, prop, receiver) => {
          const v: unknown = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]): unknown => (this.hanging && prop !== 'listen' ? wait() : (v as (...a: unknown[]) => unknown).apply(target, args));
        },
      });
    return new Proxy(grid, {
      get: (target, prop, receiver) => {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        if (prop === 'map') return (name: string) => wrapMap(target.map(name));
        return (v as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }

  /** Stops hanging and fails every call that waited. */
  release(): void {
    this.hanging = false;
    for (const reject of this.waiting.splice(0)) reject(new RavelError('UNAVAILABLE', 'the grid was out of reach (test fault)'));
  }
}
