/**
 * The client's address as the per-address rate limit keys it, from uWS's binary form.
 *
 * Every request is limited by address, so this is on every request. uWS's text form
 * (`getRemoteAddressAsText`) formats it natively and the text then has to be copied out of an
 * ArrayBuffer: about 2 µs a request here, a tenth of an embedded REST read. The binary form
 * plus the formatting below is half that (both ask the kernel, getpeername, once).
 *
 * An IPv4 client is its dotted address whether the listener is IPv4 or dual-stack (uWS gives
 * the latter as an IPv4-mapped IPv6 address): one client, one bucket. Any other IPv6 address is
 * written as uWS writes it, eight groups of four hex digits.
 */
import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';

export function clientAddress(res: Pick<HttpResponse, 'getRemoteAddress'>): string {
  return formatAddress(new Uint8Array(res.getRemoteAddress()));
}

export function formatAddress(b: Uint8Array): string {
  if (b.length === 4) return dotted(b, 0);
  if (b.length !== 16) return ''; // not an IP socket: uWS gives nothing
  if (isV4Mapped(b)) return dotted(b, 12);
  let text = '';
  for (let i = 0; i < 16; i += 2) {
    const group = ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
    text += (i === 0 ? '' : ':') + group.toString(16).padStart(4, '0');
  }
  return text;
}

function dotted(b: Uint8Array, at: number): string {
  return `${b[at] ?? 0}.${b[at + 1] ?? 0}.${b[at + 2] ?? 0}.${b[at + 3] ?? 0}`;
}

/** `::ffff:a.b.c.d`: ten zero bytes, then two of 0xff. */
function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
