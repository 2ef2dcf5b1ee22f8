/** The application actor's design-side handlers: create, read, edit, add a library VM (delete: application-delete.ts). */
import { RavelError } from '../../../core/errors.ts';
import { createApplication, setDesign } from '../../../domain/application/application-lifecycle.ts';
import { addVmFromImage } from '../../../domain/design/design-edit.ts';
import { randomLocalId } from '../../../domain/design/local-ids.ts';
import { applicationProperties } from '../../../domain/filter-criterion.ts';
import type { Application } from '../../../domain/schemas/index.ts';
import { authorize, authorizeOrThrow } from '../../../domain/tenancy/authorize.ts';
import type { Action, Principal } from '../../../domain/tenancy/principal.ts';
import { emptyForwardOutbox, forward, scheduleDrain, type StagedEvent } from '../../../events/event-outbox.ts';
import type { ActorContext } from '../../actor-kind.ts';
import type { ApplicationMsg } from './application-messages.ts';
import { noteUsage } from './application-usage.ts';
import { applicationIdOf, type ApplicationState } from './application-state.ts';

export type Ctx = ActorContext<ApplicationState>;
export type Msg<T extends ApplicationMsg['type']> = Extract<ApplicationMsg, { type: T }>;
export type Live = Extract<ApplicationState, { status: 'live' }>;

const notFound = (ctx: Ctx): RavelError => new RavelError('NOT_FOUND', `no application ${ctx.self.id}`);

/** The live application if `p` may do `action` on it; another tenant's or a deleted one is NOT_FOUND. */
export function visible(ctx: Ctx, p: Principal, action: Action): Live {
  const s = ctx.state;
  if (s.status !== 'live') throw notFound(ctx);
  authorizeOrThrow(p, action, { type: 'APPLICATION', organizationId: s.organizationId, id: s.app.id, properties: applicationProperties(s.app) }, ctx.clock.now());
  return s;
}

/** Commits the next state with its events queued for the organization. */
export function commit(ctx: Ctx, next: ApplicationState, p: Principal, names: readonly StagedEvent['name'][], details: Readonly<Record<string, unknown>> = {}): void {
  if (next.status === 'absent') return;
  const now = ctx.clock.now();
  const events: StagedEvent[] = names.map((name) => ({ name, principal: p, time: now, subjects: [{ type: 'APPLICATION', id: ctx.self.id }], details }));
  const committed = { ...next, outbox: forward(next.outbox, events) };
  ctx.setState(committed);
  scheduleDrain(ctx.reminders, now);
  if (committed.status === 'live') noteUsage(ctx, committed, now);
}

/** The API's shape: the whole application, or its design aspect only. */
export function applicationView(app: Application, aspect: 'whole' | 'design'): Application {
  if (aspect === 'whole') return app; // every read: no pattern chain built for it
  const { deployment: _d, ...rest } = app;
  return rest;
}

export function create(ctx: Ctx, m: Msg<'create'>): Application {
  if (ctx.state.status !== 'absent') throw new RavelError('ALREADY_EXISTS', `application ${ctx.self.id} exists`);
  authorizeOrThrow(m.principal, 'CREATE', { type: 'APPLICATION', organizationId: m.organizationId }, ctx.clock.now());
  const input = { name: m.input.name, ...(m.input.description === undefined ? {} : { description: m.input.description }), ...(m.input.design === undefined ? {} : { design: m.input.design }) };
  const app = createApplication(applicationIdOf(ctx.self.id), input, ctx.clock.now());
  commit(ctx, { status: 'live', organizationId: m.organizationId, app, runtime: null, outbox: emptyForwardOutbox }, m.principal, ['APPLICATION_CREATED'], { name: app.name });
  return app;
}

export function get(ctx: Ctx, m: Msg<'get'>): Application {
  return visible(ctx, m.principal, 'READ').app;
}

export function peek(ctx: Ctx, m: Msg<'peek'>): Application | null {
  const s = ctx.state;
  if (s.status !== 'live') return null;
  const d = authorize(m.principal, 'READ', { type: 'APPLICATION', organizationId: s.organizationId, id: s.app.id, properties: applicationProperties(s.app) }, ctx.clock.now());
  return d.allowed ? s.app : null;
}

export function update(ctx: Ctx, m: Msg<'update'>): Application {
  const s = visible(ctx, m.principal, 'UPDATE');
  const { design, ...names } = m.patch;
  let app: Application = { ...s.app, ...names };
  if (design !== undefined) app = setDesign(app, design);
  commit(ctx, { ...s, app }, m.principal, ['APPLICATION_UPDATED']);
  return app;
}

export function addVm(ctx: Ctx, m: Msg<'addVm'>): Application {
  const s = visible(ctx, m.principal, 'UPDATE');
  const r = addVmFromImage(s.app.design, m.image, randomLocalId, m.name === undefined ? {} : { name: m.name });
  const app = setDesign(s.app, r.design);
  commit(ctx, { ...s, app }, m.principal, ['VM_ADDED'], { vmId: String(r.vm.id), baseVmId: m.image.id });
  return app;
}
