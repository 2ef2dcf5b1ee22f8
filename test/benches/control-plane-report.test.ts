/**
 * The control-plane bench's scaffolding with logic of its own (bench/control-plane): its
 * arguments, the load processes' messages and how the applications are shared out among them,
 * the tallies merged, and the side-by-side rows and checks. The bench itself is run by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseControlPlaneArgs } from '../../bench/control-plane/bench-args.ts';
import { parseLoadConfig, parseLoadResult, shareOut } from '../../bench/control-plane/load-messages.ts';
import { checks, rows, table } from '../../bench/control-plane/side-by-side.ts';
import { emptyTally, mergeTallies, quantile, type TopologyResult, type Workload } from '../../bench/control-plane/topology-result.ts';

const workload: Workload = { hosts: 100, applications: 4, clients: 2, bootMs: 1000, pollMs: 20 };

function result(label: string, overheadMs: number[], over: Partial<TopologyResult> = {}): TopologyResult {
  return {
    label,
    workload,
    seconds: 2,
    tally: { ...emptyTally(), overheadMs, publishMs: overheadMs.map(() => 5), hostIds: ['h1', 'h2', 'h1'] },
    baseline: { label: 'ask', perSec: 1000, p50Ms: 2, p99Ms: 10, refused: 0 },
    extraBaselines: [],
    extras: [],
    hosts: { count: 2, what: 'hosts with VMs' },
    ...over,
  };
}

test('arguments: defaults per preset, --only, --apps for both, and bad values refused', () => {
  const quick = parseControlPlaneArgs([], true);
  assert.deepEqual(quick.topologies, ['one', 'three']);
  assert.equal(quick.workloads.one.applications, 1000);
  assert.equal(quick.workloads.three.applications, 300);
  assert.equal(quick.workloads.one.hosts, 100);
  const full = parseControlPlaneArgs(['--only', 'three', '--apps', '50', '--clients', '8'], false);
  assert.deepEqual(full.topologies, ['three']);
  assert.equal(full.workloads.three.applications, 50);
  assert.equal(full.workloads.one.applications, 50);
  assert.equal(full.workloads.three.clients, 8);
  assert.equal(full.workloads.three.hosts, 1000);
  assert.throws(() => parseControlPlaneArgs(['--only', 'two'], true), /--only takes one or three/);
  assert.throws(() => parseControlPlaneArgs(['--apps', '0'], true), /whole number/);
  assert.throws(() => parseControlPlaneArgs(['--apps'], true), /needs a value/);
  assert.throws(() => parseControlPlaneArgs(['--fast'], true), /unknown argument --fast/);
});

test('applications shared out among load processes: each once, as evenly as whole numbers allow', () => {
  assert.deepEqual(shareOut(10, 3), [{ first: 0, count: 4 }, { first: 4, count: 3 }, { first: 7, count: 3 }]);
  assert.deepEqual(shareOut(1, 2), [{ first: 0, count: 1 }, { first: 1, count: 0 }]);
});

test('load messages: a good configuration parses, a wrong one says where it is wrong', () => {
  const good = { proc: 'load-0', tenants: [{ name: 't', login: 'l', password: 'p', organizationId: 3 }], gateways: ['http://x'], first: 0, count: 5, clients: 2, bootMs: 1000, pollMs: 20, baselineSeconds: 2, resultFile: '/tmp/x' };
  assert.equal(parseLoadConfig(JSON.stringify(good)).count, 5);
  assert.throws(() => parseLoadConfig(JSON.stringify({ ...good, clients: 0 })), /RAVEL_CP_LOAD: \/clients/);
  assert.throws(() => parseLoadConfig(JSON.stringify({ ...good, tenants: [] })), /\/tenants/);
  assert.throws(() => parseLoadConfig('{'), /not JSON/);
  assert.throws(() => parseLoadResult(JSON.stringify({ tally: emptyTally() })), /\/reads/);
});

test('tallies merged: latencies pooled, hosts once, failures and retries summed, samples of the first with any', () => {
  const a = { ...emptyTally(), overheadMs: [1, 2], hostIds: ['h1', 'h2'], failed: 1, retries: 2 };
  const b = { ...emptyTally(), overheadMs: [3], hostIds: ['h2', 'h3'], sampleIds: [7], failed: 2, retries: 1, errors: ['x'] };
  const m = mergeTallies([a, b]);
  assert.deepEqual(m.overheadMs, [1, 2, 3]);
  assert.deepEqual(m.hostIds, ['h1', 'h2', 'h3']);
  assert.deepEqual(m.sampleIds, [7]);
  assert.equal(m.failed, 3);
  assert.equal(m.retries, 3);
  assert.deepEqual(m.errors, ['x']);
  assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('rows side by side: one column per topology, a dash where a topology has no such figure', () => {
  const one = result('one node', [100, 200, 300, 400], { extras: [{ name: 'durable writes', value: 31, unit: 'writes' }] });
  const three = result('three nodes', [1000, 2000], { extraBaselines: [{ label: 'REST read', perSec: 500, p50Ms: 4, p99Ms: 20, refused: 0 }] });
  const rs = rows([one, three]);
  const rate = rs.find((r) => r.name === 'applications started per second');
  assert.deepEqual(rate?.values, [2, 1]);
  assert.deepEqual(rs.find((r) => r.name === 'durable writes')?.values, [31, undefined]);
  assert.deepEqual(rs.find((r) => r.name === 'REST read p50')?.values, [undefined, 4]);
  assert.equal(rs.find((r) => r.name === 'start to all STARTED minus boot, p50')?.baseline, 'baseline ask p50');
  const lines = table(['one node', 'three nodes'], rs);
  const writes = lines.find((l) => l.includes('durable writes')) ?? '';
  assert.match(writes, /\s31\s+-\s+writes$/);
});

test('checks per topology: the whole workload started, hosts bounded and packed, overhead bounded with its ratio to the ask', () => {
  const ok = checks(result('one node', [100, 200, 300, 400]), 100);
  assert.ok(ok.every((c) => c.pass), JSON.stringify(ok.filter((c) => !c.pass)));
  assert.ok(ok.every((c) => c.name.startsWith('one node: ')));
  const overhead = ok.find((c) => c.name.includes('p50, vs baseline ask p50'));
  assert.equal(overhead?.baseline, 2);
  assert.equal(overhead?.ratio, 300 / 2);
  const short = checks(result('three nodes', [100, 60_000], { hosts: { count: 9, what: 'hosts with VMs' } }), 5);
  const missed = short.filter((c) => !c.pass).map((c) => c.name);
  assert.deepEqual(missed.sort(), [
    'three nodes: every application reached STARTED',
    'three nodes: hosts with VMs within the region',
    'three nodes: hosts with VMs, packed (3 VMs of 2 CPUs, 64-CPU hosts)',
    'three nodes: start to all STARTED minus boot, p50, vs baseline ask p50',
    'three nodes: start to all STARTED minus boot, p99, vs baseline ask p99',
  ].sort());
  assert.equal(checks(result('one node', []), 100).find((c) => c.name.includes('p50'))?.pass, false, 'nothing started fails the bound');
});
