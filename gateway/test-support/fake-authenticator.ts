/** An Authenticator for tests: fixed users, sessions and tokens in maps, calls counted. */
import type { Authenticator, LoginResult } from '../auth/authenticator.ts';
import type { BasicCredentials, Principal } from '../http/route.ts';

export const alice: Principal = {
  id: 'user-alice',
  tenantId: 'org-1',
  operator: false,
  via: 'session',
};
export const bob: Principal = {
  id: 'user-bob',
  tenantId: 'org-2',
  operator: false,
  via: 'session',
};
export const operator: Principal = {
  id: 'op-1',
  tenantId: 'operators',
  operator: true,
  via: 'session',
};

const passwords = new Map<string, [string, Principal]>([
  ['alice', ['alice-pw', alice]],
  ['bob', ['bob-pw', bob]],
  ['op', ['op-pw', operator]],
]);

export class FakeAuthenticator implements Authenticator {
  readonly sessions = new Map<string, Principal>();
  readonly tokens = new Map<string, Principal>();
  calls = 0;
  private next = 1;

  async fromSession(cookieValue: string): Promise<Principal | undefined> {
    this.calls++;
    return this.sessions.get(cookieValue);
  }

  async fromToken(headerValue: string): Promise<Principal | undefined> {
    this.calls++;
    return this.tokens.get(headerValue);
  }

  async login(c: BasicCredentials): Promise<LoginResult | undefined> {
    this.calls++;
    const entry = passwords.get(c.username);
    if (entry === undefined || entry[0] !== c.password) return undefined;
    const sessionId = `s${this.next++}x${Math.random().toString(36).slice(2)}`;
    this.sessions.set(sessionId, entry[1]);
    return {
      principal: entry[1],
      sessionId,
      expiresInSeconds: 3600,
      user: { name: c.username, organization: entry[1].tenantId },
    };
  }

  async logout(cookieValue: string): Promise<void> {
    this.sessions.delete(cookieValue);
  }

  /** A session as if logged in, for tests that skip /login. */
  session(p: Principal): string {
    const id = `direct-${this.next++}`;
    this.sessions.set(id, p);
    return id;
  }

  token(p: Principal): string {
    const id = `tok-${this.next++}`;
    this.tokens.set(id, { ...p, via: 'token' });
    return id;
  }
}
