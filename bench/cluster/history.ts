/**
 * The history the load generators record, one JSON object a line: an `invoke` when an
 * operation is sent and its completion (`ok`, `fail` when it certainly did not take effect,
 * `info` when it may have: a timeout, a dropped connection, a 5xx), with times and error codes.
 * `violation` lines are what a client saw that it must never see (another tenant's object or
 * event). The checker reads only this and the final state.
 */
import { readFileSync } from 'node:fs';

export type Outcome = 'ok' | 'fail' | 'info';

export type OpName =
  | 'create'
  | 'publish'
  | 'start'
  | 'stop'
  | 'expire'
  | 'delete'
  | 'list'
  | 'get'
  | 'deployment'
  | 'organization'
  | 'probe-other'
  | 'upload'
  | 'delete-upload'
  | 'ws-connect';

export interface Invoke {
  readonly type: 'invoke';
  readonly id: string;
  readonly op: OpName;
  readonly tenant: string;
  readonly at: number;
  readonly app?: number;
  readonly name?: string;
  readonly gateway: string;
}

export interface Completion {
  readonly type: Outcome;
  readonly id: string;
  readonly op: OpName;
  readonly tenant: string;
  readonly at: number;
  readonly ms: number;
  readonly app?: number;
  readonly name?: string;
  readonly status?: number;
  readonly code?: string;
  /** expire: when the application should stop by itself (epoch ms). */
  readonly expiresAt?: number;
  /** upload: the disk image made, its SHA-256, and the gateway (whose node stores it); delete-upload: the disk image deleted. */
  readonly image?: string;
  readonly sha256?: string;
  readonly gateway?: string;
}

export interface Violation {
  readonly type: 'violation';
  readonly tenant: string;
  readonly at: number;
  readonly rule: 'tenant-isolation';
  readonly detail: string;
}

/** A live client's count of events in one second, for the plots. */
export interface LiveTick {
  readonly type: 'live';
  readonly tenant: string;
  readonly at: number;
  readonly events: number;
}

export type HistoryLine = Invoke | Completion | Violation | LiveTick;

export function readHistory(files: readonly string[]): HistoryLine[] {
  const out: HistoryLine[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as HistoryLine);
      } catch {
        // A process killed mid-line leaves a partial last line.
      }
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

export const isCompletion = (l: HistoryLine): l is Completion => l.type === 'ok' || l.type === 'fail' || l.type === 'info';

/** Operations that change what exists or its state (the rest only read). */
/** Disk images whose delete may have happened (acknowledged or indeterminate): no longer read back as kept. */
export function maybeDeletedUploads(history: readonly HistoryLine[]): Set<string | undefined> {
  const out = new Set<string | undefined>();
  for (const l of history) if (isCompletion(l) && l.op === 'delete-upload' && l.type !== 'fail') out.add(l.image);
  return out;
}

export const writeOps: ReadonlySet<OpName> = new Set(['create', 'publish', 'start', 'stop', 'expire', 'delete', 'upload', 'delete-upload']);

/** What a workload running inside a load-generator process is given. */
export interface WorkloadContext {
  readonly tenants: ReadonlyArray<{ readonly name: string; readonly login: string; readonly password: string; readonly organizationId: number }>;
  readonly gateways: readonly string[];
  /** Clients (live) or workers (uploads) per tenant. */
  readonly concurrency: number;
  readonly deadline: number;
  readonly record: (l: HistoryLine) => void;
  readonly proc: string;
}
