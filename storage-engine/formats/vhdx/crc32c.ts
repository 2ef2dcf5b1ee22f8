/** CRC-32C (Castagnoli), as VHDX checksums its headers and region tables. */
const table = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** The checksum of `b` with the four bytes at `zeroAt` taken as zero. */
export function crc32c(b: Uint8Array, zeroAt = -1): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) {
    const byte = zeroAt >= 0 && i >= zeroAt && i < zeroAt + 4 ? 0 : (b[i] ?? 0);
    c = (table[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
