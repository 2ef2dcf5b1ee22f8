/**
 * The partition fault's network (bench/cluster/netns.ts): a process in a node's namespace
 * reaches a server on the bridge address, cannot while the node is cut off, can again after
 * healing, and removing the network leaves no namespace or link behind. Needs root and
 * `ip netns` (skipped otherwise, failed under RAVEL_REQUIRE_CLUSTER=1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { connect } from 'node:net';
import { NetnsNetwork, netnsAvailable } from '../../bench/cluster/netns.ts';
import { startChild, waitUntil } from '../harness/child-process.ts';
import { needs } from '../harness/requirements.ts';

/** From inside node `id`'s namespace, connect to host:port within 1.5 s: answers what the server said, or the error. */
async function connectFrom(net: NetnsNetwork, id: string, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(1500,()=>{console.log('timeout');process.exit(0)});s.on('data',d=>{console.log('got '+d);process.exit(0)});s.on('error',e=>{console.log('error '+e.code);process.exit(0)})`;
  const [cmd, args] = net.wrap(id, process.execPath, ['-e', script]);
  const c = startChild(`probe-${id}`, cmd, args);
  await c.exited;
  return c.output().trim();
}

test('a node in its namespace reaches the bridge address, loses it while cut off, and gets it back; nothing is left behind', async (t) => {
  if (!needs(t, netnsAvailable() ? undefined : 'network namespaces are not available (root and `ip netns` are needed)')) return;
  const net = NetnsNetwork.create();
  let server: Server | undefined;
  try {
    const address = net.join('n9');
    assert.match(address, /^10\.\d+\.\d+\.\d+$/);
    server = createServer((s) => s.end('hello'));
    await new Promise<void>((r) => server?.listen(0, net.hostAddress, r));
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;

    assert.equal(await connectFrom(net, 'n9', net.hostAddress, port), 'got hello');
    // The loopback of the root namespace is not the node's: only the bridge address is shared.
    assert.match(await connectFrom(net, 'n9', '127.0.0.1', port), /^error ECONNREFUSED$/);
    // And the root namespace reaches a server on the node's address.
    const [cmd, args] = net.wrap('n9', process.execPath, ['-e', `require('net').createServer((s)=>s.end('inside')).listen(${port},'${address}',()=>console.log('listening'))`]);
    const inside = startChild('server-n9', cmd, args);
    try {
      await waitUntil('server in the namespace', () => inside.output().includes('listening'), 10_000, inside);
      const got = await new Promise<string>((resolve, reject) => {
        const s = connect(port, address);
        s.on('data', (d) => resolve(d.toString()));
        s.on('error', reject);
      });
      assert.equal(got, 'inside');
    } finally {
      await inside.stop();
    }

    net.cut('n9');
    assert.equal(await connectFrom(net, 'n9', net.hostAddress, port), 'timeout', 'packets are dropped, not refused, while cut off');
    net.heal('n9');
    assert.equal(await connectFrom(net, 'n9', net.hostAddress, port), 'got hello');
  } finally {
    server?.close();
    net.remove();
  }
  assert.deepEqual(net.leftovers(), []);
});
