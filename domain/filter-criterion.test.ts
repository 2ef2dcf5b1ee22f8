import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterApplications, matchesFilter } from './filter-criterion.ts';
import type { Application } from './schemas/application.ts';

const app = (id: number, name: string, published: boolean): Application => ({ id, name, published, design: { vms: [] } });
const apps = [app(1, 'web-prod', true), app(2, 'web-test', false), app(3, 'db', true)];

test('And/Or over simple criteria, as the reference client sends them', () => {
  const both = filterApplications(apps, {
    type: 'COMPLEX',
    operator: 'And',
    criteria: [
      { type: 'SIMPLE', operator: 'Contains', propertyName: 'name', operand: 'WEB' },
      { type: 'SIMPLE', operator: 'Equals', propertyName: 'published', operand: true },
    ],
  });
  assert.deepEqual(both.map((a) => a.id), [1]);
  const either = filterApplications(apps, {
    type: 'COMPLEX',
    operator: 'Or',
    criteria: [
      { type: 'SIMPLE', operator: 'Equals', propertyName: 'name', operand: 'db' },
      { type: 'SIMPLE', operator: 'LessThan', propertyName: 'id', operand: 2 },
    ],
  });
  assert.deepEqual(either.map((a) => a.id), [1, 3]);
});

test('a missing property never matches; bigint and number compare by value', () => {
  assert.equal(matchesFilter({ type: 'SIMPLE', operator: 'NotEquals', propertyName: 'nope', operand: 1 }, {}), false);
  assert.equal(matchesFilter({ type: 'SIMPLE', operator: 'Equals', propertyName: 'id', operand: 5n }, { id: 5 }), true);
  assert.equal(matchesFilter({ type: 'SIMPLE', operator: 'GreaterThan', propertyName: 'id', operand: 'x' }, { id: 5 }), false);
});
