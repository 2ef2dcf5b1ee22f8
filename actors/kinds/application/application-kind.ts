/**
 * `application`: one actor per application, id = the application's id. It checks every principal
 * against its owner organization (another tenant's application is NOT_FOUND), and hands its
 * events to the organization actor from an outbox drained after each commit.
 */
import { match } from 'ts-pattern';
import { parseInput } from '../../../domain/schemas/index.ts';
import { OUTBOX_REMINDER, type ForwardedEvent } from '../../../events/event-outbox.ts';
import { defineActorKind, type ActorContext } from '../../actor-kind.ts';
import { organizationRef } from '../organization/organization-kind.ts';
import { addVm, create, get, peek, remove, update } from './application-design.ts';
import { ApplicationMsgSchema, type ApplicationMsg } from './application-messages.ts';
import { decodeApplicationState, type ApplicationState } from './application-state.ts';

export function applicationRef(applicationId: number): { kind: 'application'; id: string } {
  return { kind: 'application', id: String(applicationId) };
}

type RecordEvents = { readonly type: 'recordEvents'; readonly source: string; readonly events: readonly ForwardedEvent[] };

/** Hands the pending events to the organization; keeps those it has not taken. */
async function forwardEvents(ctx: ActorContext<ApplicationState>): Promise<void> {
  const s = ctx.state;
  if (s.status === 'absent' || s.outbox.pending.length === 0) return;
  const taken = await ctx.actors.ask<number, RecordEvents>(organizationRef(s.organizationId), { type: 'recordEvents', source: `application-${ctx.self.id}`, events: s.outbox.pending });
  ctx.setState({ ...s, outbox: { ...s.outbox, pending: s.outbox.pending.filter((e) => e.localSeq > taken) } });
}

export function applicationKind() {
  return defineActorKind<ApplicationState, ApplicationMsg, unknown>({
    name: 'application',
    schemaVersion: 1,
    initialState: () => ({ status: 'absent' }),
    decodeMessage: (raw) => parseInput(ApplicationMsgSchema, raw),
    decodeState: (stored) => decodeApplicationState(stored),
    handle(ctx, msg) {
      return match(msg)
        .with({ type: 'create' }, (m) => create(ctx, m))
        .with({ type: 'get' }, (m) => get(ctx, m))
        .with({ type: 'peek' }, (m) => peek(ctx, m))
        .with({ type: 'update' }, (m) => update(ctx, m))
        .with({ type: 'addVm' }, (m) => addVm(ctx, m))
        .with({ type: 'delete' }, (m) => remove(ctx, m))
        .exhaustive();
    },
    async onReminder(ctx, reminder) {
      if (reminder.name === OUTBOX_REMINDER) await forwardEvents(ctx);
    },
  });
}
