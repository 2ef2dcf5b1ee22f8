import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { cleanCopy } from './clean-copy.ts';
import { CreateApplication, VmDesign } from './index.ts';
import { PrincipalSchema } from '../../actors/kinds/organization/principal-schema.ts';
import { ApplicationMsgSchema } from '../../actors/kinds/application/application-messages.ts';
import { sampleVm } from '../test-fixtures.ts';

/** cleanCopy must give what Clean of a clone gives, leave its input alone, and share no object with it. */
function sameAsClean(schema: TSchema, value: unknown): void {
  assert.ok(Value.Check(schema, value), 'the cases are values that passed the check');
  const before = Value.Clone(value);
  const mine = cleanCopy(schema, value);
  assert.deepStrictEqual(mine, Value.Clean(schema, Value.Clone(value)));
  assert.deepStrictEqual(value, before);
  if (typeof mine === 'object' && mine !== null) assert.notEqual(mine, value);
}

const user = { kind: 'user', organizationId: 1, userId: 2, roles: ['USER'], groupPermissions: [], stray: 'x' };

test('objects lose the fields their schema does not name, at every depth, and keep their key order', () => {
  sameAsClean(VmDesign, { ...sampleVm(1), extra: 1, memorySize: { unit: 'GB', value: 4, junk: true } });
  sameAsClean(CreateApplication, { name: 'a', design: { vms: [{ ...sampleVm(1), z: 0 }, sampleVm(2)], other: [] }, more: { a: 1 } });
  assert.deepEqual(Object.keys(cleanCopy(VmDesign, { ...sampleVm(1), x: 1 }) as object), Object.keys(sampleVm(1)));
});

test('a union is cleaned as its first matching variant, as Clean does', () => {
  sameAsClean(PrincipalSchema, user);
  sameAsClean(PrincipalSchema, { kind: 'operator', name: 'op', organizationId: 3 });
  sameAsClean(ApplicationMsgSchema, { type: 'get', principal: user, extra: 1 });
  sameAsClean(ApplicationMsgSchema, { type: 'create', principal: user, organizationId: 1, input: { name: 'n', design: { vms: [sampleVm(1)] }, x: 1 } });
  // Overlapping variants: the first that passes wins, and it drops what only the second names.
  const Overlap = Type.Union([Type.Object({ a: Type.Number() }), Type.Object({ a: Type.Number(), b: Type.String() })]);
  sameAsClean(Overlap, { a: 1, b: 's' });
  assert.deepEqual(cleanCopy(Overlap, { a: 1, b: 's' }), { a: 1 });
});

test('what Clean does not clean is copied whole: unknown values, records, intersections, arrays of them', () => {
  sameAsClean(Type.Object({ u: Type.Unknown(), n: Type.Optional(Type.Null()) }), { u: { deep: [{ x: 1 }] }, n: null, gone: 1 });
  sameAsClean(Type.Record(Type.String(), Type.Object({ a: Type.Number() })), { k: { a: 1, b: 2 } });
  sameAsClean(Type.Intersect([Type.Object({ a: Type.Number() }), Type.Object({ b: Type.Number() })]), { a: 1, b: 2, c: 3 });
  sameAsClean(Type.Array(Type.Object({ a: Type.Number() }, { additionalProperties: Type.String() })), [{ a: 1, s: 's' }]);
  sameAsClean(Type.Object({ big: Type.BigInt(), when: Type.Integer() }), { big: 2n ** 63n, when: 5, x: 1 });
});
