import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { ServerId, parseInput, taggedParser } from './index.ts';

const Who = Type.Union([Type.Object({ kind: Type.Literal('user'), userId: ServerId }), Type.Object({ kind: Type.Literal('system') })]);
const Msgs = Type.Union([
  Type.Union([Type.Object({ type: Type.Literal('get'), who: Who }), Type.Object({ type: Type.Literal('rename'), who: Who, name: Type.String({ maxLength: 8 }) })]),
  Type.Object({ type: Type.Literal('delete'), who: Who, force: Type.Optional(Type.Boolean()) }),
]);

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return { e, message: (e as Error).message, details: (e as { details?: unknown }).details };
  }
  assert.fail('expected a refusal');
}

test('a tagged union parses like parseInput: its own variant, unknown fields dropped, the input left alone', () => {
  const parse = taggedParser(Msgs);
  const input = { type: 'rename', who: { kind: 'user', userId: 7, extra: 1 }, name: 'n', stray: true };
  const parsed = parse(input);
  assert.deepEqual(parsed, { type: 'rename', who: { kind: 'user', userId: 7 }, name: 'n' });
  assert.deepEqual(parsed, parseInput(Msgs, input));
  assert.equal(input.stray, true);
  assert.equal(input.who.extra, 1);
  assert.deepEqual(parse({ type: 'delete', who: { kind: 'system' } }), { type: 'delete', who: { kind: 'system' } });
});

test('a tagged union refuses what parseInput refuses, with the same error', () => {
  const parse = taggedParser(Msgs);
  for (const bad of [
    { type: 'rename', who: { kind: 'user', userId: 7 }, name: 'far too long a name' },
    { type: 'get', who: { kind: 'user', userId: -1 } },
    { type: 'nope', who: { kind: 'system' } },
    { who: { kind: 'system' } },
    { type: 3 },
    [{ type: 'get' }],
    null,
    'get',
  ]) {
    const mine = errorOf(() => parse(bad, 'msg'));
    const theirs = errorOf(() => parseInput(Msgs, bad, 'msg'));
    assert.deepEqual({ ...(mine as object), e: undefined }, { ...(theirs as object), e: undefined }, JSON.stringify(bad));
  }
});

test('a union whose variants share a tag, or lack one, is parsed by parseInput as it stands', () => {
  const Shared = Type.Union([Type.Object({ type: Type.Literal('a'), x: Type.Number() }), Type.Object({ type: Type.Literal('a'), y: Type.String() })]);
  assert.deepEqual(taggedParser(Shared)({ type: 'a', y: 's', z: 1 }), parseInput(Shared, { type: 'a', y: 's', z: 1 }));
  const Untagged = Type.Union([Type.Object({ x: Type.Number() }), Type.Object({ type: Type.Optional(Type.Literal('b')) })]);
  assert.deepEqual(taggedParser(Untagged)({ x: 1, w: 2 }), { x: 1 });
  assert.throws(() => taggedParser(Untagged)({ x: 'no', type: 'c' }));
});
