/**
 * A short-lived cache of resolved credentials (session cookie or token to principal), so the
 * REST read path asks the organization actor once a second per session rather than once per
 * request, and a hit costs one map lookup with no await. The price is bounded and stated: a
 * session ended or a user disabled on another gateway is still honoured here for at most
 * `ttlMs`; through this gateway a logout, a disable or a permission change takes effect at once
 * (`delete`, `clear`), and on the others as soon as credential-invalidation.ts's message arrives
 * (`dropOrganization`, `clear`). A token is never honoured past its own expiry. Negative answers are not
 * cached, so a fresh login works at once. Memory is bounded: past `maxEntries` the oldest go.
 *
 * A lookup that was already under way when an entry was dropped must not put back what it
 * read before the drop (a logout racing a request of the same session would otherwise be
 * undone for a whole TTL): callers take `generation` before asking and pass it to `set`, which
 * stores nothing once anything was dropped since.
 */
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';

interface Entry<T> {
  readonly value: T;
  readonly until: number;
}

export class PrincipalCache<T extends { readonly control: DomainPrincipal }> {
  private readonly entries = new Map<string, Entry<T>>();
  private dropped = 0;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 1000,
    private readonly maxEntries = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Changes whenever an entry is dropped on purpose (delete, clear). */
  get generation(): number {
    return this.dropped;
  }

  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** `generation`: this.generation as it was before the lookup that produced `value` started. */
  set(key: string, value: T, generation: number): void {
    if (this.ttlMs <= 0 || generation !== this.dropped) return;
    const now = this.now();
    const p = value.control;
    const until = p.kind === 'token' ? Math.min(now + this.ttlMs, p.expiresAt) : now + this.ttlMs;
    if (until <= now) return;
    this.entries.delete(key); // re-inserted at the young end
    this.entries.set(key, { value, until });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.dropped++;
    this.entries.delete(key);
  }

  /** Drops every entry of one organization (its users' sessions and its tokens). */
  dropOrganization(organizationId: number): void {
    this.dropped++;
    for (const [key, e] of this.entries) {
      const p = e.value.control;
      if ((p.kind === 'user' || p.kind === 'token') && p.organizationId === organizationId) this.entries.delete(key);
    }
  }

  clear(): void {
    this.dropped++;
    this.entries.clear();
  }
}
