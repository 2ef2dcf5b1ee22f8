import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeValue, parseJson, stringifyJson } from './big-json.ts';

/** encodeValue's answer as text (bytes when it was kept). */
const stringifyValue = (v: object): string => String(encodeValue(v));
import { scanJson } from './json-scan.ts';
import { isRavelError } from '../../core/errors.ts';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const limits = { maxDepth: 8 };

test('integers past 2^53 parse to bigint and write back digit for digit', () => {
  const text =
    '{"a":9223372036854775808,"b":18446744073709551615,"c":9007199254740993,"d":[-9223372036854775809]}';
  const v = parseJson(bytes(text), limits) as Record<string, unknown>;
  assert.equal(v['a'], 2n ** 63n);
  assert.equal(v['b'], 2n ** 64n - 1n);
  assert.equal(v['c'], 9007199254740993n);
  assert.deepEqual(v['d'], [-(2n ** 63n) - 1n]);
  assert.equal(stringifyJson(v), text);
});

test('safe integers stay numbers even on the lossless path, and floats stay doubles', () => {
  const v = parseJson(
    bytes('{"small":1234567890123456,"big":9007199254740993,"f":1.25}'),
    limits,
  ) as Record<string, unknown>;
  assert.equal(v['small'], 1234567890123456);
  assert.equal(typeof v['big'], 'bigint');
  assert.equal(v['f'], 1.25);
});

test('long digit runs inside strings do not count as numbers', () => {
  assert.equal(scanJson(bytes('{"s":"12345678901234567890"}'), 8).hasLongNumber, false);
  assert.equal(scanJson(bytes('{"s":"a\\"1234567890123456"}'), 8).hasLongNumber, false);
  assert.equal(scanJson(bytes('[123456789012345]'), 8).hasLongNumber, false);
  assert.equal(scanJson(bytes('[1234567890123456]'), 8).hasLongNumber, true);
});

test('nesting past the limit is refused before parsing, brackets in strings ignored', () => {
  assert.equal(scanJson(bytes('{"a":"[[[[[[[[[[[[[["}'), 8).depth, 1);
  const deep = '['.repeat(9) + ']'.repeat(9);
  assert.throws(
    () => parseJson(bytes(deep), limits),
    (e) => isRavelError(e, 'INVALID_ARGUMENT') && /deeper than 8/.test(e.message),
  );
  assert.deepEqual(parseJson(bytes('['.repeat(8) + ']'.repeat(8)), limits), [[[[[[[[]]]]]]]]);
});

test('malformed JSON is INVALID_ARGUMENT on both parse paths', () => {
  for (const text of ['{"a":', '{"a":1,}', '{"a":9223372036854775808,}', '']) {
    assert.throws(
      () => parseJson(bytes(text), limits),
      (e) => isRavelError(e, 'INVALID_ARGUMENT') && /not valid JSON/.test(e.message),
      text,
    );
  }
});

test('__proto__ keys stay plain data on both paths', () => {
  for (const text of ['{"__proto__":{"x":1}}', '{"__proto__":{"x":1},"n":9223372036854775808}']) {
    const v = parseJson(bytes(text), limits) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  }
});

test('an immutable value is encoded once per object, exactly as stringifyJson, big ids included', () => {
  const app = { id: 9223372036854775807n, name: 'a', design: { vms: [{ id: 2n ** 62n + 1n }] } };
  const first = stringifyValue(app);
  assert.equal(first, stringifyJson(app));
  assert.equal(first, '{"id":9223372036854775807,"name":"a","design":{"vms":[{"id":4611686018427387905}]}}');
  assert.equal(stringifyValue(app), first, 'the same object answers the same text');
  const kept = encodeValue(app);
  assert.ok(Buffer.isBuffer(kept) && kept === encodeValue(app), 'kept as its UTF-8 bytes, sent as they are');
  // A changed state is a new object (actors replace theirs): it gets its own encoding.
  const renamed = { ...app, name: 'b' };
  assert.equal(stringifyValue(renamed), stringifyJson(renamed));
  assert.notEqual(stringifyValue(renamed), first);
});

test('after a run of new objects (answers over the bus) encodings are not kept for a while, then kept again; the text is the same throughout', () => {
  const seen = { encodings: 0 };
  const counted = (name: string): object => ({ name, toJSON: () => (seen.encodings++, { name }) });
  const once = counted('once');
  assert.equal(stringifyValue(once), '{"name":"once"}');
  assert.equal(stringifyValue(once), '{"name":"once"}');
  assert.equal(seen.encodings, 1, 'kept');
  for (let i = 0; i < 300; i++) assert.equal(stringifyValue({ i }), `{"i":${i}}`);
  const resting = counted('resting');
  assert.equal(stringifyValue(resting), '{"name":"resting"}');
  assert.equal(stringifyValue(resting), '{"name":"resting"}');
  assert.equal(seen.encodings, 3, 'not kept after a run of misses');
  // Each new object now costs a place of the rest; within it they start being kept again.
  let keptAfter = -1;
  for (let i = 0; i < 5000 && keptAfter < 0; i++) {
    const before: number = seen.encodings;
    const o = counted(`o${i}`);
    assert.equal(stringifyValue(o), `{"name":"o${i}"}`);
    assert.equal(stringifyValue(o), `{"name":"o${i}"}`);
    if (seen.encodings === before + 1) keptAfter = i;
  }
  assert.ok(keptAfter > 100, `kept again after the rest, at ${keptAfter}`);
});
