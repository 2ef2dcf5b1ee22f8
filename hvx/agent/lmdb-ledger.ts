/** The applied-command ledger on LMDB in the agent's data directory: it survives a restart. */
import { open, type RootDatabase } from 'lmdb';
import type { CommandResult } from '../protocol.ts';
import type { AppliedLedger } from './applied-ledger.ts';

export class LmdbLedger implements AppliedLedger {
  private constructor(private readonly db: RootDatabase<CommandResult, string>) {}

  static open(path: string): LmdbLedger {
    return new LmdbLedger(open<CommandResult, string>({ path, compression: false }));
  }

  async get(commandId: string): Promise<CommandResult | undefined> {
    return this.db.get(commandId);
  }

  async put(result: CommandResult): Promise<void> {
    await this.db.put(result.commandId, result);
    await this.db.flushed;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
