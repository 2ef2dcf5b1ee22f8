/**
 * The uploads in progress, kept on disk so that a restarted node knows them again: one small
 * JSON file per upload (written to a temporary name, fsynced, then renamed over, so a crash
 * leaves the old record or the new one). A record names the resumable ingest the upload feeds;
 * the offset to resume at is the ingest's last checkpoint, which the block store keeps.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const UploadRecord = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f-]{36}$' }),
  tenant: Type.String({ minLength: 1 }),
  length: Type.Integer({ minimum: 0 }),
  name: Type.String(),
  metadataHeader: Type.Optional(Type.String()),
  /** The resumable ingest and its disk, once started. */
  ingest: Type.Optional(Type.Object({ id: Type.String({ minLength: 1 }), disk: Type.String({ minLength: 1 }) })),
});
export type UploadRecord = Static<typeof UploadRecord>;

export interface UploadJournal {
  put(record: UploadRecord): void;
  drop(id: string): void;
  /** Every record kept; a malformed file is skipped (and reported to `bad`). */
  all(bad: (file: string) => void): UploadRecord[];
}

export function fileUploadJournal(dir: string): UploadJournal {
  mkdirSync(dir, { recursive: true });
  const file = (id: string): string => join(dir, `${id}.json`);
  return {
    put(record) {
      const tmp = `${file(record.id)}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, JSON.stringify(record));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file(record.id));
    },
    drop(id) {
      rmSync(file(id), { force: true });
    },
    all(bad) {
      const out: UploadRecord[] = [];
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.json')) continue;
        try {
          const rec: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
          if (Value.Check(UploadRecord, rec) && `${rec.id}.json` === f) out.push(rec);
          else bad(f);
        } catch {
          bad(f);
        }
      }
      return out;
    },
  };
}
