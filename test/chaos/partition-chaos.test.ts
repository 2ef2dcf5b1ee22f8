/**
 * The network partition fault of the cluster bench, with RAVEL_CHAOS_PARTITION=1 (`.ci/run` sets
 * it; about 75 s of run on a loaded machine): two nodes, the second in a
 * network namespace and cut off from NATS, Hazelcast and the other node for 20 s while the
 * control-plane mix runs. The cut-off node must give up its shards (their leases lapse) and the
 * other take them all, writes must go on being acknowledged during the cut, and after healing the checker
 * must find nothing lost, nothing applied twice, tenants isolated and every application where
 * its last acknowledged action allows. Needs root and `ip netns`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingHazelcast, missingNats, needs } from '../harness/requirements.ts';
import { runCluster } from '../../bench/cluster/run-cluster.ts';
import { partitionSpec } from '../../bench/cluster/spec.ts';
import { isCompletion } from '../../bench/cluster/history.ts';
import { netnsAvailable } from '../../bench/cluster/netns.ts';

const enabled = process.env['RAVEL_CHAOS_PARTITION'] === '1';

test('a node cut off by a network partition gives up its shards, the other serves, and after healing the checker holds', { skip: enabled ? false : 'set RAVEL_CHAOS_PARTITION=1 to run (about 75 s; needs root and `ip netns`)' }, async (t) => {
  if (!needs(t, missingNats(), missingHazelcast(), netnsAvailable() ? undefined : 'network namespaces are not available (root and `ip netns` are needed)')) return;
  const spec = partitionSpec();
  const r = await runCluster(spec, (l) => t.diagnostic(l));
  const c = r.check;
  for (const f of c.perFault) t.diagnostic(`${f.fault}: ${f.acknowledged} acknowledged, ${f.indeterminate} indeterminate, ${f.lost} lost, ${f.duplicated} duplicated`);

  const [cut] = r.faults;
  assert.ok(cut !== undefined && cut.kind === 'partition-node', 'the partition was injected');
  assert.ok((cut.figures?.['shardsBefore'] ?? 0) > 0, `the node to cut off owned shards (${cut.detail})`);
  assert.equal(cut.figures?.['shardsCutSideAtEnd'], 0, `the cut-off node serves no shard at the end of the cut (${cut.detail})`);
  assert.equal(cut.figures?.['shardsOtherSideAtEnd'], spec.shards, `the other node serves every shard at the end of the cut (${cut.detail})`);
  const midCut = cut.at + (cut.endedAt - cut.at) / 2;
  const served = r.history.filter((l) => isCompletion(l) && l.type === 'ok' && l.op !== 'ws-connect' && l.at > midCut && l.at < cut.at + (cut.figures?.['cutMs'] ?? 0)).length;
  assert.ok(served > 0, 'operations were acknowledged while the node was cut off');
  const after = r.history.filter((l) => isCompletion(l) && l.type === 'ok' && l.at > cut.endedAt).length;
  assert.ok(after > 0, 'operations were acknowledged after healing');
  assert.ok(c.acknowledgedWrites >= 20, `enough acknowledged writes to judge (${c.acknowledgedWrites})`);
  const show = (b: (typeof c.breaches)[number]): string => `${b.rule} ${b.tenant} [${b.ops.join(' ')}] ${b.detail}`;
  assert.deepEqual(c.breaches.map(show), [], 'the checker found no breach');
});
