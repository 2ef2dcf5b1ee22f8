/** What each implementation gives the shared Bus conformance suite, and helpers for the cases. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { isRavelError, type ErrorCode } from '../../core/errors.ts';
import type { Bus, BusMessage, Subscription } from '../bus.ts';

export interface BusFixture {
  readonly bus: Bus;
  /** Moves the bus's time on: a ManualClock (embedded) or real time (NATS). */
  advance(ms: number): Promise<void>;
  /** Closes `bus` and opens a new one on the same durable state. */
  reopen(): Promise<Bus>;
  /** Closes whatever is open and removes what the fixture made. */
  teardown(): Promise<void>;
}

/** Makes a fresh fixture for one case, or answers undefined when the case was skipped on `t`. */
export type FixtureFactory = (t: TestContext) => Promise<BusFixture | undefined>;

/** Unique names per test, so tests sharing a server never see each other's subjects or streams. */
export function uniq(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Polls (real time, bounded) until `cond` holds; I/O such as fsync needs real time. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Real time passes, bounded and short: to show that something did not happen. */
export function settle(ms = 100): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function hasCode(code: ErrorCode): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isRavelError(e), `expected RavelError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return true;
  };
}

/** Collects messages on a subscription. */
export function collect(bus: Bus, subject: string, queue?: string): { msgs: BusMessage[]; sub: Subscription } {
  const msgs: BusMessage[] = [];
  const sub = bus.subscribe(subject, (m) => void msgs.push(m), queue === undefined ? {} : { queue });
  return { msgs, sub };
}

/** Runs a case on a fresh fixture and always tears it down. */
export function withFixture(setup: FixtureFactory, fn: (fx: BusFixture) => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    const fx = await setup(t);
    if (fx === undefined) return;
    try {
      await fn(fx);
    } finally {
      await fx.teardown();
    }
  };
}

/** Like waitFor, for conditions that must ask the bus. */
export async function eventually(what: string, cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
