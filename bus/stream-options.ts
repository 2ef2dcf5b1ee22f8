/** Checks of stream and work-queue options, shared by both buses so they refuse alike. */
import { RavelError } from '../core/errors.ts';
import type { StreamConfig, WorkQueueOptions } from './bus.ts';
import { checkName, checkSubject } from './subject.ts';

export function checkStreamConfig(config: StreamConfig): void {
  checkName(config.name, 'stream');
  if (config.subjects.length === 0) throw bad(`stream ${config.name} captures no subject`);
  for (const s of config.subjects) checkSubject(s, true);
  if (config.retention !== 'limits' && config.retention !== 'workqueue') {
    throw bad(`stream ${config.name}: retention must be limits or workqueue`);
  }
  positive(config.replicas, 'replicas');
  positive(config.maxAgeMs, 'maxAgeMs');
  positive(config.maxMessages, 'maxMessages');
  positive(config.maxBytes, 'maxBytes');
  positive(config.duplicateWindowMs, 'duplicateWindowMs');
}

export function checkWorkQueueOptions(options: WorkQueueOptions): void {
  checkName(options.consumer, 'consumer');
  if (options.filterSubject !== undefined) checkSubject(options.filterSubject, true);
  positive(options.ackWaitMs, 'ackWaitMs');
  positive(options.maxDeliver, 'maxDeliver');
  positive(options.maxInFlight, 'maxInFlight');
}

function positive(v: number | undefined, what: string): void {
  if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) throw bad(`${what} must be a positive integer, got ${v}`);
}

function bad(message: string): RavelError {
  return new RavelError('INVALID_ARGUMENT', message);
}
