/** A raw Hazelcast map through `hazelcast-client` (no Ravel code): what a grid write costs. */
import { Client } from 'hazelcast-client';

export interface RawHazelcastMap {
  set(key: string, value: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  close(): Promise<void>;
}

export async function rawHazelcastMap(members: readonly string[], clusterName: string, map: string): Promise<RawHazelcastMap> {
  const client = await Client.newHazelcastClient({
    clusterName,
    network: { clusterMembers: [...members] },
    properties: { 'hazelcast.logging.level': 'OFF' },
  });
  const m = await client.getMap<string, Buffer>(map);
  return {
    set: async (key, value) => void (await m.set(key, value)),
    get: (key) => m.get(key),
    close: () => client.shutdown(),
  };
}
