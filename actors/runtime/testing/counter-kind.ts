/**
 * A small actor kind for the runtime's tests: a counter with a log of what happened to it, a
 * turn that fails after changing state, turns that wait on a gate the test opens, and reminders.
 */
import { match } from 'ts-pattern';
import { RavelError } from '../../../core/errors.ts';
import { defineActorKind, type Reminder } from '../../actor-kind.ts';

export interface CounterState {
  readonly count: number;
  readonly log: readonly string[];
}

export type CounterMsg =
  | { readonly type: 'add'; readonly by: number }
  | { readonly type: 'append'; readonly item: string }
  | { readonly type: 'get' }
  | { readonly type: 'fail' }
  | { readonly type: 'wait'; readonly gate: string }
  | { readonly type: 'remind'; readonly name: string; readonly at: number }
  | { readonly type: 'cancel'; readonly name: string }
  | { readonly type: 'noop' };

/** Gates that `wait` turns block on, opened by the test. */
export class Gates {
  private readonly open = new Map<string, () => void>();
  private readonly waits = new Map<string, Promise<void>>();

  wait(name: string): Promise<void> {
    let p = this.waits.get(name);
    if (p === undefined) {
      p = new Promise<void>((r) => this.open.set(name, r));
      this.waits.set(name, p);
    }
    return p;
  }

  release(name: string): void {
    void this.wait(name);
    this.open.get(name)?.();
  }
}

export interface CounterOptions {
  readonly gates?: Gates;
  /** Every reminder fired, in order, across all counters. */
  readonly fired?: Array<{ id: string; reminder: Reminder; at: number }>;
  readonly schemaVersion?: number;
}

const types = new Set(['add', 'append', 'get', 'fail', 'wait', 'remind', 'cancel', 'noop']);

export function counterKind(o: CounterOptions = {}) {
  const gates = o.gates ?? new Gates();
  return defineActorKind<CounterState, CounterMsg, number | CounterState | null>({
    name: 'counter',
    schemaVersion: o.schemaVersion ?? 1,
    initialState: () => ({ count: 0, log: [] }),
    decodeMessage(raw) {
      const m = raw as Partial<Record<string, unknown>> | null;
      if (typeof m !== 'object' || m === null || typeof m['type'] !== 'string' || !types.has(m['type'])) {
        throw new RavelError('DECODE_FAILED', 'not a counter message');
      }
      if (m['type'] === 'add' && typeof m['by'] !== 'number') throw new RavelError('DECODE_FAILED', 'add needs a number');
      return m as unknown as CounterMsg;
    },
    decodeState(stored) {
      const s = stored as Partial<CounterState> | null;
      if (typeof s?.count !== 'number' || !Array.isArray(s.log)) throw new RavelError('CORRUPT', 'bad counter state');
      return { count: s.count, log: s.log };
    },
    handle(ctx, msg) {
      return match(msg)
        .with({ type: 'add' }, ({ by }) => {
          ctx.setState({ ...ctx.state, count: ctx.state.count + by });
          return ctx.state.count;
        })
        .with({ type: 'append' }, ({ item }) => {
          ctx.setState({ ...ctx.state, log: [...ctx.state.log, item] });
          return null;
        })
        .with({ type: 'get' }, () => ctx.state)
        .with({ type: 'fail' }, () => {
          ctx.setState({ ...ctx.state, count: -1 });
          ctx.reminders.set('never', ctx.clock.now() + 10);
          throw new RavelError('ILLEGAL_STATE', 'this turn fails');
        })
        .with({ type: 'wait' }, async ({ gate }) => {
          await gates.wait(gate);
          ctx.setState({ ...ctx.state, log: [...ctx.state.log, `waited:${gate}`] });
          return ctx.state.count;
        })
        .with({ type: 'remind' }, ({ name, at }) => {
          ctx.reminders.set(name, at, { note: name });
          return null;
        })
        .with({ type: 'cancel' }, ({ name }) => {
          ctx.reminders.cancel(name);
          return null;
        })
        .with({ type: 'noop' }, () => null)
        .exhaustive();
    },
    onReminder(ctx, reminder) {
      o.fired?.push({ id: ctx.self.id, reminder, at: ctx.clock.now() });
      ctx.setState({ ...ctx.state, log: [...ctx.state.log, `fired:${reminder.name}`] });
    },
  });
}
