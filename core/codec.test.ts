import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from './codec.ts';
import { isRavelError } from './errors.ts';

test('integers up to 2^64-1 round-trip exactly', () => {
  const v = { small: 7, safe: 2 ** 53 - 1, big: 2n ** 63n, max: 2n ** 64n - 1n, neg: -(2n ** 63n) };
  assert.deepEqual(decode(encode(v)), v);
});

test('a bigint beyond 64 bits is refused, not turned into a float', () => {
  assert.throws(() => encode({ x: 2n ** 64n }), (e) => isRavelError(e, 'INVALID_ARGUMENT'));
});

test('truncated or trailing bytes are a DECODE_FAILED error', () => {
  for (const bad of [[0x92, 0x01], [0xa5, 0x61], [], [0x01, 0x02]]) {
    assert.throws(() => decode(new Uint8Array(bad)), (e) => isRavelError(e, 'DECODE_FAILED'), JSON.stringify(bad));
  }
});

test('an object of more than 65,535 keys round-trips (a record keyed by application may hold 100,000)', () => {
  const big: Record<string, number> = {};
  for (let i = 0; i < 70_000; i++) big[`app-${i}`] = i;
  const back = decode(encode({ usage: big })) as { usage: Record<string, number> };
  assert.equal(Object.keys(back.usage).length, 70_000);
  assert.equal(back.usage['app-69999'], 69_999);
});
