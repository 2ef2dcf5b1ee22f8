/**
 * Expirations that fall while the node owning their application is down (two node SIGKILLs, 16 s
 * apart, through the chaos run's control-plane mix): every application must end in a state its
 * last acknowledged action allows. This found acknowledged expirations left STARTED or STOPPING
 * (reminders lost with dropped activations, early timers, an unreadable reminder index at
 * adoption, and VM state reports dropped while NATS restarted), fixed since. About three minutes,
 * so a run by hand: RAVEL_CHAOS_LONG=1 RAVEL_REQUIRE_CLUSTER=1 npm test -- expiry-across
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingHazelcast, missingNats, needs } from '../harness/requirements.ts';
import { runCluster } from '../../bench/cluster/run-cluster.ts';
import { chaosSpec } from '../../bench/cluster/spec.ts';

test('expirations that fall while their node is down still stop the application', async (t) => {
  if (process.env['RAVEL_CHAOS_LONG'] !== '1') {
    t.skip('a long fault run: set RAVEL_CHAOS_LONG=1 to run it');
    return;
  }
  if (!needs(t, missingNats(), missingHazelcast())) return;
  const spec = { ...chaosSpec(), name: 'expiry-kill', faults: [
    { kind: 'kill-node' as const, atS: 8, target: 1, forS: 6 },
    { kind: 'kill-node' as const, atS: 24, target: 0, forS: 6 },
  ] };
  const r = await runCluster(spec, (l) => t.diagnostic(l));
  const states = r.check.breaches.filter((b) => b.rule === 'state').map((b) => b.detail);
  assert.deepEqual(states, [], 'every application reached what its last acknowledged action allows');
});
