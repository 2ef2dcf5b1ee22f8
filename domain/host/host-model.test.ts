import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRavelError } from '../../core/errors.ts';
import { checkHost, freeCapacity, hostView, newHost, releaseVm, releaseVms, reserveVm, reserveVms, type HostState } from './host-model.ts';

const timings = { deadAfterMs: 10_000, releaseIdleAfterMs: 60_000 };
const vm = (k: string, cpus = 2, memoryMb = 2048) => ({ applicationId: 1, vmKey: k, cpus, memoryMb });
/** The host as the actor's liveness check hands it over: silent since `at` (host-liveness.ts says from when). */
const silentSince = (h: HostState, at: number): HostState => ({ ...h, lastHeartbeat: at });

test('reservations fill the host; one that does not fit is CONFLICT; the same VM twice is a no-op', () => {
  let h = newHost('h', 'r', { cpus: 4, memoryMb: 4096 }, 0);
  h = reserveVm(reserveVm(h, vm('a')), vm('b'));
  assert.deepEqual(freeCapacity(h), { cpus: 0, memoryMb: 0 });
  assert.equal(reserveVm(h, vm('a')), h);
  assert.throws(() => reserveVm(h, vm('c', 1, 1)), (e: unknown) => isRavelError(e, 'CONFLICT'));
  assert.equal(hostView(h).freeCpus, 0);
});

test('several VMs are reserved all or none; released together, the host turns idle', () => {
  const h = reserveVm(newHost('h', 'r', { cpus: 6, memoryMb: 8192 }, 0), vm('a'));
  assert.throws(() => reserveVms(h, [vm('b'), vm('c'), vm('d')]), (e: unknown) => isRavelError(e, 'CONFLICT'));
  const full = reserveVms(h, [vm('b'), vm('c')]);
  assert.deepEqual(freeCapacity(full), { cpus: 0, memoryMb: 2048 });
  assert.equal(reserveVms(full, [vm('b'), vm('c')]), full, 'the same VMs again change nothing');
  const empty = releaseVms(full, [vm('a'), vm('b'), vm('c')], 7);
  assert.deepEqual(freeCapacity(empty), { cpus: 6, memoryMb: 8192 });
  assert.equal(empty.idleSince, 7);
});

test('a silent host is declared dead with its VMs lost, takes no more VMs, and is then released', () => {
  const h = reserveVm(newHost('h', 'r', { cpus: 4, memoryMb: 4096 }, 0), vm('a'));
  assert.equal(checkHost(silentSince(h, 5000), 14_000, timings).kind, 'ok');
  assert.equal(checkHost(silentSince(h, 5000), 15_001, timings).kind, 'dead');
  const c = checkHost(h, 10_001, timings);
  assert.equal(c.kind, 'dead');
  if (c.kind !== 'dead') return;
  assert.deepEqual(c.lostVms.map((v) => v.vmKey), ['a']);
  assert.equal(hostView(c.host).accepting, false);
  assert.throws(() => reserveVm(c.host, vm('b')), (e: unknown) => isRavelError(e, 'ILLEGAL_STATE'));
  assert.equal(checkHost(silentSince(c.host, 20_000), 20_000, timings).kind, 'release', 'a dead host that speaks again is not revived');
  assert.equal(checkHost(c.host, 20_000, timings).kind, 'release');
});

test('an empty host is released after the idle time, not before', () => {
  let h: HostState = reserveVm(newHost('h', 'r', { cpus: 4, memoryMb: 4096 }, 0), vm('a'));
  h = releaseVm(h, vm('a'), 50_000);
  assert.equal(checkHost(silentSince(h, 100_000), 100_000, timings).kind, 'ok');
  assert.equal(checkHost(silentSince(h, 110_000), 110_000, timings).kind, 'release');
});

test('property: no sequence of reserve and release takes a host beyond its capacity', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 256, max: 8192 })), { maxLength: 60 }),
      (ops) => {
        let h = newHost('h', 'r', { cpus: 8, memoryMb: 16384 }, 0);
        for (const [reserve, k, cpus, mem] of ops) {
          try {
            h = reserve ? reserveVm(h, vm(k, cpus, mem)) : releaseVm(h, vm(k), 1);
          } catch (e) {
            assert.ok(isRavelError(e, 'CONFLICT'));
          }
          const f = freeCapacity(h);
          assert.ok(f.cpus >= 0 && f.memoryMb >= 0);
          assert.equal(new Set(h.vms.map((v) => v.vmKey)).size, h.vms.length);
        }
      },
    ),
  );
});
