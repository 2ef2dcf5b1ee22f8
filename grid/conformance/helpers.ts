/** Small helpers shared by the Grid conformance cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isRavelError, type ErrorCode } from '../../core/errors.ts';
import type { GridFixture, GridSetup } from './fixture.ts';

/** A map or sequence name no other test uses, so tests can share one cluster. */
export function uniqueName(what: string): string {
  return `${what}-${randomBytes(6).toString('hex')}`;
}

/** One test with a fresh fixture, closed afterwards whatever happens. */
export function gridTest(name: string, setup: GridSetup, body: (fx: GridFixture) => Promise<void>): void {
  test(name, async (t) => {
    const fx = await setup(t);
    if (fx === undefined) return;
    try {
      await body(fx);
    } finally {
      await fx.close();
    }
  });
}

export async function rejectsWith(p: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  const run = typeof p === 'function' ? async () => p() : p;
  await assert.rejects(run, (e: unknown) => {
    assert.ok(isRavelError(e, code), `expected ${code}, got ${String(e)}`);
    return true;
  });
}

/** Waits (in real time, bounded) until `done` holds; listeners deliver asynchronously. */
export async function eventually(what: string, done: () => boolean, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`${what}: not seen within ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
