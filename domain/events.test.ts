import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../core/codec.ts';
import { isRavelError } from '../core/errors.ts';
import { appendEvent, eventNames, newStreamHead, type EventName } from './events.ts';
import { EventRecord, matches } from './schemas/index.ts';

test('records get consecutive sequence numbers, the time and a principal reference without grants', () => {
  let head = newStreamHead(7);
  const principal = { kind: 'token' as const, organizationId: 7, tokenId: 3, permissions: [], expiresAt: 0 };
  const a = appendEvent(head, { name: 'APPLICATION_CREATED', principal, subjects: [{ type: 'APPLICATION', id: '5' }] }, 1000);
  head = a.head;
  const b = appendEvent(head, { name: 'VM_STATE_CHANGED', principal: { kind: 'system' }, details: { from: 'STARTING', to: 'STARTED', vmId: 2n ** 63n } }, 2000);
  assert.deepEqual([a.record.sequence, b.record.sequence, b.head.nextSequence], [1, 2, 3]);
  assert.deepEqual(a.record.principal, { kind: 'token', tokenId: 3 });
  assert.ok(matches(EventRecord, a.record));
  assert.deepEqual(decode(encode(b.record)), b.record);
});

test('event names are unique and an unknown name is refused', () => {
  assert.equal(new Set(eventNames).size, eventNames.length);
  assert.throws(() => appendEvent(newStreamHead(1), { name: 'NOPE' as EventName, principal: { kind: 'system' } }, 0), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
});
