import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { allocateElasticIp, attachElasticIp, detachAllOf, detachElasticIp, emptyElasticIps, releaseAll, releaseElasticIp } from './elastic-ips.ts';
import { exposeVms, releaseExposures, vmFqdn, type VmExposure } from './public-services.ts';
import { regionAddresses, takeAddress } from './region-addresses.ts';
import { sampleVm } from '../test-fixtures.ts';
import type { VmDesign } from '../schemas/vm.ts';

const withServices = (n: number): VmDesign =>
  sampleVm(n, {
    suppliedServices: [
      { name: 'ssh', portRange: '22', protocol: 'SSH', external: true },
      { name: 'web', portRange: '80-81', protocol: 'HTTP', external: true },
      { name: 'again', portRange: '22', protocol: 'TCP', external: true },
      { name: 'internal', portRange: '5432', protocol: 'TCP' },
    ],
  });

test('external services get a public address, their own ports (mapped when taken) and an FQDN', () => {
  const region = regionAddresses('us-east', '203.0.113.0/29');
  const { exposures, region: after } = exposeVms([withServices(1), sampleVm(2)], 42, region, 'srv.ravel.test');
  assert.equal(exposures.length, 1);
  const e = exposures[0]!;
  assert.equal(e.publicIp, '203.0.113.1');
  assert.deepEqual(e.services.map((s) => [s.internalPort, s.publicPort]), [[22, 22], [80, 80], [81, 81], [22, 10000]]);
  assert.equal(e.fqdn, 'vm1-42-2s.us-east.srv.ravel.test');
  assert.deepEqual(releaseExposures(exposures, after).pool.used, []);
});

test('a VM whose NIC has an elastic IP is published on it, and releasing keeps it', () => {
  const region = regionAddresses('r', '203.0.113.0/29');
  const { exposures, region: after } = exposeVms([withServices(1)], 1, region, 'd', { '100': '198.51.100.7' });
  assert.equal(exposures[0]?.publicIp, '198.51.100.7');
  assert.equal(exposures[0]?.elastic, true);
  assert.deepEqual(after.pool.used, []);
});

test('a region out of addresses refuses with QUOTA_EXCEEDED', () => {
  let region = regionAddresses('r', '203.0.113.0/30');
  region = takeAddress(takeAddress(region).addresses).addresses;
  assert.throws(() => exposeVms([withServices(1)], 1, region, 'd'), (e: unknown) => isRavelError(e, 'QUOTA_EXCEEDED'));
});

test('elastic IPs: allocate, attach, refuse a second NIC, detach, release; unknown is NOT_FOUND', () => {
  let region = regionAddresses('r', '198.51.100.0/28');
  const a = allocateElasticIp(emptyElasticIps, region);
  region = a.region;
  const nic = { applicationId: 1, vmId: 100, nicId: 102 };
  let s = attachElasticIp(a.state, a.ip.ip, nic, 'r');
  assert.deepEqual(attachElasticIp(s, a.ip.ip, { ...nic, vmId: 100n }, 'r'), s, 'the same NIC again changes nothing');
  assert.throws(() => attachElasticIp(s, a.ip.ip, { ...nic, nicId: 9 }, 'r'), (e: unknown) => isRavelError(e, 'CONFLICT'));
  assert.throws(() => attachElasticIp(a.state, a.ip.ip, nic, 'elsewhere'), (e: unknown) => isRavelError(e, 'INVALID_ARGUMENT'));
  assert.throws(() => releaseElasticIp(s, region, a.ip.ip), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  assert.throws(() => detachElasticIp(s, '1.2.3.4'), (e: unknown) => isRavelError(e, 'NOT_FOUND'));
  s = detachElasticIp(s, a.ip.ip);
  const r = releaseElasticIp(s, region, a.ip.ip);
  assert.deepEqual(r.state.ips, []);
  assert.deepEqual(r.region.pool.used, []);
});

test('deleting an application detaches its elastic IPs and no others; org deletion releases all', () => {
  let region = regionAddresses('r', '198.51.100.0/28');
  let s = emptyElasticIps;
  for (let i = 0; i < 3; i++) {
    const a = allocateElasticIp(s, region);
    s = attachElasticIp(a.state, a.ip.ip, { applicationId: i === 2 ? 2 : 1, vmId: i, nicId: i }, 'r');
    region = a.region;
  }
  s = detachAllOf(s, 1);
  assert.deepEqual(s.ips.map((x) => x.attachedTo?.applicationId), [undefined, undefined, 2]);
  assert.deepEqual(releaseAll(s, { r: region })['r']?.pool.used, []);
  assert.throws(() => allocateElasticIp(s, region, 3), (e: unknown) => isRavelError(e, 'QUOTA_EXCEEDED'));
});

test('property: across applications published and deleted in any order, no public address is out twice, and all come back', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 4 })), { maxLength: 40 }), (ops) => {
      let region = regionAddresses('r', '203.0.113.0/26');
      const live: VmExposure[][] = [];
      let appId = 0;
      for (const [publish, nVms] of ops) {
        if (publish || live.length === 0) {
          try {
            const r = exposeVms(Array.from({ length: nVms }, (_, i) => withServices(i + 1)), ++appId, region, 'd');
            region = r.region;
            live.push(r.exposures);
          } catch (e) {
            assert.ok(isRavelError(e, 'QUOTA_EXCEEDED'));
          }
        } else {
          region = releaseExposures(live.shift()!, region);
        }
        const out = live.flat().map((e) => e.publicIp);
        assert.equal(new Set(out).size, out.length, 'an address is out twice');
        assert.equal(region.pool.used.length, out.length);
      }
      for (const l of live) region = releaseExposures(l, region);
      assert.deepEqual(region.pool.used, []);
    }),
  );
});

test('FQDNs of VMs with ids beyond 2^53 stay distinct', () => {
  const a = vmFqdn({ id: 2n ** 63n, name: 'Web Server!' }, 1, 'r', 'd');
  const b = vmFqdn({ id: 2n ** 63n - 1n, name: 'Web Server!' }, 1, 'r', 'd');
  assert.notEqual(a, b);
  assert.match(a, /^web-server-1-[0-9a-z]+\.r\.d$/);
});
