/**
 * The commands an agent has applied, by id, with their results: a command delivered again (a
 * redelivery after a crash, or the control plane retrying) is answered from here and not
 * applied twice. `MemoryLedger` lives as long as the process; `LmdbLedger` (lmdb-ledger.ts)
 * survives a restart of the agent.
 */
import type { CommandResult } from '../protocol.ts';

export interface AppliedLedger {
  get(commandId: string): Promise<CommandResult | undefined>;
  /** Durable when it resolves. */
  put(result: CommandResult): Promise<void>;
  close(): Promise<void>;
}

/** Keeps the newest `max` results (default 10,000). */
export class MemoryLedger implements AppliedLedger {
  private readonly results = new Map<string, CommandResult>();

  constructor(private readonly max = 10_000) {}

  async get(commandId: string): Promise<CommandResult | undefined> {
    return this.results.get(commandId);
  }

  async put(result: CommandResult): Promise<void> {
    this.results.set(result.commandId, result);
    if (this.results.size > this.max) {
      const oldest = this.results.keys().next();
      if (oldest.done !== true) this.results.delete(oldest.value);
    }
  }

  get size(): number {
    return this.results.size;
  }

  async close(): Promise<void> {}
}
