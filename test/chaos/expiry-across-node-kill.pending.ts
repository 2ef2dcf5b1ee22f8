/**
 * PENDING (not run by CI; found by the chaos test, not deterministic): an application whose
 * expiration falls just after the node owning it is SIGKILLed can stay STOPPING for good. In one
 * run (history kept under /tmp/ravel-cluster-history-chaos-ci-*): application 37 was started,
 * `setExpiration` 7 s acknowledged at t=7.6 s, n1 SIGKILLed at t=8 s and restarted at t=25 s;
 * 40 s after the workload its VM was still STOPPING, never STOPPED. This runs the chaos spec
 * with two node kills around many expirations, and fails when an application is left in a state
 * its last acknowledged action does not allow. Run by hand (several times):
 *   RAVEL_REQUIRE_CLUSTER=1 node --import tsx --test test/chaos/expiry-across-node-kill.pending.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingHazelcast, missingNats, needs } from '../harness/requirements.ts';
import { runCluster } from '../../bench/cluster/run-cluster.ts';
import { chaosSpec } from '../../bench/cluster/spec.ts';

test('expirations that fall while their node is down still stop the application', async (t) => {
  if (!needs(t, missingNats(), missingHazelcast())) return;
  const spec = { ...chaosSpec(), name: 'expiry-kill', faults: [
    { kind: 'kill-node' as const, atS: 8, target: 1, forS: 6 },
    { kind: 'kill-node' as const, atS: 24, target: 0, forS: 6 },
  ] };
  const r = await runCluster(spec, (l) => t.diagnostic(l));
  const states = r.check.breaches.filter((b) => b.rule === 'state').map((b) => b.detail);
  assert.deepEqual(states, [], 'every application reached what its last acknowledged action allows');
});
