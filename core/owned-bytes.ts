/**
 * Bytes that own their memory, for values kept long (caches, staged data). A Buffer's `slice()`
 * is a view, not a copy; msgpackr's `pack` answers a view of its shared output buffer; and
 * `Buffer.from` of a short value is carved from Node's 8 KiB pool: a kept view pins the whole
 * buffer under it. A 30-minute soak found each node's cache of read replies (4,096 kept) pinning
 * ~200 KiB of encoder buffer per reply, climbing toward 800 MiB a node.
 */

/** A copy of `bytes` in memory of its own. */
export function ownedCopy(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.byteLength);
  out.set(bytes);
  return out;
}

/** The UTF-8 bytes of `text` in memory of their own. */
export function ownedUtf8(text: string): Buffer {
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  out.write(text, 0, 'utf8');
  return out;
}
