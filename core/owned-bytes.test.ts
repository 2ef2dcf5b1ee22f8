import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from './codec.ts';
import { ownedCopy, ownedUtf8 } from './owned-bytes.ts';

test('ownedCopy keeps only its own bytes, not the buffer a view was cut from', () => {
  const big = Buffer.alloc(256 * 1024, 1);
  const view = big.subarray(1000, 1100);
  const kept = ownedCopy(view);
  assert.equal(kept.buffer.byteLength, 100, 'a buffer of its own, of its own size');
  assert.deepEqual([...kept], [...view]);
  big.fill(2);
  assert.equal(kept[0], 1, 'the source changing does not change the copy');
  // What the encoder answers is such a view (the case the soak found).
  const packed = encode({ a: 'x'.repeat(100) });
  assert.ok(packed.buffer.byteLength > packed.byteLength, 'the encoder answers a view of a larger buffer');
  assert.equal(ownedCopy(packed).buffer.byteLength, packed.byteLength);
});

test('ownedUtf8 is the UTF-8 of the text in a buffer of its own (not a slab of the shared pool)', () => {
  const text = `{"name":"é✓${'x'.repeat(1000)}"}`;
  const b = ownedUtf8(text);
  assert.equal(b.toString('utf8'), text);
  assert.equal(b.buffer.byteLength, Buffer.byteLength(text));
  assert.ok(Buffer.from(text).buffer.byteLength > Buffer.byteLength(text), 'Buffer.from of a short text is carved from the pool');
});
