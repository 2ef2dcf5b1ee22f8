/**
 * Session and token credentials as clients hold them: `<organizationId>.<secret>`. The
 * organization part routes the lookup to one actor without scanning; the secret is random and
 * only its hash is stored (domain/tenancy/secrets.ts).
 */
import { hashSecret } from '../domain/tenancy/secrets.ts';

export function composeCredential(organizationId: number, secret: string): string {
  return `${organizationId}.${secret}`;
}

/** The organization and the secret's hash, or undefined for anything malformed. */
export function parseCredential(value: string): { organizationId: number; hash: string } | undefined {
  const m = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{16,128})$/.exec(value);
  if (m === null) return undefined;
  const organizationId = Number(m[1]);
  if (!Number.isSafeInteger(organizationId)) return undefined;
  return { organizationId, hash: hashSecret(m[2]!) };
}
