import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mailbox } from './mailbox.ts';

test('a mailbox hands items out in the order they came', () => {
  const box = new Mailbox<number>(10_000);
  for (let i = 0; i < 5000; i++) assert.equal(box.push(i), true);
  const out: number[] = [];
  for (let i = 0; i < 3000; i++) out.push(box.shift() ?? -1);
  for (let i = 5000; i < 8000; i++) box.push(i);
  for (let v = box.shift(); v !== undefined; v = box.shift()) out.push(v);
  assert.deepEqual(out, Array.from({ length: 8000 }, (_, i) => i));
  assert.equal(box.isEmpty, true);
});

test('a full mailbox refuses and keeps what it holds', () => {
  const box = new Mailbox<string>(2);
  assert.equal(box.push('a'), true);
  assert.equal(box.push('b'), true);
  assert.equal(box.push('c'), false);
  assert.equal(box.size, 2);
  assert.equal(box.shift(), 'a');
  assert.equal(box.push('d'), true);
  assert.deepEqual(box.drain(), ['b', 'd']);
  assert.equal(box.size, 0);
});
