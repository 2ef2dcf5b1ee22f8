/**
 * Network namespaces for the partition fault. A bridge in the root namespace holds the address
 * everything shared listens on (NATS, Hazelcast members, the gateways of nodes that stay in the
 * root namespace); each node that may be cut off runs in a namespace of its own, joined to the
 * bridge by a veth pair. `cut(id)` takes the node's link down, so its packets are dropped both
 * ways as in a real partition (no connection is refused, they stall); `heal(id)` brings it
 * back. `remove()` deletes the namespaces and links; it also runs when the process exits or is
 * interrupted, and `sweepStale()` removes what a run killed outright left behind (the names
 * carry the owner's pid).
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Runs `ip` and ignores a failure (cleanup of something already gone). */
const ipQuiet = (...args: string[]): void => {
  try {
    ip(...args);
  } catch {
    // already gone
  }
};

const nsPrefix = 'ravelb-';
const linkPrefix = 'rvb';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether this process may make namespaces (root, and a kernel that allows it). */
export function netnsAvailable(): boolean {
  const probe = `${nsPrefix}${process.pid}-probe`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return true;
  } catch {
    return false;
  }
}

/** Deletes namespaces and links of bench runs whose process is gone. */
export function sweepStale(): void {
  const namespaces = ip('netns', 'list').split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const ns of namespaces) {
    const pid = new RegExp(`^${nsPrefix}(\\d+)-`).exec(ns)?.[1];
    if (pid !== undefined && !alive(Number(pid))) ipQuiet('netns', 'del', ns);
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const pid = new RegExp(`^\\d+: ${linkPrefix}(\\d+)[:@v]`).exec(line)?.[1];
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (pid !== undefined && name !== undefined && !alive(Number(pid))) ipQuiet('link', 'del', name);
  }
}

interface Member {
  readonly ns: string;
  /** The veth end in the root namespace, on the bridge. */
  readonly hostLink: string;
  readonly address: string;
}

export class NetnsNetwork {
  private readonly bridge = `${linkPrefix}${process.pid}`;
  private readonly members = new Map<string, Member>();
  private readonly subnet: string;
  private removed = false;
  private readonly onExit = (): void => this.remove();
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.remove();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };

  private constructor() {
    this.subnet = freeSubnet();
  }

  /** The bridge with its address; nodes are added with `join`. */
  static create(): NetnsNetwork {
    sweepStale();
    const n = new NetnsNetwork();
    process.once('exit', n.onExit);
    process.once('SIGINT', n.onSignal);
    process.once('SIGTERM', n.onSignal);
    try {
      ip('link', 'add', n.bridge, 'type', 'bridge');
      ip('addr', 'add', `${n.hostAddress}/24`, 'dev', n.bridge);
      ip('link', 'set', n.bridge, 'up');
    } catch (e) {
      n.remove();
      throw e;
    }
    return n;
  }

  /** The root namespace's address on the bridge: shared services listen here. */
  get hostAddress(): string {
    return `${this.subnet}.1`;
  }

  /** Makes node `id`'s namespace and link; answers the address its services listen on. */
  join(id: string): string {
    const i = this.members.size;
    const m: Member = { ns: `${nsPrefix}${process.pid}-${id}`, hostLink: `${this.bridge}v${i}`, address: `${this.subnet}.${10 + i}` };
    this.members.set(id, m);
    ip('netns', 'add', m.ns);
    ip('link', 'add', m.hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.ns);
    ip('link', 'set', m.hostLink, 'master', this.bridge);
    ip('link', 'set', m.hostLink, 'up');
    ip('-n', m.ns, 'addr', 'add', `${m.address}/24`, 'dev', 'eth0');
    ip('-n', m.ns, 'link', 'set', 'eth0', 'up');
    ip('-n', m.ns, 'link', 'set', 'lo', 'up');
    return m.address;
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  address(id: string): string {
    return this.member(id).address;
  }

  /** The command line that runs `command args` inside node `id`'s namespace. */
  wrap(id: string, command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.member(id).ns, command, ...args]];
  }

  cut(id: string): void {
    ip('link', 'set', this.member(id).hostLink, 'down');
  }

  heal(id: string): void {
    ip('link', 'set', this.member(id).hostLink, 'up');
  }

  /** Deletes every namespace (their veth pairs go with them) and the bridge. Safe to call twice. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    for (const m of this.members.values()) {
      ipQuiet('link', 'del', m.hostLink);
      ipQuiet('netns', 'del', m.ns);
    }
    ipQuiet('link', 'del', this.bridge);
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }

  /** Namespaces and links of this network that still exist (for tests of the cleanup). */
  leftovers(): string[] {
    const namespaces = ip('netns', 'list');
    const links = ip('-o', 'link', 'show');
    return [
      ...[...this.members.values()].map((m) => m.ns).filter((ns) => namespaces.includes(ns)),
      ...[this.bridge, ...[...this.members.values()].map((m) => m.hostLink)].filter((l) => links.includes(`: ${l}:`) || links.includes(`: ${l}@`)),
    ];
  }

  private member(id: string): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`node ${id} has no network namespace`);
    return m;
  }
}

/** A 10.x.y.0/24 that no interface of this machine uses yet. */
function freeSubnet(): string {
  const used = ip('-o', '-4', 'addr', 'show');
  for (;;) {
    const s = `10.${randomInt(200, 250)}.${randomInt(0, 256)}`;
    if (!used.includes(` ${s}.`)) return s;
  }
}
