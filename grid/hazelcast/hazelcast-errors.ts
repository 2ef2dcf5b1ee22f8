/** The one place where hazelcast-client's errors become RavelErrors. */
import {
  ClientNotActiveError,
  ClientOfflineError,
  HazelcastInstanceNotActiveError,
  IllegalStateError,
  IndeterminateOperationStateError,
  IOError,
  MemberLeftError,
  OperationTimeoutError,
  TargetDisconnectedError,
  TargetNotMemberError,
} from 'hazelcast-client';
import { RavelError } from '../../core/errors.ts';

const unavailable = [
  ClientNotActiveError,
  ClientOfflineError,
  HazelcastInstanceNotActiveError,
  IllegalStateError,
  IndeterminateOperationStateError,
  IOError,
  MemberLeftError,
  OperationTimeoutError,
  TargetDisconnectedError,
  TargetNotMemberError,
];

/**
 * Connection loss, timeouts and a shut-down client are UNAVAILABLE (the caller may retry
 * elsewhere, and a write may or may not have happened); anything else is INTERNAL.
 */
export function fromHazelcast(e: unknown, what: string): RavelError {
  if (e instanceof RavelError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = unavailable.some((c) => e instanceof c) ? 'UNAVAILABLE' : 'INTERNAL';
  return new RavelError(code, `${what}: ${message}`, { cause: e });
}

/** Runs one grid call, translating what hazelcast-client throws. */
export async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw fromHazelcast(e, what);
  }
}
