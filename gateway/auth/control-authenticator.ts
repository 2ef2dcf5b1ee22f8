/**
 * The gateway's Authenticator over the ControlPlane: session cookies and ephemeral tokens are
 * resolved by the tenant's organization actor, Basic logins checked there. The principal it
 * answers carries the domain principal (`control`) beside the gateway's fields, so handlers pass
 * it to ControlPlane calls with `controlPrincipal(req.principal)`.
 */
import { match } from 'ts-pattern';
import { RavelError } from '../../core/errors.ts';
import type { ControlPlane } from '../../control/control-plane.ts';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import type { BasicCredentials, Principal } from '../http/route.ts';
import type { Authenticator, LoginResult } from './authenticator.ts';
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

export class ControlAuthenticator implements Authenticator {
  private readonly cache: PrincipalCache;

  constructor(
    private readonly control: ControlPlane,
    private readonly now: () => number,
    /** Operator credentials (`rvop_...` tokens); none by default, so no operator can call in. */
    private readonly operators: OperatorTokens = new OperatorTokens([]),
    /** How long a resolved session or token is trusted without asking again (see principal-cache.ts); 0: never. */
    cacheTtlMs = 1000,
  ) {
    this.cache = new PrincipalCache(now, cacheTtlMs);
  }

  async fromSession(cookieValue: string): Promise<Principal | undefined> {
    const key = `s ${cookieValue}`;
    let p = this.cache.get(key);
    if (p === undefined) {
      p = await this.control.resolveSession(cookieValue);
      if (p !== undefined) this.cache.set(key, p);
    }
    return p === undefined ? undefined : toGateway(p, 'session');
  }

  async fromToken(headerValue: string): Promise<Principal | undefined> {
    const value = headerValue.trim();
    if (isOperatorToken(value)) {
      const op = this.operators.resolve(value);
      return op === undefined ? undefined : toGateway(op, 'token');
    }
    const key = `t ${value}`;
    let p = this.cache.get(key);
    if (p === undefined) {
      p = await this.control.resolveToken(value);
      if (p !== undefined) this.cache.set(key, p);
    }
    return p === undefined ? undefined : toGateway(p, 'token');
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

  invalidate(): void {
    this.cache.clear();
  }

  async logout(cookieValue: string): Promise<void> {
    this.cache.delete(`s ${cookieValue}`);
    await this.control.logout(cookieValue);
  }
}
