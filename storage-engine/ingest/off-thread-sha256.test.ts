import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OffThreadSha256 } from './off-thread-sha256.ts';
import { isRavelError } from '../../core/errors.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('the off-thread SHA-256 equals node:crypto over writes of any size, zeros, and a digest with a trailer', async () => {
  const h = new OffThreadSha256();
  const want = createHash('sha256');
  // Sizes from a byte to past the ring (4 MiB), so writes wrap and overflow.
  for (const n of [1, 511, 65536, 1 << 20, 3 << 20, 9 << 20, 777]) {
    const b = randomBytes(n);
    h.update(b);
    want.update(b);
    b.fill(0xee); // the hash took its copy: the caller may reuse the buffer at once
    h.updateZeros(n * 3);
    want.update(Buffer.alloc(n * 3));
    await h.ready();
  }
  assert.equal(await h.digestWith(Buffer.from('trailer')), want.copy().update('trailer').digest('hex'));
  h.update(Buffer.from('more'));
  want.update('more');
  assert.equal(await h.digestHex(), want.digest('hex'));
});

test('a digest awaited with nothing else holding the hash still arrives through garbage collections', async () => {
  const expected = createHash('sha256');
  const digest = (() => {
    const h = new OffThreadSha256();
    for (let i = 0; i < 16; i++) {
      const b = randomBytes(1 << 20);
      h.update(b);
      expected.update(b);
    }
    return h.digestHex();
  })();
  const collecting = setInterval(gc, 1);
  try {
    assert.equal(await digest, expected.digest('hex'));
  } finally {
    clearInterval(collecting);
  }
});

test('a closed hash refuses more and gives its ring to the next hash, which hashes right', async () => {
  const a = new OffThreadSha256();
  a.update(randomBytes(6 << 20));
  a.close();
  assert.throws(() => a.update(new Uint8Array(1)), (e) => isRavelError(e, 'ILLEGAL_STATE'));
  const b = new OffThreadSha256();
  const data = randomBytes(5 << 20);
  b.update(data);
  assert.equal(await b.digestHex(), createHash('sha256').update(data).digest('hex'));
});
