/**
 * The last reply of each actor's read-only asks, kept as its bytes and its decoded value: a
 * reply whose bytes equal the last one's is answered with the same value, not decoded again.
 * A read of an unchanged object (the REST read of an application, over the bus) then costs a
 * byte comparison, and the gateway's JSON text cached per object (encodeValue) is reused
 * too. Equal bytes mean an equal value, so this is exact, whatever the key; the key only says
 * which reply to compare with. Values are shared between callers as an actor's state object is
 * in embedded mode: read-only replies are never changed in place.
 */
import { decodeReply } from './envelope.ts';
import { ownedCopy } from '../../core/owned-bytes.ts';

/** Actors whose last reply is kept; the oldest entry goes first past this. */
const MAX_ENTRIES = 4096;

interface Entry {
  readonly bytes: Buffer;
  readonly value: unknown;
}

export class ReadReplies {
  private readonly last = new Map<string, Entry>();

  /** The reply's value (an error reply throws, as decodeReply does, and is not kept). */
  decode(key: string, data: Uint8Array): unknown {
    const hit = this.last.get(key);
    if (hit !== undefined && hit.bytes.equals(data)) return hit.value;
    const value = decodeReply(data);
    if (hit === undefined && this.last.size >= MAX_ENTRIES) {
      const oldest = this.last.keys().next();
      if (oldest.done !== true) this.last.delete(oldest.value);
    }
    // A copy of its own: the client may reuse the buffer the reply arrived in.
    this.last.set(key, { bytes: ownedCopy(data), value });
    return value;
  }

  get size(): number {
    return this.last.size;
  }
}
