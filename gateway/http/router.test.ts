import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { defineRoute, empty, type HttpMethod } from './route.ts';
import { Router } from './router.ts';

const route = (method: HttpMethod, path: string) =>
  defineRoute({
    method,
    path,
    auth: 'none',
    schema: { params: Type.Object({}, { additionalProperties: true }) },
    handler: async () => empty(),
  });

const router = new Router(
  [
    route('GET', '/applications'),
    route('POST', '/applications/filter'),
    route('GET', '/applications/{id}'),
    route('PUT', '/applications/{id}'),
    route('GET', '/applications/{id};{aspect}'),
    route('GET', '/applications/{id};design/vms'),
    route('GET', '/applications/{id}/vms/{vm}/fqdn;deployment'),
    route('POST', '/applications/{id}/vms/{vm}/{action}'),
    route('POST', '/applications/{id}/calcPrice;design'),
  ],
  [],
);

function found(method: string, path: string): [string, Record<string, string>] | string {
  const m = router.match(method, path);
  return m.kind === 'found'
    ? [m.route.spec.path, m.params]
    : m.kind === 'wrong-method'
      ? `405 ${m.allow.join(',')}`
      : '404';
}

test('literal segments win over params of the same shape', () => {
  assert.deepEqual(found('POST', '/applications/filter'), ['/applications/filter', {}]);
  assert.equal(found('GET', '/applications/filter'), '405 POST');
  assert.deepEqual(found('GET', '/applications/12'), ['/applications/{id}', { id: '12' }]);
});

test(';aspect suffixes: literal aspects, aspect params, and a plain segment never takes a ;', () => {
  assert.deepEqual(found('GET', '/applications/12;design/vms'), [
    '/applications/{id};design/vms',
    { id: '12' },
  ]);
  assert.deepEqual(found('GET', '/applications/12;deployment'), [
    '/applications/{id};{aspect}',
    { id: '12', aspect: 'deployment' },
  ]);
  assert.deepEqual(found('GET', '/applications/1/vms/9223372036854775808/fqdn;deployment'), [
    '/applications/{id}/vms/{vm}/fqdn;deployment',
    { id: '1', vm: '9223372036854775808' },
  ]);
  assert.equal(found('GET', '/applications/12;deployment/vms'), '404');
  assert.equal(found('GET', '/applications/1/vms/2/fqdn;design'), '404');
  assert.equal(
    found('GET', '/applications/1/vms/2/fqdn'),
    '405 POST',
    'the {action} route has this shape',
  );
  assert.deepEqual(found('POST', '/applications/1/calcPrice;design'), [
    '/applications/{id}/calcPrice;design',
    { id: '1' },
  ]);
});

test('params are percent-decoded, empty segments do not match, a trailing slash is ignored', () => {
  assert.deepEqual(found('POST', '/applications/1/vms/2/re%73tart'), [
    '/applications/{id}/vms/{vm}/{action}',
    { id: '1', vm: '2', action: 'restart' },
  ]);
  assert.equal(found('GET', '/applications//'), '404');
  assert.deepEqual(found('GET', '/applications/'), ['/applications', {}]);
  assert.equal(found('DELETE', '/applications/3'), '405 GET,PUT');
});

test('two routes of one method and shape are refused when the table is built', () => {
  assert.throws(
    () => new Router([route('GET', '/a/{x}'), route('GET', '/a/{y}')], []),
    /two routes for GET \/a\/\{y\}/,
  );
});

test('a path matched again answers as the first time, its params frozen, and the memo stays right past its bound', () => {
  const first = router.match('GET', '/applications/12;deployment');
  const again = router.match('GET', '/applications/12;deployment');
  assert.equal(again, first, 'the same found route');
  assert.ok(first.kind === 'found' && Object.isFrozen(first.params));
  assert.equal(found('PUT', '/applications/12;deployment'), '405 GET', 'another method is matched on its own');
  for (let i = 0; i < 10_000; i++) assert.deepEqual(found('GET', `/applications/${i}`), ['/applications/{id}', { id: String(i) }]);
  assert.deepEqual(found('GET', '/applications/12;deployment'), ['/applications/{id};{aspect}', { id: '12', aspect: 'deployment' }]);
  assert.equal(found('GET', '/applications/12;deployment/vms'), '404');
  const long = `/applications/${'9'.repeat(300)}`;
  assert.notEqual(router.match('GET', long), router.match('GET', long), 'a long path is not kept');
  assert.deepEqual(found('GET', long), ['/applications/{id}', { id: '9'.repeat(300) }]);
});
