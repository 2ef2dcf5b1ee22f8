/**
 * Operator credentials: long random tokens configured on the node (embedded mode makes one at
 * first start), sent in the same `X-Ephemeral-Token-Authorization` header as tenants' tokens.
 * They are told apart by their prefix, so a tenant token never reaches this check. Only their
 * SHA-256 is kept, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';

export const OPERATOR_TOKEN_PREFIX = 'rvop_';

export interface OperatorToken {
  /** Shown in logs and events as the operator's name. */
  readonly name: string;
  readonly token: string;
}

/** A new operator token: the prefix and 32 random bytes. */
export function newOperatorToken(): string {
  return `${OPERATOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function isOperatorToken(value: string): boolean {
  return value.startsWith(OPERATOR_TOKEN_PREFIX);
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class OperatorTokens {
  private readonly entries: readonly { readonly name: string; readonly hash: Buffer }[];

  constructor(tokens: readonly OperatorToken[]) {
    this.entries = tokens
      .filter((t) => isOperatorToken(t.token) && t.token.length >= OPERATOR_TOKEN_PREFIX.length + 32)
      .map((t) => ({ name: t.name, hash: digest(t.token) }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The operator a token belongs to, or undefined. Every entry is compared, match or not. */
  resolve(token: string): DomainPrincipal | undefined {
    const h = digest(token);
    let found: string | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.hash, h)) found ??= e.name;
    return found === undefined ? undefined : { kind: 'operator', name: found };
  }
}
