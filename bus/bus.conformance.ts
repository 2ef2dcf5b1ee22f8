/**
 * The one Bus conformance suite. Every implementation runs it, the NATS one against a real
 * server: `busConformance('embedded', setup)` where `setup` makes a fresh BusFixture per case.
 */
import { describe } from 'node:test';
import { coreCases } from './conformance/core.case.ts';
import type { FixtureFactory } from './conformance/fixture.ts';
import { kvCases } from './conformance/kv.case.ts';
import { lifecycleCases } from './conformance/lifecycle.case.ts';
import { streamCases } from './conformance/streams.case.ts';
import { workQueueCases } from './conformance/work-queue.case.ts';

export type { BusFixture, FixtureFactory } from './conformance/fixture.ts';

export function busConformance(name: string, setup: FixtureFactory): void {
  describe(`Bus conformance: ${name}`, () => {
    describe('core messaging', () => coreCases(setup));
    describe('streams', () => streamCases(setup));
    describe('work queues', () => workQueueCases(setup));
    describe('key-value', () => kvCases(setup));
    describe('lifecycle', () => lifecycleCases(setup));
  });
}
