import { after } from 'node:test';
import { needs, missingNats } from '../../test/harness/requirements.ts';
import { startNats, type NatsServers } from '../../test/harness/nats.ts';
import { busConformance, type BusFixture } from '../bus.conformance.ts';
import { NatsBus } from './nats-bus.ts';

let shared: Promise<NatsServers> | undefined;
/** One server for the whole file, started on first use. */
export function sharedServer(): Promise<NatsServers> {
  shared ??= startNats();
  return shared;
}
after(async () => {
  if (shared !== undefined) await (await shared).stop();
});

busConformance('nats', async (t): Promise<BusFixture | undefined> => {
  if (!needs(t, missingNats())) return undefined;
  const { urls } = await sharedServer();
  const open = (): Promise<NatsBus> => NatsBus.connect({ servers: [...urls], replicas: 1, callTimeoutMs: 3000 });
  let bus = await open();
  return {
    get bus() {
      return bus;
    },
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    async reopen() {
      await bus.close();
      bus = await open();
      return bus;
    },
    async teardown() {
      await bus.close();
    },
  };
});
