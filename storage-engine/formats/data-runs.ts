/**
 * Data mappings (upload offset -> logical offset) found in a table, merged into runs where
 * both sides continue, and claimed as streamed ranges that go straight to the sink. Merging
 * keeps the claims of an image written in order (as qemu-img writes) to a handful.
 */
import type { DiskSink } from '../ingest/disk-sink.ts';
import type { UploadScheduler } from './upload-scheduler.ts';
import type { Bound } from './scheduler-checkpoint.ts';

const MAX_RUN = 64 * 1024 * 1024;

export class DataRuns {
  private run: { host: number; logical: number; length: number } | undefined;

  constructor(
    private readonly scheduler: UploadScheduler,
    private readonly sink: DiskSink,
    private readonly what: string,
    /** Logical end of the disk: a run's bytes past it (the tail of a last block) are read but not written. */
    private readonly logicalEnd = Number.MAX_SAFE_INTEGER,
  ) {}

  async add(host: number, logical: number, length: number): Promise<void> {
    const r = this.run;
    if (r !== undefined && r.host + r.length === host && r.logical + r.length === logical && r.length + length <= MAX_RUN) {
      r.length += length;
      return;
    }
    await this.flush();
    this.run = { host, logical, length };
  }

  async flush(): Promise<void> {
    const r = this.run;
    if (r === undefined) return;
    this.run = undefined;
    await this.scheduler.claimTagged({
      offset: r.host,
      length: r.length,
      what: this.what,
      tag: { t: 'run', logical: r.logical },
    });
  }

  /**
   * What the decoder binds a run's tag ({ t: 'run', logical }) to: its bytes written from its
   * logical offset. Runs are claimed with tags so that a checkpoint can hold them.
   */
  deliver(logical: number): Bound {
    return {
      kind: 'stream',
      deliver: async (at, bytes) => {
        const keep = Math.min(bytes.length, this.logicalEnd - (logical + at));
        if (keep > 0) await this.sink.write(logical + at, keep === bytes.length ? bytes : bytes.subarray(0, keep));
      },
    };
  }
}
