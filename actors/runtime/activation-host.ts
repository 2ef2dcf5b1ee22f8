/**
 * What an activation needs from the node it lives on. An interface, so activations do not
 * import the actor system (no import cycle) and tests can see what an activation touches.
 */
import type { Clock } from '../../core/clock.ts';
import type { RavelError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ActorSender } from '../actor-kind.ts';
import type { ActorMetrics } from './metrics.ts';
import type { RecordStore } from './record-store.ts';
import type { ReminderIndex } from './reminder-index.ts';
import type { RuntimeSettings } from './runtime-settings.ts';

export interface ActivationHost {
  readonly clock: Clock;
  readonly log: Logger;
  /** How a handler sends to other actors. */
  readonly sender: ActorSender;
  readonly records: RecordStore;
  readonly reminderIndex: ReminderIndex;
  readonly metrics: ActorMetrics;
  readonly settings: RuntimeSettings;
  /**
   * Called once when an activation is dropped (not when passivated): forget it. `mayHaveReminders`
   * when its durable record may hold reminders that nothing else will wake (it was loading, or it
   * had reminders), so the host wakes it again from that record.
   */
  onDropped(activation: { readonly key: string; readonly ref: { kind: string; id: string } }, error: RavelError, mayHaveReminders: boolean): void;
}
