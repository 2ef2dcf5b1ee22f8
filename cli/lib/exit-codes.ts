/**
 * The `ravel` command's exit codes, stable for scripts and CI jobs, and the errors that carry
 * them. Anything else that fails (the server refused, a network error) exits 1.
 */
import { RavelError, isRavelError } from '../../core/errors.ts';

export const EXIT = {
  ok: 0,
  failed: 1,
  /** Wrong arguments: the usage line was printed. */
  usage: 2,
  /** No session for the server, or it expired: run `ravel login` again. */
  loginNeeded: 3,
  /** `ravel app wait` ran out of time before every VM reached the state. */
  waitTimedOut: 4,
  /** `ravel app wait` saw a VM in ERROR (and ERROR was not what it waited for). */
  vmError: 5,
} as const;

/** A mistake in the command line; exits 2. */
export function usageError(message: string): RavelError {
  return new RavelError('INVALID_ARGUMENT', message, { details: { usage: true } });
}

export function exitCodeOf(e: unknown): number {
  // node:util parseArgs: an unknown option or a missing value.
  const nodeCode = (e as { code?: unknown } | undefined)?.code;
  if (typeof nodeCode === 'string' && nodeCode.startsWith('ERR_PARSE_ARGS')) return EXIT.usage;
  if (!isRavelError(e)) return EXIT.failed;
  if (e.details?.['usage'] === true) return EXIT.usage;
  if (typeof e.details?.['exitCode'] === 'number') return e.details['exitCode'];
  if (e.code === 'UNAUTHENTICATED') return EXIT.loginNeeded;
  return EXIT.failed;
}
