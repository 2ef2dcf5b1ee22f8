/** Schema pieces that routes share. */
import { Type } from '@sinclair/typebox';

/**
 * An id chosen by a client inside a design (VM, disk, NIC, controller, busId): 0 to 2^63
 * inclusive. Values up to 2^53 arrive as numbers, larger ones as bigint (API.md).
 */
export const LocalId = Type.Union([
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  Type.BigInt({ minimum: 0n, maximum: 2n ** 63n }),
]);

/** A server-assigned id: below 2^53, always a number. */
export const ServerId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
