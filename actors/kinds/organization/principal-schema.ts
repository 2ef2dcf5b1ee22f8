/**
 * The domain's Principal as a schema, so that every message carrying one is checked at the
 * actor's boundary like any other field (a principal from another process is input too).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Name, ServerId } from '../../../domain/schemas/common.ts';
import { Permission, Role } from '../../../domain/schemas/organization.ts';
import type { Principal } from '../../../domain/tenancy/principal.ts';

export const PrincipalSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('user'),
    organizationId: ServerId,
    userId: ServerId,
    roles: Type.Array(Role, { maxItems: 3 }),
    groupPermissions: Type.Array(Permission, { maxItems: 1024 }),
  }),
  Type.Object({
    kind: Type.Literal('token'),
    organizationId: ServerId,
    tokenId: ServerId,
    permissions: Type.Array(Permission, { maxItems: 64 }),
    expiresAt: Type.Integer({ minimum: 0 }),
  }),
  Type.Object({ kind: Type.Literal('operator'), name: Name }),
  Type.Object({ kind: Type.Literal('system') }),
]);

// The schema and the domain type must stay the same shape: this fails to compile if they drift.
const _sameShape: (p: Static<typeof PrincipalSchema>) => Principal = (p) => p;
void _sameShape;
