/** CPU-bound baselines: SHA-256 and msgpackr on a typical actor message. */
import { createHash, randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';

export function measureSha256MBps(totalBytes: number): number {
  const chunk = randomBytes(1024 * 1024);
  const rounds = Math.max(1, Math.floor(totalBytes / chunk.length));
  const start = process.hrtime.bigint();
  const h = createHash('sha256');
  for (let i = 0; i < rounds; i++) h.update(chunk);
  h.digest();
  return (rounds * chunk.length) / 1e6 / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** A message as the actor runtime sends it: an envelope with ids, a type and a small body. */
export function typicalActorMessage(): Record<string, unknown> {
  return {
    v: 1,
    to: { kind: 'application', id: '7340032' },
    from: 'node-a/17',
    seq: 123456,
    idem: 'c0ffee00-1234-4bcd-8def-001122334455',
    msg: { type: 'startVms', vmIds: [9223372036854775807n, 12n, 13n], principal: { org: 42, user: 7 } },
  };
}

export function measureMsgpackr(iterations: number): { encodePerSec: number; decodePerSec: number; bytes: number } {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true });
  const msg = typicalActorMessage();
  const bytes = packr.pack(msg);
  let start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) packr.pack(msg);
  const enc = iterations / (Number(process.hrtime.bigint() - start) / 1e9);
  start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) packr.unpack(bytes);
  const dec = iterations / (Number(process.hrtime.bigint() - start) / 1e9);
  return { encodePerSec: enc, decodePerSec: dec, bytes: bytes.length };
}
