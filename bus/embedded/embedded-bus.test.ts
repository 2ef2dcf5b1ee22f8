import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { busConformance, type BusFixture } from '../bus.conformance.ts';
import { EmbeddedBus } from './embedded-bus.ts';

busConformance('embedded', async (): Promise<BusFixture> => {
  const dir = mkdtempSync(join(tmpdir(), 'ravel-bus-'));
  const clock = new ManualClock();
  let bus = new EmbeddedBus({ dir, clock });
  return {
    get bus() {
      return bus;
    },
    advance: (ms) => clock.advance(ms),
    async reopen() {
      await bus.close();
      bus = new EmbeddedBus({ dir, clock });
      return bus;
    },
    async teardown() {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
