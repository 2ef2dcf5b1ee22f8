/**
 * The seam between the gateway and whoever knows users, sessions and tokens (the domain).
 * The gateway calls it before any handler runs; a fake implements it in tests.
 */
import type { BasicCredentials, Principal } from '../http/route.ts';

export type { BasicCredentials, Principal };

/** What a successful login yields. */
export interface LoginResult {
  readonly principal: Principal;
  /** The session secret to put in the cookie; random, and stored hashed by the implementation. */
  readonly sessionId: string;
  /** Cookie lifetime; a session cookie (no Max-Age) when absent. */
  readonly expiresInSeconds?: number;
  /** The user's info, the body of the login answer (the SDK keeps it as `user_info`). */
  readonly user: unknown;
}

export interface Authenticator {
  /** The principal of a live session, or undefined when unknown or expired (answered 401). */
  fromSession(cookieValue: string): Promise<Principal | undefined>;
  /**
   * The principal of a session (or token) resolved a moment ago and still trusted, answered
   * without waiting; undefined means "ask fromSession (fromToken)", not "unknown". Optional:
   * the read path's fast lane, so that a cached credential costs no promise.
   */
  peekSession?(cookieValue: string): Principal | undefined;
  peekToken?(headerValue: string): Principal | undefined;
  /** The principal of an `X-Ephemeral-Token-Authorization` value, or undefined (401). */
  fromToken(headerValue: string): Promise<Principal | undefined>;
  /** Checks Basic credentials (`domain/username` allowed); undefined when wrong (401). */
  login(credentials: BasicCredentials): Promise<LoginResult | undefined>;
  /** Ends a session; unknown sessions are ignored. */
  logout(cookieValue: string): Promise<void>;
  /**
   * Forget the principals resolved so far of the caller's organization (after a call that changed
   * credentials or permissions): all of them when the caller is an operator or unknown.
   */
  invalidate?(by?: Principal): void;
  /**
   * Calls `listener` after cached credentials were dropped (an organization's, or all:
   * undefined), here or announced by another gateway; returns the unsubscribe. Optional: live
   * sockets re-check their credentials then, and otherwise only on their periodic sweep.
   */
  onCredentialsDropped?(listener: (organizationId: number | undefined) => void): () => void;
}
