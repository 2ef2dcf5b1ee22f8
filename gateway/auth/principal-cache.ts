/**
 * A short-lived cache of resolved credentials (session cookie or token to principal), so the
 * REST read path asks the organization actor once a second per session rather than once per
 * request. The price is bounded and stated: a session ended or a user disabled on another
 * gateway is still honoured here for at most `ttlMs` (a logout through this gateway takes
 * effect at once); a token is never honoured past its own expiry. Negative answers are not
 * cached, so a fresh login works at once. Memory is bounded: past `maxEntries` the oldest go.
 */
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';

interface Entry {
  readonly principal: DomainPrincipal;
  readonly until: number;
}

export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 1000,
    private readonly maxEntries = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): DomainPrincipal | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.principal;
  }

  set(key: string, principal: DomainPrincipal): void {
    if (this.ttlMs <= 0) return;
    const now = this.now();
    const until = principal.kind === 'token' ? Math.min(now + this.ttlMs, principal.expiresAt) : now + this.ttlMs;
    if (until <= now) return;
    this.entries.delete(key); // re-inserted at the young end
    this.entries.set(key, { principal, until });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
