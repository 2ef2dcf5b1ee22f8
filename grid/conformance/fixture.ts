/** What the Grid conformance suite needs from each implementation's test file. */
import type { TestContext } from 'node:test';
import type { Grid } from '../grid.ts';

/** A fresh grid for one test, and how the suite moves its time. */
export interface GridFixture {
  readonly grid: Grid;
  /** Another client of the same cluster (for the embedded grid: another handle on its state). */
  peer(): Promise<Grid>;
  /** Lets this much grid time pass: a ManualClock moves, real members make the test wait. */
  elapse(ms: number): Promise<void>;
  /** The TTL the expiry tests write with (real members count TTL in whole seconds). */
  readonly ttlMs: number;
  /** How long past a TTL an entry may still be seen (the grid's documented lateness). */
  readonly expiryLatenessMs: number;
  /** The longest real time to wait for a listener to hear of a change. */
  readonly eventWaitMs: number;
  /** Closes the grid, any peers, and whatever else the fixture holds. */
  close(): Promise<void>;
}

/**
 * Makes the fixture for one test. A setup that cannot run here (no Hazelcast installed) skips
 * the test through `t` and answers undefined.
 */
export type GridSetup = (t: TestContext) => Promise<GridFixture | undefined>;
