import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileConfig } from './load.ts';
import { isRavelError } from '../core/errors.ts';
import projectConfig from '../cluster.config.ts';

test('the project cluster.config.ts compiles with an empty environment', () => {
  const c = compileConfig(projectConfig, {});
  assert.equal(c.mode, 'embedded');
  assert.deepEqual(c.roles, ['gateway', 'actors', 'storage']);
});

test('environment variables override the file, typed by their path', () => {
  const c = compileConfig(
    { gateway: { port: 1 } },
    { RAVEL_MODE: 'cluster', RAVEL_GATEWAY_PORT: '9443', RAVEL_NATS_SERVERS: 'nats://a:1, nats://b:2' },
  );
  assert.equal(c.mode, 'cluster');
  assert.equal(c.gateway.port, 9443);
  assert.deepEqual(c.nats.servers, ['nats://a:1', 'nats://b:2']);
  assert.equal(c.gateway.host, '127.0.0.1', 'values not overridden keep their defaults');
});

const invalid = (path: string) => (e: unknown) =>
  isRavelError(e, 'CONFIG_INVALID') && (e).details?.['path'] === path;

test('a wrong value stops compilation with its path', () => {
  assert.throws(() => compileConfig({}, { RAVEL_GATEWAY_PORT: 'eighty' }), invalid('gateway.port'));
  assert.throws(() => compileConfig({ gateway: { port: 70000 } }, {}), invalid('gateway.port'));
  assert.throws(() => compileConfig({}, { RAVEL_MODE: 'cloud' }), invalid('mode'));
  assert.throws(() => compileConfig({ hazelcast: { members: ['no-port'] } }, {}), invalid('hazelcast.members.0'));
});

test('an unknown key is refused rather than ignored', () => {
  const bad = JSON.parse('{"gateway":{"prot":80}}') as object;
  assert.throws(() => compileConfig(bad, {}), (e) => isRavelError(e, 'CONFIG_INVALID'));
});

test('the compiled configuration is frozen', () => {
  const c = compileConfig({}, {});
  assert.ok(Object.isFrozen(c));
});

test('regions come from the configuration: prices, host size, host limit and public range, checked with their path', () => {
  const region = { name: 'lab-1', pricePerCpuHour: 0.01, pricePerGbHour: 0.002, hostSize: { cpus: 16, memoryMb: 65536 }, maxHosts: 3, publicCidr: '192.0.2.0/24' };
  const c = compileConfig({ regions: [region] }, {});
  assert.deepEqual(c.regions, [region], 'the list replaces the default regions');
  assert.ok(compileConfig({}, {}).regions.length >= 1, 'embedded mode has default regions');
  assert.throws(() => compileConfig({ regions: [{ ...region, pricePerCpuHour: -1 }] }, {}), invalid('regions.0.pricePerCpuHour'));
  assert.throws(() => compileConfig({ regions: [{ ...region, hostSize: { cpus: 0, memoryMb: 1 } }] }, {}), invalid('regions.0.hostSize.cpus'));
  assert.throws(() => compileConfig({ regions: [{ ...region, publicCidr: 'everywhere' }] }, {}), invalid('regions.0.publicCidr'));
  assert.throws(() => compileConfig({ regions: [] }, {}), invalid('regions'));
  assert.throws(() => compileConfig({ regions: [region, region] }, {}), invalid('regions'));
});

test('host timings: a host is declared dead only after missing at least two heartbeats', () => {
  assert.equal(compileConfig({ hosts: { heartbeatMs: 1000, deadAfterMs: 5000, releaseIdleAfterMs: 60_000 } }, {}).hosts.deadAfterMs, 5000);
  assert.throws(() => compileConfig({ hosts: { heartbeatMs: 5000, deadAfterMs: 6000 } }, {}), invalid('hosts.deadAfterMs'));
  assert.throws(() => compileConfig({ hosts: { releaseIdleAfterMs: 0 } }, {}), invalid('hosts.releaseIdleAfterMs'));
});
