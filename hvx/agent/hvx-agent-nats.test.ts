/**
 * The agent on a real NATS server with TLS (mutual, certificates from the harness) and a user
 * per host whose permissions come from hvx/host-permissions.ts.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect, Events, type NatsConnection } from 'nats';
import { waitFor } from '../../bus/conformance/fixture.ts';
import type { NatsBus } from '../../bus/nats/nats-bus.ts';
import { ManualClock } from '../../core/clock.ts';
import { isRavelError } from '../../core/errors.ts';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { missingNats, needs } from '../../test/harness/requirements.ts';
import { SimHypervisor } from '../drivers/sim/sim-hypervisor.ts';
import { SimScheduler } from '../drivers/sim/sim-scheduler.ts';
import { specOf } from '../hypervisor.conformance.ts';
import { followHostEvents } from '../host-events.ts';
import { hostPermissions, hostUser } from '../host-permissions.ts';
import { ensureHvxStreams, provisionHost, sendCommand } from '../host-provisioning.ts';
import { COMMAND_STREAM, consumerName, hvxSubjects, type CommandResult } from '../protocol.ts';
import { MemoryImages } from './agent-images.ts';
import { connectAgentBus } from './agent-connection.ts';
import { HvxAgent } from './hvx-agent.ts';

const hosts = ['h1', 'h2'];
const password = (u: string): string => `pw-${u}`;

describe('HVX agent on NATS with TLS and per-host permissions', () => {
  let servers: NatsServers | undefined;
  let admin: NatsBus | undefined;
  const skip = missingNats();

  before(async () => {
    if (skip !== undefined) return;
    servers = await startNats({
      tls: true,
      users: [
        { user: 'admin', password: password('admin') },
        ...hosts.map((h) => ({
          user: hostUser(h),
          password: password(hostUser(h)),
          permissions: hostPermissions(h),
        })),
      ],
    });
    admin = await connectAgentBus({
      host: 'admin',
      servers: servers.urls,
      user: 'admin',
      pass: password('admin'),
      tls: tlsFor('admin'),
    });
    await ensureHvxStreams(admin);
    for (const h of hosts) await provisionHost(admin, h);
  });
  after(async () => {
    await admin?.close();
    await servers?.stop();
  });

  const tlsFor = (name: string) => {
    const pki = servers?.pki;
    assert.ok(pki !== undefined);
    return { caFile: pki.caFile, ...pki.client(name) };
  };
  const hostBus = (h: string): Promise<NatsBus> =>
    connectAgentBus({
      host: h,
      servers: servers?.urls ?? [],
      user: hostUser(h),
      pass: password(hostUser(h)),
      tls: tlsFor(h),
    });
  /** A bare nats.js connection as host h, to try what the agent never would. */
  const rawHost = (h: string, inboxOf = h): Promise<NatsConnection> =>
    connect({
      servers: [...(servers?.urls ?? [])],
      user: hostUser(h),
      pass: password(hostUser(h)),
      tls: tlsFor(h),
      inboxPrefix: hvxSubjects.inboxPrefix(inboxOf),
    });

  test('an agent with only its own permissions takes its commands and reports results', async (t) => {
    if (!needs(t, skip) || admin === undefined) return;
    const bus = await hostBus('h1');
    const clock = new ManualClock();
    const hv = new SimHypervisor(new SimScheduler(clock), {
      capacity: { cpus: 4, memoryMb: 8192 },
      timing: { bootMs: 1000, shutdownMs: 500, jitterMs: 0, seed: 3 },
    });
    const agent = new HvxAgent({
      host: 'h1',
      bus,
      hypervisor: hv,
      images: new MemoryImages(),
      clock,
    });
    const results: CommandResult[] = [];
    const follow = new AbortController();
    const following = followHostEvents(
      admin,
      'h1',
      { onResult: (r) => results.push(r) },
      follow.signal,
    );
    try {
      await agent.start();
      await sendCommand(admin, {
        id: 'n1',
        host: 'h1',
        issuedAt: 0,
        kind: 'define',
        spec: specOf('vm1'),
      });
      await sendCommand(admin, { id: 'n2', host: 'h1', issuedAt: 0, kind: 'start', vmId: 'vm1' });
      await waitFor('two results', () => results.length === 2, 10_000);
      assert.deepEqual(
        results.map((r) => r.ok),
        [true, true],
      );
      await sendCommand(
        admin,
        { id: 'n1', host: 'h1', issuedAt: 0, kind: 'define', spec: specOf('vm1') },
        { dedupe: false },
      );
      await waitFor('the retry answered', () => results.length === 3, 10_000);
      assert.deepEqual(results[2], results[0]);
      assert.equal(agent.applied, 2);
    } finally {
      follow.abort();
      await following;
      await agent.stop();
      await hv.close();
      await bus.close();
    }
  });

  test("a host using another host's command subject, consumer, status subject or inbox is refused by the server", async (t) => {
    if (!needs(t, skip) || admin === undefined) return;
    // A command waits on h2's queue; h1 must not be able to take or see it.
    await sendCommand(admin, {
      id: 'for-h2',
      host: 'h2',
      issuedAt: 0,
      kind: 'define',
      spec: specOf('vm9'),
    });
    const nc = await rawHost('h1');
    const violations: string[] = [];
    const leaked: string[] = [];
    void (async () => {
      for await (const s of nc.status()) {
        const ctx = (s as { permissionContext?: { operation: string; subject: string } })
          .permissionContext;
        if (s.type === Events.Error && ctx !== undefined)
          violations.push(`${ctx.operation} ${ctx.subject}`);
      }
    })();
    const h2Consumer = `${COMMAND_STREAM}.${consumerName('h2')}`;
    try {
      // The server refuses each subscription: the client hands the callback the error, never a message.
      nc.subscribe(hvxSubjects.command('h2'), {
        callback: (err) => void (err === null && leaked.push('h2 commands')),
      });
      nc.subscribe(`${hvxSubjects.inboxPrefix('h2')}.>`, {
        callback: (err) => void (err === null && leaked.push('h2 inbox')),
      });
      nc.publish(
        `$JS.API.CONSUMER.MSG.NEXT.${h2Consumer}`,
        new TextEncoder().encode('{"batch":1}'),
        { reply: `${hvxSubjects.inboxPrefix('h1')}.steal` },
      );
      nc.publish(`$JS.API.CONSUMER.INFO.${h2Consumer}`);
      nc.publish(`$JS.ACK.${h2Consumer}.1.1.1.1.1`);
      nc.publish(hvxSubjects.status('h2'));
      nc.publish(hvxSubjects.heartbeat('h2'));
      nc.publish(hvxSubjects.status('h1'));
      await nc.flush();
      const expected = [
        `subscription ${hvxSubjects.command('h2')}`,
        `subscription ${hvxSubjects.inboxPrefix('h2')}.>`,
        `publish $JS.API.CONSUMER.MSG.NEXT.${h2Consumer}`,
        `publish $JS.API.CONSUMER.INFO.${h2Consumer}`,
        `publish $JS.ACK.${h2Consumer}.1.1.1.1.1`,
        `publish ${hvxSubjects.status('h2')}`,
        `publish ${hvxSubjects.heartbeat('h2')}`,
      ];
      await waitFor(
        'every violation reported',
        () => expected.every((v) => violations.includes(v)),
        5000,
      );
      assert.ok(
        !violations.includes(`publish ${hvxSubjects.status('h1')}`),
        'its own status subject is allowed',
      );
      assert.deepEqual(leaked, []);
      const info = await admin.streams.info(COMMAND_STREAM);
      assert.ok(info.messages >= 1, "h2's command is still queued");
    } finally {
      await nc.close();
    }
    // A request whose replies would go to another host's inbox: the server refuses the inbox.
    const borrowed = await rawHost('h1', 'h2');
    try {
      await assert.rejects(
        borrowed.request(hvxSubjects.status('h1'), new Uint8Array(), { timeout: 2000 }),
        (e: Error) =>
          (e as { code?: string }).code === 'PERMISSIONS_VIOLATION' &&
          e.message.includes(hvxSubjects.inboxPrefix('h2')),
      );
    } finally {
      await borrowed.close();
    }
  });

  test("the agent Bus of a host cannot open or pull from another host's consumer", async (t) => {
    if (!needs(t, skip)) return;
    const bus = await hostBus('h1');
    try {
      await assert.rejects(
        bus.streams.consume(
          COMMAND_STREAM,
          {
            consumer: consumerName('h2'),
            filterSubject: hvxSubjects.command('h2'),
            ackWaitMs: 30_000,
            maxInFlight: 1,
          },
          async () => assert.fail('took h2 work'),
        ),
        (e: unknown) => isRavelError(e, 'PERMISSION_DENIED'),
      );
    } finally {
      await bus.close();
    }
  });

  test('plain connections are refused, and so are TLS clients without a certificate or with a wrong password', async (t) => {
    if (!needs(t, skip) || servers === undefined) return;
    const port = servers.specs[0]?.port ?? 0;
    const answer = await new Promise<string>((resolve) => {
      let seen = '';
      const sock = tcpConnect(port, '127.0.0.1', () => {
        sock.write(
          `CONNECT {"verbose":false,"user":"${hostUser('h1')}","pass":"${password(hostUser('h1'))}"}\r\nPING\r\n`,
        );
      });
      sock.on('data', (d) => (seen += d.toString()));
      sock.on('close', () => resolve(seen));
      sock.on('error', () => resolve(seen));
      setTimeout(() => sock.destroy(), 3000);
    });
    assert.match(answer, /"tls_required":true/);
    assert.doesNotMatch(answer, /PONG/, 'no plain session was opened');
    const pki = servers.pki;
    assert.ok(pki !== undefined);
    await assert.rejects(
      connect({
        servers: [...servers.urls],
        user: hostUser('h1'),
        pass: password(hostUser('h1')),
        tls: { caFile: pki.caFile },
        reconnect: false,
      }),
    );
    await assert.rejects(
      connect({
        servers: [...servers.urls],
        user: hostUser('h1'),
        pass: 'wrong',
        tls: { caFile: pki.caFile, ...pki.client('h1') },
        reconnect: false,
      }),
      (e: Error) => /authorization/i.test(e.message),
    );
  });
});
