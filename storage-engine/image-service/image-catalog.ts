/**
 * What the image service knows about an image beyond the block store's disk: its name, the
 * format it came in, the bytes it added, and the SHA-256 of the version that was hashed. Kept in
 * its own LMDB environment beside the store, keyed by tenant then image id, so a lookup with
 * another tenant's id finds nothing.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { RavelError } from '../../core/errors.ts';
import type { DiskFormat } from '../formats/format.ts';
import type { ImageId, ImagePurpose } from './image-service.ts';

export interface ImageRecord {
  readonly id: ImageId;
  readonly name: string;
  readonly purpose: ImagePurpose;
  readonly format: DiskFormat;
  readonly storedSize: number;
  /** The hash of one version's logical disk: it describes the image while that version is the head. */
  readonly sha256: { readonly version: string; readonly hex: string } | null;
  readonly createdAt: number;
}

interface StoredRecord extends ImageRecord {
  /** Order of creation in this catalog (createdAt alone ties on a coarse or manual clock). */
  readonly seq: number;
}

/** Tenant ids never hold NUL (checked at every entry), so `tenant NUL id` orders by tenant. */
const SEP = '\u0000';
const keyOf = (tenant: string, id: ImageId): string => `${tenant}${SEP}${id}`;

export function notFound(what: string, id: string): RavelError {
  return new RavelError('NOT_FOUND', `${what} ${id} not found`, { details: { [what]: id } });
}

export class ImageCatalog {
  private constructor(
    private readonly env: RootDatabase,
    private readonly images: Database<StoredRecord, string>,
    private readonly meta: Database<number, string>,
  ) {}

  static open(path: string): ImageCatalog {
    const env = open({ path, compression: false });
    return new ImageCatalog(
      env,
      env.openDB<StoredRecord, string>({ name: 'images' }),
      env.openDB<number, string>({ name: 'meta' }),
    );
  }

  get(tenant: string, id: ImageId): ImageRecord {
    return this.stored(tenant, id);
  }

  find(tenant: string, id: ImageId): ImageRecord | undefined {
    return this.images.get(keyOf(tenant, id));
  }

  /** The tenant's images, oldest first. */
  list(tenant: string): ImageRecord[] {
    return this.stream(tenant).sort((a, b) => a.seq - b.seq);
  }

  /** The tenant's oldest image of this name: one pass over its records, none of them described. */
  findByName(tenant: string, name: string): ImageRecord | undefined {
    let found: StoredRecord | undefined;
    for (const rec of this.stream(tenant)) if (rec.name === name && (found === undefined || rec.seq < found.seq)) found = rec;
    return found;
  }

  private stream(tenant: string): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const { value } of this.images.getRange({ start: `${tenant}${SEP}`, end: `${tenant}\u0001` })) out.push(value);
    return out;
  }

  /** Every record of every tenant, for reconciling with the store. */
  all(): Array<{ readonly tenant: string; readonly rec: ImageRecord }> {
    const out: Array<{ tenant: string; rec: ImageRecord }> = [];
    for (const { key, value } of this.images.getRange({})) out.push({ tenant: key.slice(0, key.indexOf(SEP)), rec: value });
    return out;
  }

  /** Adds or replaces a record; durable when it resolves. */
  async put(tenant: string, rec: ImageRecord): Promise<void> {
    await this.env.transaction(() => {
      let seq = this.images.get(keyOf(tenant, rec.id))?.seq;
      if (seq === undefined) {
        seq = (this.meta.get('seq') ?? 0) + 1;
        void this.meta.put('seq', seq);
      }
      void this.images.put(keyOf(tenant, rec.id), { ...rec, seq });
    });
    await this.env.flushed;
  }

  /** Changes a record in one transaction; a missing one is NOT_FOUND. */
  async update(tenant: string, id: ImageId, change: (rec: ImageRecord) => ImageRecord): Promise<void> {
    await this.env.transaction(() => {
      const rec = this.stored(tenant, id);
      void this.images.put(keyOf(tenant, id), { ...change(rec), seq: rec.seq });
    });
    await this.env.flushed;
  }

  async remove(tenant: string, id: ImageId): Promise<void> {
    await this.images.remove(keyOf(tenant, id));
    await this.env.flushed;
  }

  private stored(tenant: string, id: ImageId): StoredRecord {
    const rec = this.images.get(keyOf(tenant, id));
    if (rec === undefined) throw notFound('image', id);
    return rec;
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
