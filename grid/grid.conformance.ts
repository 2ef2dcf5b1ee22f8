/**
 * The one conformance suite of the Grid seam. Every implementation runs it: the embedded grid
 * on a ManualClock, Hazelcast against real members.
 *
 *   gridConformance('EmbeddedGrid', async () => ({ grid, peer, elapse, ... }));
 *
 * Tests use map and sequence names unique to themselves, so one cluster can serve them all.
 */
import { describe } from 'node:test';
import type { GridFixture, GridSetup } from './conformance/fixture.ts';
import { mapCases } from './conformance/map-cases.ts';
import { casCases } from './conformance/cas-cases.ts';
import { ttlCases } from './conformance/ttl-cases.ts';
import { listenCases } from './conformance/listen-cases.ts';
import { idCases } from './conformance/id-cases.ts';

export type { GridFixture, GridSetup };

export function gridConformance(name: string, setup: GridSetup): void {
  describe(`Grid conformance: ${name}`, () => {
    mapCases(setup);
    casCases(setup);
    ttlCases(setup);
    listenCases(setup);
    idCases(setup);
  });
}
