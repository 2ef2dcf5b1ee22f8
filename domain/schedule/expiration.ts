/**
 * Expiration: `setExpiration {expirationFromNowSeconds}` turns into the time the application
 * stops by itself (`nextStopTime`, ms), or none for -1. The actor sets a durable reminder for it.
 */
import { RavelError } from '../../core/errors.ts';
import { MAX_EXPIRATION_SECONDS } from '../schemas/application.ts';

/** The stop time for a request made at `now`, or undefined for never (-1). */
export function expirationTime(now: number, expirationFromNowSeconds: number): number | undefined {
  if (expirationFromNowSeconds === -1) return undefined;
  if (!Number.isInteger(expirationFromNowSeconds) || expirationFromNowSeconds < 0 || expirationFromNowSeconds > MAX_EXPIRATION_SECONDS) {
    throw new RavelError('INVALID_ARGUMENT', `expirationFromNowSeconds: -1, or 0 to ${MAX_EXPIRATION_SECONDS}`, {
      details: { field: 'expirationFromNowSeconds' },
    });
  }
  return now + expirationFromNowSeconds * 1000;
}

/** True once the stop time has come (a reminder firing late still counts). */
export function isExpired(nextStopTime: number | undefined, now: number): boolean {
  return nextStopTime !== undefined && now >= nextStopTime;
}
