/**
 * The gateway's Authenticator over the ControlPlane: session cookies and ephemeral tokens are
 * resolved by the tenant's organization actor, Basic logins checked there. The principal it
 * answers carries the domain principal (`control`) beside the gateway's fields, so handlers pass
 * it to ControlPlane calls with `controlPrincipal(req.principal)`.
 */
import { match } from 'ts-pattern';
import { RavelError } from '../../core/errors.ts';
import type { Subscription } from '../../bus/bus.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import type { BasicCredentials, Principal } from '../http/route.ts';
import type { Authenticator, LoginResult } from './authenticator.ts';
import type { CredentialInvalidations, InvalidationTarget } from './credential-invalidation.ts';
import { isOperatorToken, OperatorTokens } from './operator-tokens.ts';
import { PrincipalCache } from './principal-cache.ts';

/** A gateway principal with the domain principal it was resolved from. */
export interface ControlPrincipal extends Principal {
  readonly control: DomainPrincipal;
}

function toGateway(p: DomainPrincipal, via: Principal['via']): ControlPrincipal {
  return match(p)
    .with({ kind: 'user' }, (u) => ({ id: `user-${u.organizationId}-${u.userId}`, tenantId: String(u.organizationId), operator: false, via, control: p }))
    .with({ kind: 'token' }, (t) => ({ id: `token-${t.organizationId}-${t.tokenId}`, tenantId: String(t.organizationId), operator: false, via, control: p }))
    .with({ kind: 'operator' }, (o) => ({ id: `operator-${o.name}`, tenantId: 'operators', operator: true, via, control: p }))
    .with({ kind: 'system' }, () => ({ id: 'system', tenantId: 'system', operator: true, via, control: p }))
    .exhaustive();
}

/** The domain principal behind a gateway principal; UNAUTHENTICATED if it did not come from here. */
export function controlPrincipal(p: Principal | undefined): DomainPrincipal {
  const c = (p as Partial<ControlPrincipal> | undefined)?.control;
  if (c === undefined) throw new RavelError('UNAUTHENTICATED', 'log in or send a token');
  return c;
}

/** The ControlPlane calls an authenticator makes: the seam, narrow enough to stub in a test. */
export type CredentialControl = Pick<ControlPlane, 'resolveSession' | 'resolveToken' | 'login' | 'logout'>;

export class ControlAuthenticator implements Authenticator, InvalidationTarget {
  private readonly sessions: PrincipalCache<ControlPrincipal>;
  private readonly tokens: PrincipalCache<ControlPrincipal>;

  constructor(
    private readonly control: CredentialControl,
    private readonly now: () => number,
    /** Operator credentials (`rvop_...` tokens); none by default, so no operator can call in. */
    private readonly operators: OperatorTokens = new OperatorTokens([]),
    /** How long a resolved session or token is trusted without asking again (see principal-cache.ts); 0: never. */
    cacheTtlMs = 1000,
    /** Tells the other gateways what this one drops, and hears theirs (credential-invalidation.ts); none: this gateway alone. */
    private readonly invalidations?: CredentialInvalidations,
  ) {
    this.sessions = new PrincipalCache(now, cacheTtlMs);
    this.tokens = new PrincipalCache(now, cacheTtlMs);
  }

  peekSession(cookieValue: string): Principal | undefined {
    return this.sessions.get(cookieValue);
  }

  async fromSession(cookieValue: string): Promise<Principal | undefined> {
    return this.sessions.get(cookieValue) ?? this.ask(this.sessions, cookieValue, 'session', (v) => this.control.resolveSession(v));
  }

  peekToken(headerValue: string): Principal | undefined {
    return this.tokens.get(headerValue.trim());
  }

  async fromToken(headerValue: string): Promise<Principal | undefined> {
    const value = headerValue.trim();
    if (isOperatorToken(value)) {
      const op = this.operators.resolve(value);
      return op === undefined ? undefined : toGateway(op, 'token');
    }
    return this.tokens.get(value) ?? this.ask(this.tokens, value, 'token', (v) => this.control.resolveToken(v));
  }

  /** Asks the control plane and caches a positive answer, unless something was dropped meanwhile. */
  private async ask(
    cache: PrincipalCache<ControlPrincipal>,
    key: string,
    via: Principal['via'],
    resolve: (key: string) => Promise<DomainPrincipal | undefined>,
  ): Promise<ControlPrincipal | undefined> {
    const generation = cache.generation;
    const p = await resolve(key);
    if (p === undefined) return undefined;
    const principal = toGateway(p, via);
    cache.set(key, principal, generation);
    return principal;
  }

  async login(credentials: BasicCredentials): Promise<LoginResult | undefined> {
    const r = await this.control.login(credentials.username, credentials.password);
    if (r === undefined) return undefined;
    return {
      principal: toGateway(r.principal, 'session'),
      sessionId: r.sessionId,
      expiresInSeconds: Math.max(1, Math.floor((r.expiresAt - this.now()) / 1000)),
      user: r.user,
    };
  }

  /**
   * After a credential-changing call (dispatch, `changesCredentials`): a tenant's user can only
   * change its own organization's credentials, so every gateway drops that organization's
   * entries; an operator's call (any organization) drops everything.
   */
  invalidate(by?: Principal): void {
    const org = by === undefined || by.operator ? undefined : Number(by.tenantId);
    if (org === undefined || !Number.isSafeInteger(org)) {
      this.dropAll();
      this.invalidations?.announce(undefined);
      return;
    }
    this.dropOrganization(org);
    this.invalidations?.announce(org);
  }

  async logout(cookieValue: string): Promise<void> {
    const cached = this.sessions.get(cookieValue)?.control;
    this.sessions.delete(cookieValue);
    await this.control.logout(cookieValue);
    // Again once the session is gone: a lookup that began in between read it still live.
    this.sessions.delete(cookieValue);
    for (const l of this.droppedListeners) l(cached?.kind === 'user' ? cached.organizationId : undefined);
    // The cookie itself never goes on the bus: the others drop the organization's entries (all
    // of them when this gateway had not resolved the session, so does not know its organization).
    this.invalidations?.announce(cached?.kind === 'user' ? cached.organizationId : undefined);
  }

  /** Starts hearing the other gateways' drops; stop with the subscription's unsubscribe. */
  listen(): Subscription | undefined {
    return this.invalidations?.listen(this);
  }

  dropOrganization(organizationId: number): void {
    this.sessions.dropOrganization(organizationId);
    this.tokens.dropOrganization(organizationId);
    for (const l of this.droppedListeners) l(organizationId);
  }

  dropAll(): void {
    this.sessions.clear();
    this.tokens.clear();
    for (const l of this.droppedListeners) l(undefined);
  }

  private readonly droppedListeners = new Set<(organizationId: number | undefined) => void>();

  /** Told after every drop (live sockets re-check their credentials, gateway/live/live-credentials.ts). */
  onCredentialsDropped(listener: (organizationId: number | undefined) => void): () => void {
    this.droppedListeners.add(listener);
    return () => this.droppedListeners.delete(listener);
  }
}
