/**
 * `application`: one actor per application, id = the application's id. It checks every principal
 * against its owner organization (another tenant's application is NOT_FOUND), and hands its
 * events to the organization actor from an outbox drained after each commit.
 */
import { match } from 'ts-pattern';
import { taggedParser } from '../../../domain/schemas/index.ts';
import { handOver, OUTBOX_REMINDER } from '../../../events/event-outbox.ts';
import { defineActorKind, type ActorContext } from '../../actor-kind.ts';
import { organizationRef } from '../organization/organization-kind.ts';
import { RavelError } from '../../../core/errors.ts';
import { addVm, create, get, peek, update } from './application-design.ts';
import { remove } from './application-delete.ts';
import { applicationAction, publish, setExpiration, type ApplicationDeploymentDeps } from './application-deployment.ts';
import { publishUpdates } from './application-updates.ts';
import { vmsAction } from './application-vm-actions.ts';
import { price } from './application-price.ts';
import { reportUsage, USAGE_REMINDER } from './application-usage.ts';
import { createTask, deleteTask, fireTask, getTask, listTasks, TASK_REMINDER_PREFIX, updateTask } from './application-tasks.ts';
import { retryWithdrawal, WITHDRAW_REMINDER_PREFIX } from './application-withdrawals.ts';
import { expire, hostResult, hostStatus, sendQueuedCommands } from './application-host-reports.ts';
import { hostLost } from './application-repair.ts';
import { roomHeld } from './application-room.ts';
import { saveBlueprint } from './application-task-blueprint.ts';
import { settle, SETTLE_REMINDER } from './application-settle.ts';
import { ApplicationMsgSchema, type ApplicationMsg } from './application-messages.ts';
import { decodeApplicationState, type ApplicationState } from './application-state.ts';
import { EXPIRATION_REMINDER, HOST_COMMANDS_REMINDER } from './application-vm-transitions.ts';

export type { ApplicationDeploymentDeps };

/** A message's own variant is checked, not all twenty-odd in turn (see taggedParser). */
const parseMessage = taggedParser(ApplicationMsgSchema);

export function applicationRef(applicationId: number): { kind: 'application'; id: string } {
  return { kind: 'application', id: String(applicationId) };
}

/** Hands the pending events to the organization as one batch; keeps those it does not hold. */
async function forwardEvents(ctx: ActorContext<ApplicationState>): Promise<void> {
  const s = ctx.state;
  if (s.status === 'absent' || s.outbox.pending.length === 0) return;
  ctx.setState({ ...s, outbox: await handOver(ctx.actors, organizationRef(s.organizationId), `application-${ctx.self.id}`, s.outbox) });
}

/**
 * Without `deployment` (a node with no hosts configured) the deployment calls answer UNAVAILABLE;
 * host reports and reminders still apply.
 */
export function applicationKind(deployment?: ApplicationDeploymentDeps) {
  const deps = (): ApplicationDeploymentDeps => {
    if (deployment === undefined) throw new RavelError('UNAVAILABLE', 'this node places no applications: no regions or bus for hosts');
    return deployment;
  };
  return defineActorKind<ApplicationState, ApplicationMsg, unknown>({
    name: 'application',
    schemaVersion: 1,
    initialState: () => ({ status: 'absent' }),
    decodeMessage: (raw) => parseMessage(raw),
    decodeState: (stored) => decodeApplicationState(stored),
    handle(ctx, msg) {
      // The reads before the match: ts-pattern builds every arm of the chain on each call (22
      // calls and closures, ~1 µs), a tenth of a REST read answered in process. The match
      // below stays exhaustive over the rest.
      if (msg.type === 'get') return get(ctx, msg);
      if (msg.type === 'peek') return peek(ctx, msg);
      return match(msg)
        .with({ type: 'create' }, (m) => create(ctx, m))
        .with({ type: 'update' }, (m) => update(ctx, m))
        .with({ type: 'addVm' }, (m) => addVm(ctx, m))
        .with({ type: 'delete' }, (m) => remove(ctx, m, deployment))
        .with({ type: 'publish' }, (m) => publish(ctx, m, deps()))
        .with({ type: 'start' }, { type: 'stop' }, { type: 'restart' }, (m) => applicationAction(ctx, m))
        .with({ type: 'vmAction' }, { type: 'vmsAction' }, (m) => vmsAction(ctx, m))
        .with({ type: 'publishUpdates' }, (m) => publishUpdates(ctx, m, deps()))
        .with({ type: 'setExpiration' }, (m) => setExpiration(ctx, m))
        .with({ type: 'calcPrice' }, (m) => price(ctx, m, deps()))
        .with({ type: 'createTask' }, (m) => createTask(ctx, m))
        .with({ type: 'listTasks' }, (m) => listTasks(ctx, m))
        .with({ type: 'getTask' }, (m) => getTask(ctx, m))
        .with({ type: 'updateTask' }, (m) => updateTask(ctx, m))
        .with({ type: 'deleteTask' }, (m) => deleteTask(ctx, m))
        .with({ type: 'saveBlueprint' }, (m) => saveBlueprint(ctx, m))
        .with({ type: 'hostStatus' }, (m) => hostStatus(ctx, m, deployment?.regions ?? []))
        .with({ type: 'hostResult' }, (m) => hostResult(ctx, m, deployment?.regions ?? []))
        .with({ type: 'hostLost' }, (m) => hostLost(ctx, m))
        .with({ type: 'roomHeld' }, (m) => roomHeld(ctx.state, m.host, m.vmKeys))
        .exhaustive();
    },
    async onReminder(ctx, reminder) {
      await match(reminder.name)
        .with(OUTBOX_REMINDER, () => forwardEvents(ctx))
        .with(HOST_COMMANDS_REMINDER, () => sendQueuedCommands(ctx, deps()))
        .with(EXPIRATION_REMINDER, async () => expire(ctx))
        .with(SETTLE_REMINDER, async () => settle(ctx))
        .with(USAGE_REMINDER, () => reportUsage(ctx))
        .when((name) => name.startsWith(TASK_REMINDER_PREFIX), async () => fireTask(ctx, reminder))
        .when((name) => name.startsWith(WITHDRAW_REMINDER_PREFIX), async () => retryWithdrawal(ctx, reminder))
        .otherwise(async () => undefined);
    },
  });
}
