/**
 * The cross-gateway drop over a real NATS server: two authenticators, each on its own
 * connection (two gateway processes), sessions resolved by a stub control plane that both share.
 * A logout through A empties B's cache entry though B's clock never moves. Skipped without a
 * nats-server binary (RAVEL_REQUIRE_CLUSTER=1 makes that a failure).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { NatsBus } from '../../bus/nats/nats-bus.ts';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { missingNats, needs } from '../../test/harness/requirements.ts';
import { ControlAuthenticator, type CredentialControl } from './control-authenticator.ts';
import { CredentialInvalidations } from './credential-invalidation.ts';

/** Sessions in a map both gateways read, as the organization actor would answer them. */
class SharedSessions implements CredentialControl {
  readonly live = new Map<string, DomainPrincipal>();
  resolveSession(id: string): Promise<DomainPrincipal | undefined> {
    return Promise.resolve(this.live.get(id));
  }
  resolveToken(): Promise<DomainPrincipal | undefined> {
    return Promise.resolve(undefined);
  }
  login(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  logout(id: string): Promise<void> {
    this.live.delete(id);
    return Promise.resolve();
  }
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('over NATS, a logout through gateway A empties gateway B cache at once', async (t) => {
  if (!needs(t, missingNats())) return;
  const nats: NatsServers = await startNats();
  cleanups.push(() => nats.stop());
  const open = async (): Promise<NatsBus> => {
    const bus = await NatsBus.connect({ servers: [...nats.urls], replicas: 1, callTimeoutMs: 3000 });
    cleanups.push(() => bus.close());
    return bus;
  };
  const control = new SharedSessions();
  const frozen = (): number => 1_700_000_000_000;
  const gateways = await Promise.all([open(), open()]).then((buses) =>
    buses.map((bus) => {
      const auth = new ControlAuthenticator(control, frozen, undefined, 1000, new CredentialInvalidations(bus));
      const sub = auth.listen();
      if (sub !== undefined) cleanups.push(() => sub.unsubscribe());
      return { auth, bus };
    }),
  );
  const [a, b] = gateways as [(typeof gateways)[number], (typeof gateways)[number]];
  await b.bus.flush(); // B's subscriptions are on the server before A publishes

  const alice: DomainPrincipal = { kind: 'user', organizationId: 7, userId: 2, roles: ['USER'], groupPermissions: [] };
  const bob: DomainPrincipal = { kind: 'user', organizationId: 8, userId: 3, roles: ['USER'], groupPermissions: [] };
  control.live.set('alice-cookie', alice);
  control.live.set('bob-cookie', bob);
  for (const g of [a, b]) for (const s of ['alice-cookie', 'bob-cookie']) assert.ok((await g.auth.fromSession(s)) !== undefined);
  // Alice's session ends in the organization; B, which asked a moment ago, still trusts its entry.
  control.live.delete('alice-cookie');
  assert.ok(b.auth.peekSession('alice-cookie') !== undefined, 'cached on B');

  await a.auth.logout('alice-cookie');
  await a.bus.flush();
  const deadline = Date.now() + 2000; // real time: the message's trip; B's cache clock stays still
  while (b.auth.peekSession('alice-cookie') !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(b.auth.peekSession('alice-cookie'), undefined, 'B dropped it');
  assert.equal(await b.auth.fromSession('alice-cookie'), undefined);
  assert.ok(b.auth.peekSession('bob-cookie') !== undefined, 'another organization is left alone');
});
