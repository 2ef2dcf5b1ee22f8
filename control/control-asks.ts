/**
 * How the control plane reaches actors: the organization of the principal, an application by id,
 * with ids checked before they become actor refs and request ids turned into idempotency keys.
 */
import { RavelError, toRavelError } from '../core/errors.ts';
import type { ActorMessage, ActorSender, AskOptions } from '../actors/actor-kind.ts';
import { organizationRef } from '../actors/kinds/organization/organization-kind.ts';
import { applicationRef } from '../actors/kinds/application/application-kind.ts';
import type { Principal } from '../domain/tenancy/principal.ts';
import type { RequestOptions } from './control-plane.ts';

/** A server id from a caller: a safe non-negative integer, else INVALID_ARGUMENT naming the field. */
export function checkId(id: unknown, field: string): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new RavelError('INVALID_ARGUMENT', `${field}: an id is an integer from 0 to 2^53-1`, { details: { field } });
  }
  return id;
}

/** The organization a principal acts in; operators name one explicitly on the calls that need it. */
export function tenantOf(p: Principal): number {
  if (p.kind === 'user' || p.kind === 'token') return p.organizationId;
  throw new RavelError('PERMISSION_DENIED', 'this call acts in the caller’s organization: operators use the operator calls');
}

export function keyed(o: RequestOptions | undefined, scope: string): AskOptions {
  const id = o?.requestId;
  if (id === undefined) return {};
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new RavelError('INVALID_ARGUMENT', 'requestId: 1 to 128 characters', { details: { field: 'requestId' } });
  }
  return { idempotencyKey: `${scope}:${id}` };
}

/** A message as the control plane builds it: a type and plain fields. */
type Msg = ActorMessage & Readonly<Record<string, unknown>>;

export class ActorAsks {
  constructor(private readonly actors: ActorSender) {}

  /** Asks the principal's organization. */
  async org<R>(p: Principal, msg: Msg, options: AskOptions = {}): Promise<R> {
    return this.orgById<R>(tenantOf(p), { ...msg, principal: p }, options);
  }

  async orgById<R>(organizationId: number, msg: Msg, options: AskOptions = {}): Promise<R> {
    return this.actors.ask<R, Msg>(organizationRef(checkId(organizationId, 'organizationId')), msg, options);
  }

  /** Not async, being on every application call: whatever it throws is still a rejected promise. */
  app<R>(p: Principal, applicationId: number, msg: Msg, options: AskOptions = {}): Promise<R> {
    try {
      return this.actors.ask<R, Msg>(applicationRef(checkId(applicationId, 'applicationId')), { ...msg, principal: p }, options);
    } catch (e) {
      return Promise.reject(toRavelError(e));
    }
  }

  /**
   * A read of an application answered without waiting, or undefined when the actor cannot
   * answer here and now (see ActorSender.readNow): the caller then asks. A refusal is thrown.
   */
  appNow<R>(p: Principal, applicationId: number, msg: Msg): R | undefined {
    const r = this.actors.readNow?.<R, Msg>(applicationRef(checkId(applicationId, 'applicationId')), { ...msg, principal: p });
    if (r === undefined) return undefined;
    if (!r.ok) throw toRavelError(r.error);
    return r.value;
  }

  async raw<R>(ref: { kind: string; id: string }, msg: Msg, options: AskOptions = {}): Promise<R> {
    return this.actors.ask<R, Msg>(ref, msg, options);
  }
}
