/**
 * Session and token secrets: random, shown to the client once, stored only as a SHA-256 hash.
 * A secret has 256 random bits, so a fast hash is enough (no brute force can reach it) and
 * lookups go straight by hash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface IssuedSecret {
  /** Goes to the client (cookie, token header); never stored. */
  readonly secret: string;
  /** Stored and looked up by. */
  readonly hash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export function newSecret(): IssuedSecret {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: hashSecret(secret) };
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A login session: who, since when, until when. Keyed by the secret's hash. */
export interface Session {
  readonly hash: string;
  readonly organizationId: number;
  readonly userId: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export const SESSION_TTL_MS = 12 * 3600 * 1000;

export function newSession(organizationId: number, userId: number, now: number, ttlMs = SESSION_TTL_MS): { session: Session; secret: string } {
  const s = newSecret();
  return { session: { hash: s.hash, organizationId, userId, createdAt: now, expiresAt: now + ttlMs }, secret: s.secret };
}

export function isSessionLive(session: Session, now: number): boolean {
  return now < session.expiresAt;
}
