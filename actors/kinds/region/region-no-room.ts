/**
 * The region's refusal for want of room, told apart from a failed ask. Both are UNAVAILABLE on
 * the wire (clients retry either later), but an asker must not treat them alike: a refusal for
 * want of room placed nothing and holds nothing, while an ask that failed in transit (the bus
 * down, the answer lost) may have placed the VMs and reserved their room under its key. Only
 * the first lets an asker go on elsewhere (another region, the VM's own host); after the
 * second it must give up the turn, so that a retry under the same key is answered the room
 * the first try holds.
 */
import { RavelError, isRavelError } from '../../../core/errors.ts';

export function noRoom(message: string, details: Readonly<Record<string, unknown>>, cause?: unknown): RavelError {
  return new RavelError('UNAVAILABLE', message, { details: { ...details, noRoom: true }, ...(cause === undefined ? {} : { cause }) });
}

/** True for the region's own refusal for want of room (details survive the bus). */
export function isNoRoom(e: unknown): boolean {
  return isRavelError(e, 'UNAVAILABLE') && e.details?.['noRoom'] === true;
}
