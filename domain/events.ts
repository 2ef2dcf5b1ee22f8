/**
 * Appending to a tenant's event stream: each record gets the next sequence number, the time
 * and the principal who caused it. The stream's owner keeps `nextSequence`; the record type
 * and the list of names live in schemas/event.ts.
 */
import { match } from 'ts-pattern';
import { RavelError } from '../core/errors.ts';
import { eventNames, type EventName, type EventRecord, type PrincipalRef, type SubjectRef } from './schemas/event.ts';
import type { Principal } from './tenancy/principal.ts';

export { eventNames, type EventName, type EventRecord };

export interface EventStreamHead {
  readonly tenantId: number;
  /** The sequence the next record gets; starts at 1. */
  readonly nextSequence: number;
}

export function newStreamHead(tenantId: number): EventStreamHead {
  return { tenantId, nextSequence: 1 };
}

/** The reference to a principal kept in an event: who, never their secrets or grants. */
export function principalRef(p: Principal): PrincipalRef {
  return match(p)
    .with({ kind: 'user' }, (u): PrincipalRef => ({ kind: 'user', userId: u.userId }))
    .with({ kind: 'token' }, (t): PrincipalRef => ({ kind: 'token', tokenId: t.tokenId }))
    .with({ kind: 'operator' }, (o): PrincipalRef => ({ kind: 'operator', name: o.name }))
    .with({ kind: 'system' }, (): PrincipalRef => ({ kind: 'system' }))
    .exhaustive();
}

const known = new Set<string>(eventNames);

/** Makes the next record of the stream. INVALID_ARGUMENT for a name not in `eventNames`. */
export function appendEvent(
  head: EventStreamHead,
  e: { name: EventName; principal: Principal; subjects?: readonly SubjectRef[]; details?: Readonly<Record<string, unknown>> },
  now: number,
): { head: EventStreamHead; record: EventRecord } {
  if (!known.has(e.name)) throw new RavelError('INVALID_ARGUMENT', `unknown event name ${String(e.name)}`);
  const record: EventRecord = {
    sequence: head.nextSequence,
    tenantId: head.tenantId,
    time: now,
    principal: principalRef(e.principal),
    name: e.name,
    subjects: (e.subjects ?? []).map((s) => ({ ...s })),
    details: { ...e.details },
  };
  return { head: { ...head, nextSequence: head.nextSequence + 1 }, record };
}
