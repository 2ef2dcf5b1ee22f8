/**
 * Elastic IPs hold their region address under a key (org-library.ts `allocateIp`): an allocate
 * turn that crashed after the region took the address, tried again, gets that address instead of
 * a second one; a pending release sent twice, after the address became another organization's
 * elastic IP, leaves it taken. The organization's turns run on a bare context (a turn's state is
 * kept only when it "commits"), the region's on its real kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/log.ts';
import { ipToInt } from '../../../domain/network/ipv4.ts';
import { newTenantOutbox } from '../../../events/event-outbox.ts';
import type { ActorContext, ActorRef, ActorSender, Reminder, Reminders } from '../../actor-kind.ts';
import { allocateIp, releaseIp } from './org-library.ts';
import type { ActiveOrganization, OrganizationState } from './organization-state.ts';
import type { OrganizationDeps } from './org-turn.ts';
import { regionIpsKind, type RegionIpsMsg } from './region-ips-kind.ts';
import type { RegionAddresses } from '../../../domain/network/region-addresses.ts';

const REGION = 'r';
const ops = { kind: 'operator', name: 'ops' } as const;
const deps = { maxElasticIpsPerOrganization: 16 } as unknown as OrganizationDeps;

function reminders(): Reminders {
  const m = new Map<string, Reminder>();
  return {
    set: (name, dueAt, data) => void m.set(name, { name, dueAt, data }),
    cancel: (name) => void m.delete(name),
    get: (name) => m.get(name),
    list: () => [...m.values()],
  };
}

/** One region's address actor, its turns kept as they would be written. */
class Region {
  private readonly kind = regionIpsKind({ [REGION]: '203.0.113.0/29' });
  state: RegionAddresses | null = this.kind.initialState(REGION);

  deliver(msg: RegionIpsMsg): string | null {
    let next = this.state;
    const ctx = { self: { kind: 'region-ips', id: REGION }, state: this.state, setState: (s: RegionAddresses | null) => void (next = s) } as ActorContext<RegionAddresses | null>;
    const reply = this.kind.handle(ctx, this.kind.decodeMessage(msg, 1));
    this.state = next;
    return reply as string | null;
  }
}

/** One organization's state and a turn runner: `turn` returns the state the turn set; `commit` keeps it. */
function organization(id: number, region: Region) {
  let state: OrganizationState = {
    status: 'active', organization: { id, name: `org${id}` }, ids: { first: 10, count: 54 }, users: [], groups: [], sessions: [], tokens: [], keyPairs: [],
    limits: {}, elasticIps: { ips: [] }, applications: [], outbox: newTenantOutbox(id), releases: [],
  };
  const actors: ActorSender = {
    ask: <R,>(ref: ActorRef, msg: unknown) => Promise.resolve(region.deliver(msg as RegionIpsMsg) as R),
    tell: () => Promise.resolve(),
  };
  const turn = async <T,>(run: (ctx: ActorContext<OrganizationState>) => Promise<T> | T): Promise<{ reply: T; next: ActiveOrganization }> => {
    let next = state;
    const ctx: ActorContext<OrganizationState> = { self: { kind: 'organization', id: String(id) }, state, setState: (s) => void (next = s), reminders: reminders(), clock: new ManualClock(), log: silentLogger, actors };
    const reply = await run(ctx);
    assert.equal(next.status, 'active');
    return { reply, next };
  };
  return {
    get state(): ActiveOrganization { return state as ActiveOrganization; },
    set state(s: ActiveOrganization) { state = s; },
    allocate: () => turn((ctx) => allocateIp(ctx, { type: 'allocateElasticIp', principal: ops, request: { location: REGION } }, deps)),
    release: (ip: string) => turn((ctx) => releaseIp(ctx, { type: 'releaseElasticIp', principal: ops, ip })),
  };
}

const used = (r: Region): readonly number[] => r.state?.pool.used ?? [];

test('an allocate turn that crashed after the region took its address, tried again, gets that address and takes no other', async () => {
  const region = new Region();
  const org = organization(7, region);
  const crashed = await org.allocate(); // its state is never written
  const retried = await org.allocate();
  org.state = retried.next;
  assert.equal(retried.reply.ip, crashed.reply.ip, 'the retried turn answers the address the crashed one took');
  assert.deepEqual(used(region), [ipToInt(crashed.reply.ip)], 'the region holds one address, not two');
  const next = await org.allocate();
  assert.notEqual(next.reply.ip, retried.reply.ip, 'the next allocation (committed before) takes a new address');
});

test('a pending release sent twice, after the address became another organization\'s elastic IP, leaves it taken', async () => {
  const region = new Region();
  const a = organization(7, region);
  const b = organization(8, region);
  const x = await a.allocate();
  a.state = x.next;
  const released = await a.release(x.reply.ip);
  a.state = released.next;
  const pending = released.next.releases.map((r) => r.msg as RegionIpsMsg);
  assert.equal(pending.length, 1);
  for (const msg of pending) region.deliver(msg); // the drain
  assert.deepEqual(used(region), []);
  const y = await b.allocate();
  b.state = y.next;
  assert.equal(y.reply.ip, x.reply.ip, 'the freed address went to organization 8');
  for (const msg of pending) region.deliver(msg); // the drain again (crashed before its write)
  assert.deepEqual(used(region), [ipToInt(y.reply.ip)], "organization 8's elastic IP is still taken");
  const z = await a.allocate();
  assert.notEqual(z.reply.ip, y.reply.ip, 'organization 7 cannot get it as well');
  // Organization 8's own release still frees it.
  const own = await b.release(y.reply.ip);
  for (const r of own.next.releases) region.deliver(r.msg as RegionIpsMsg);
  assert.deepEqual(used(region), [ipToInt(z.reply.ip)]);
});

test('an elastic IP from before keys is released unkeyed, and freed', async () => {
  const region = new Region();
  const org = organization(7, region);
  const ip = region.deliver({ type: 'take' });
  assert.ok(ip !== null);
  org.state = { ...org.state, elasticIps: { ips: [{ ip, location: REGION }] } };
  const released = await org.release(ip);
  assert.deepEqual(released.next.releases.map((r) => r.msg), [{ type: 'release', ip }]);
  for (const r of released.next.releases) region.deliver(r.msg as RegionIpsMsg);
  assert.deepEqual(used(region), []);
  assert.deepEqual(released.next.elasticIps.ips, []);
});
