/**
 * Live sockets whose credential stopped resolving are closed with 4001 "credentials revoked".
 * The upgrade checks the session or token once; afterwards a logout, a disabled user or a
 * deleted token would otherwise leave the socket receiving events. Two triggers:
 * - the authenticator's drops (logout or a credential change here, or another gateway's
 *   `ravel.auth.credentials-changed`): that organization's sockets (all on a drop of all) are
 *   re-checked at once, after the drop, so the answer is fresh;
 * - a sweep every `intervalMs` (30 s) on the clock, so a lost message leaves a socket open at
 *   most that long plus the credential cache's 1 s TTL.
 * Work is bounded: one resolution per distinct credential per pass, at most `concurrency` at a
 * time. A transient failure (the control plane unreachable) closes nothing: only an answer
 * "unknown or expired", or a principal of another identity, does. The same principal with other
 * permissions (a role or permission group changed) keeps its socket, refiltered: the hub sends
 * each subscription a fresh snapshot as the principal may see it now.
 */
import { isDeepStrictEqual } from 'node:util';
import { RavelError } from '../../core/errors.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../http/route.ts';
import { resolvePrincipal } from '../auth/credentials.ts';
import type { LiveConnection } from './live-events.ts';

/** An open client as the re-check sees it. */
export interface LiveSocket {
  readonly conn: LiveConnection;
  /** Closes it with 4001. */
  revoke(): void;
  /** Its principal has other permissions now: filter what it gets anew. */
  refilter(principal: Principal): void;
}

export interface LiveSockets {
  /** The open clients whose principal belongs to one organization, or all. */
  connections(tenantId: string | undefined): LiveSocket[];
}

export class LiveCredentialCheck {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly deps: {
      readonly sockets: LiveSockets;
      readonly authenticator: Authenticator;
      readonly clock: Clock;
      readonly log: Logger;
      readonly intervalMs?: number;
      readonly concurrency?: number;
    },
  ) {}

  start(): void {
    const interval = this.deps.intervalMs ?? 30_000;
    const tick = (): void => {
      this.timer = this.deps.clock.setTimeout(() => {
        void this.recheck(undefined).finally(() => {
          if (!this.stopped) tick();
        });
      }, interval);
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
  }

  /** Re-resolves the credentials of a tenant's sockets (all: undefined) and closes the revoked. */
  async recheck(tenantId: string | undefined): Promise<void> {
    const byCredential = new Map<string, LiveSocket[]>();
    for (const c of this.deps.sockets.connections(tenantId)) {
      const key = JSON.stringify(c.conn.credentials);
      const list = byCredential.get(key);
      if (list === undefined) byCredential.set(key, [c]);
      else list.push(c);
    }
    const work = [...byCredential.values()];
    const worker = async (): Promise<void> => {
      for (let group = work.pop(); group !== undefined; group = work.pop()) {
        const first = group[0];
        if (first === undefined) continue;
        const verdict = await this.still(first.conn);
        if (verdict === 'revoked') for (const c of group) c.revoke();
        else if (verdict !== 'unknown') for (const c of group) if (!isDeepStrictEqual(c.conn.principal, verdict)) c.refilter(verdict);
      }
    };
    await Promise.all(Array.from({ length: this.deps.concurrency ?? 8 }, worker));
  }

  /** The principal the credential resolves to now, if it is the same identity. */
  private async still(conn: LiveConnection): Promise<Principal | 'revoked' | 'unknown'> {
    try {
      const p = await resolvePrincipal(this.deps.authenticator, conn.credentials, 'session-or-token');
      return p !== undefined && p.id === conn.principal.id && p.tenantId === conn.principal.tenantId ? p : 'revoked';
    } catch (err) {
      if (err instanceof RavelError && err.code === 'UNAUTHENTICATED') return 'revoked';
      this.deps.log.warn({ err }, 'live credential re-check failed; the socket stays open until the next');
      return 'unknown';
    }
  }
}
