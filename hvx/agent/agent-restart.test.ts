/**
 * `ravel hvx` as a process on a real NATS server with TLS and its own user: killed while
 * commands wait, started again, it takes them from its durable consumer; a command applied
 * before the kill and retried after is answered from the ledger in its data dir.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../../bus/conformance/fixture.ts';
import { startChild, type Child } from '../../test/harness/child-process.ts';
import { startNats } from '../../test/harness/nats.ts';
import { missingNats, needs, projectRoot } from '../../test/harness/requirements.ts';
import { specOf } from '../hypervisor.conformance.ts';
import { followHostEvents, onHeartbeats } from '../host-events.ts';
import { agentImageSubjects, hostPermissions, hostUser } from '../host-permissions.ts';
import { ensureHvxStreams, provisionHost, sendCommand } from '../host-provisioning.ts';
import type { CommandResult, Heartbeat } from '../protocol.ts';
import { connectAgentBus } from './agent-connection.ts';

test('an agent process killed and started again takes the commands that waited on its durable consumer', async (t) => {
  if (!needs(t, missingNats())) return;
  const servers = await startNats({
    tls: true,
    users: [
      { user: 'admin', password: 'pw-admin' },
      {
        user: hostUser('h1'),
        password: 'pw-h1',
        permissions: hostPermissions('h1', agentImageSubjects),
      },
    ],
  });
  const pki = servers.pki;
  assert.ok(pki !== undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-hvx-agent-'));
  const admin = await connectAgentBus({
    host: 'admin',
    servers: servers.urls,
    user: 'admin',
    pass: 'pw-admin',
    tls: { caFile: pki.caFile, ...pki.client('admin') },
  });
  const follow = new AbortController();
  let agent: Child | undefined;
  const client = pki.client('h1');
  const startAgent = (): Child =>
    startChild(
      'ravel hvx h1',
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'hvx',
        '--host',
        'h1',
        '--nats',
        servers.urls.join(','),
        '--user',
        hostUser('h1'),
        '--pass',
        'pw-h1',
        '--ca',
        pki.caFile,
        '--cert',
        client.certFile,
        '--key',
        client.keyFile,
        '--data-dir',
        dataDir,
        '--heartbeat-ms',
        '200',
        '--boot-ms',
        '100',
        '--jitter-ms',
        '0',
      ],
      { cwd: projectRoot },
    );
  try {
    await ensureHvxStreams(admin);
    await provisionHost(admin, 'h1');
    const results: CommandResult[] = [];
    const beats: Heartbeat[] = [];
    const following = followHostEvents(
      admin,
      'h1',
      { onResult: (r) => results.push(r) },
      follow.signal,
    );
    onHeartbeats(admin, (hb) => beats.push(hb));

    agent = startAgent();
    await waitFor('first heartbeat', () => beats.length > 0, 30_000);
    await sendCommand(admin, {
      id: 'r1',
      host: 'h1',
      issuedAt: 0,
      kind: 'define',
      spec: specOf('vm1'),
    });
    await waitFor('r1 answered', () => results.length === 1, 10_000);

    agent.signal('SIGKILL');
    await agent.exited;
    await sendCommand(admin, {
      id: 'r2',
      host: 'h1',
      issuedAt: 0,
      kind: 'define',
      spec: specOf('vm2'),
    });
    await sendCommand(admin, {
      id: 'r3',
      host: 'h1',
      issuedAt: 0,
      kind: 'define',
      spec: specOf('vm3'),
    });
    await sendCommand(
      admin,
      { id: 'r1', host: 'h1', issuedAt: 0, kind: 'define', spec: specOf('vm1') },
      { dedupe: false },
    );
    const beatsBefore = beats.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(results.length, 1, 'nothing is answered while the agent is down');
    assert.ok(beats.length <= beatsBefore + 1);

    agent = startAgent();
    await waitFor('the waiting commands answered', () => results.length === 4, 30_000);
    // In queue order, except that one taken by a pull the killed agent left open comes back after the ack wait.
    const after = results.slice(1);
    assert.deepEqual(after.map((r) => r.commandId).sort(), ['r1', 'r2', 'r3'], JSON.stringify(after));
    assert.ok(after.every((r) => r.ok));
    assert.deepEqual(
      after.find((r) => r.commandId === 'r1'),
      results[0],
      'the retried r1 is answered with its first result, kept across the restart',
    );
    await waitFor('a heartbeat with both new VMs', () => (beats.at(-1)?.vms.length ?? 0) === 2, 5000);
    follow.abort();
    await following;
  } finally {
    follow.abort();
    await agent?.stop();
    await admin.close();
    await servers.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
