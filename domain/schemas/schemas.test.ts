import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../core/errors.ts';
import { decode, encode } from '../../core/codec.ts';
import { Application, CreateApplication, MAX_LOCAL_ID, PublishRequest, SetExpiration, VmDesign, idFromKey, idKey, matches, parseInput } from './index.ts';
import { sampleVm } from '../test-fixtures.ts';

function refusedAt(fn: () => unknown, field: string): void {
  assert.throws(fn, (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT') && e.details?.['field'] === field);
}

test('a design VM with ids up to 2^63 as bigint is accepted and round-trips through the codec', () => {
  const vm = sampleVm(1, { id: MAX_LOCAL_ID });
  const parsed = parseInput(VmDesign, vm);
  assert.equal(parsed.id, MAX_LOCAL_ID);
  assert.deepEqual(decode(encode(parsed)), parsed);
});

test('ids beyond 2^63, negative ids and fractional ids are refused with the field path', () => {
  refusedAt(() => parseInput(VmDesign, sampleVm(1, { id: MAX_LOCAL_ID + 1n }), 'body'), 'body/id');
  refusedAt(() => parseInput(VmDesign, sampleVm(1, { id: -1 })), '/id');
  refusedAt(() => parseInput(VmDesign, sampleVm(1, { id: 1.5 })), '/id');
});

test('oversized names and wrong types are refused', () => {
  refusedAt(() => parseInput(VmDesign, sampleVm(1, { name: 'x'.repeat(256) })), '/name');
  refusedAt(() => parseInput(VmDesign, { ...sampleVm(1), numCpus: '2' }), '/numCpus');
  refusedAt(() => parseInput(VmDesign, { ...sampleVm(1), memorySize: { unit: 'TB', value: 1 } }), '/memorySize/unit');
});

test('unknown fields are accepted and dropped, at any depth', () => {
  const input = { ...sampleVm(1), href: '/applications/1/vms/100', state: 'STARTED' };
  const disk = { ...sampleVm(1).hardDrives[0]!, junk: 1 };
  const parsed = parseInput(VmDesign, { ...input, hardDrives: [disk] });
  assert.equal('href' in parsed, false);
  assert.equal('state' in parsed, false);
  assert.equal('junk' in (parsed.hardDrives[0] ?? {}), false);
  assert.equal('href' in input, true, 'the caller’s value is not mutated');
});

test('create application takes a design or a blueprint id', () => {
  assert.ok(matches(CreateApplication, { name: 'a', design: { vms: [sampleVm(1)] } }));
  assert.ok(matches(CreateApplication, { name: 'a', baseBlueprintId: 3 }));
  refusedAt(() => parseInput(CreateApplication, { name: '' }), '/name');
});

test('publish and expiration bodies are bounded', () => {
  assert.ok(matches(PublishRequest, {}));
  assert.equal(matches(PublishRequest, { optimizationLevel: 'CHEAP' }), false);
  assert.ok(matches(SetExpiration, { expirationFromNowSeconds: -1 }));
  assert.equal(matches(SetExpiration, { expirationFromNowSeconds: -2 }), false);
});

test('an application with a deployment matches the Application schema', () => {
  const app = {
    id: 1,
    name: 'a',
    published: true,
    design: { vms: [sampleVm(1)] },
    deployment: { vms: [{ ...sampleVm(1), state: 'STARTED' }], regionName: 'r', optimizationLevel: 'COST_OPTIMIZED', totalActiveVms: 1 },
  };
  assert.ok(matches(Application, app));
  assert.equal(matches(Application, { ...app, deployment: { ...app.deployment, vms: [{ ...sampleVm(1), state: 'RUNNING' }] } }), false);
});

test('idKey makes 5 and 5n the same key and idFromKey gives numbers when safe', () => {
  assert.equal(idKey(5), idKey(5n));
  assert.equal(idFromKey('5'), 5);
  assert.equal(idFromKey((2n ** 63n).toString()), 2n ** 63n);
});
