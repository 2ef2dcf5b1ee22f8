/** Reading fixed-layout headers out of untrusted bytes: every read is bounds-checked. */
import { decodeFailed } from './decode-error.ts';

export class ByteView {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  private check(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      throw decodeFailed('truncated', `${this.what}: field at ${offset} lies past its ${this.bytes.length} bytes`);
    }
  }

  u8(o: number): number {
    this.check(o, 1);
    return this.view.getUint8(o);
  }
  u16be(o: number): number {
    this.check(o, 2);
    return this.view.getUint16(o, false);
  }
  u16le(o: number): number {
    this.check(o, 2);
    return this.view.getUint16(o, true);
  }
  u32be(o: number): number {
    this.check(o, 4);
    return this.view.getUint32(o, false);
  }
  u32le(o: number): number {
    this.check(o, 4);
    return this.view.getUint32(o, true);
  }
  /** A 64-bit field as a number; values past 2^53 are refused rather than rounded. */
  u64be(o: number): number {
    this.check(o, 8);
    return safe(this.view.getBigUint64(o, false), this.what, o);
  }
  u64le(o: number): number {
    this.check(o, 8);
    return safe(this.view.getBigUint64(o, true), this.what, o);
  }
  /** The raw 64-bit value, for fields whose high bits are flags. */
  big64be(o: number): bigint {
    this.check(o, 8);
    return this.view.getBigUint64(o, false);
  }
  big64le(o: number): bigint {
    this.check(o, 8);
    return this.view.getBigUint64(o, true);
  }
  ascii(o: number, n: number): string {
    this.check(o, n);
    return String.fromCharCode(...this.bytes.subarray(o, o + n));
  }
}

function safe(v: bigint, what: string, o: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw decodeFailed('out-of-range', `${what}: 64-bit field at ${o} is too large (${v})`);
  }
  return Number(v);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export function startsWith(b: Uint8Array, magic: string, at = 0): boolean {
  if (b.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (b[at + i] !== magic.charCodeAt(i)) return false;
  return true;
}
