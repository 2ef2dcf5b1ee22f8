/**
 * The image service on the Bus: answers requests for one store with a LocalImageService.
 * Runs on nodes with the `storage` role, one per store directory. Store calls come through a
 * queue group (servers sharing a store share the load); writer calls come to the server that
 * opened the writer, on subjects carrying its id. Every request is decoded and checked here;
 * whatever fails answers an error in the reply envelope and changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { decode, encode } from '../../core/codec.ts';
import { isRavelError, RavelError } from '../../core/errors.ts';
import type { Bus, BusMessage, Subscription } from '../../bus/bus.ts';
import type { Closeable } from '../../core/lifecycle.ts';
import {
  checked,
  CloneVersion,
  CreateImage,
  ImageName,
  ImageRef,
  OpenWriter,
  ReadBlocks,
  TenantOnly,
  VersionRef,
  WriteBlocks,
  WriterRef,
} from './image-requests.ts';
import type { LocalImageService } from './local-image-service.ts';
import { encodeError, encodeValue, openReply } from './reply-envelope.ts';
import {
  DEFAULT_PREFIX,
  SERVER_QUEUE,
  storeOps,
  storeSubject,
  writerOps,
  writerSubject,
  type StoreOp,
  type WriterOp,
} from './subjects.ts';

/** What `open` answers: where the writer lives and how to feed it. */
export interface OpenedWriter {
  readonly serverId: string;
  readonly writerId: string;
  readonly versionId: string;
  readonly blockSize: number;
  readonly leaseMs: number;
  readonly maxBlocksPerMessage: number;
}

export interface ImageServerOptions {
  readonly prefix?: string;
  /** Unique among the servers of a store; a random one by default. */
  readonly serverId?: string;
  /**
   * The identity of the store behind this server (kept in its directory by the node). When set,
   * start() refuses if a server of another store already answers on the prefix: two stores on
   * one prefix would each answer for images only the other holds.
   */
  readonly storeId?: string;
}

type Handler = (req: unknown) => Promise<unknown>;

export class ImageServer implements Closeable {
  readonly prefix: string;
  readonly serverId: string;
  readonly storeId: string | undefined;
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly service: LocalImageService,
    options: ImageServerOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.serverId = options.serverId ?? `s${randomBytes(6).toString('hex')}`;
    this.storeId = options.storeId;
  }

  /** Subscribes, and resolves once the bus has the subscriptions (a request sent after finds a server). */
  async start(): Promise<this> {
    if (this.storeId !== undefined) await this.checkAlone(this.storeId);
    const store = this.storeHandlers();
    const writer = this.writerHandlers();
    for (const op of storeOps) {
      this.subs.push(this.bus.subscribe(storeSubject(this.prefix, op), (m) => this.answer(m, store[op]), { queue: SERVER_QUEUE }));
    }
    for (const op of writerOps) {
      this.subs.push(this.bus.subscribe(writerSubject(this.prefix, this.serverId, op), (m) => this.answer(m, writer[op])));
    }
    await this.bus.flush();
    return this;
  }

  /** Refuses to start beside a server of another store on the same prefix. */
  private async checkAlone(storeId: string): Promise<void> {
    let other: unknown;
    try {
      other = openReply((await this.bus.request(storeSubject(this.prefix, 'info'), encode({}), { timeoutMs: 2000 })).data);
    } catch (e) {
      if (isRavelError(e, 'NO_RESPONDERS') || isRavelError(e, 'TIMEOUT')) return;
      throw e;
    }
    const theirs = (other as { storeId?: unknown } | null)?.storeId;
    if (theirs === storeId) return;
    throw new RavelError(
      'CONFIG_INVALID',
      `another image store (${typeof theirs === 'string' ? theirs : 'unnamed'}) already answers on "${this.prefix}": a cluster runs the storage role on one node per store prefix`,
      { details: { prefix: this.prefix, storeId, other: typeof theirs === 'string' ? theirs : null } },
    );
  }

  /** Stops answering; requests already being answered finish. */
  async close(): Promise<void> {
    await Promise.all(this.subs.splice(0).map((s) => s.unsubscribe()));
  }

  private async answer(msg: BusMessage, handler: Handler): Promise<void> {
    if (msg.reply === undefined) return;
    let reply: Uint8Array;
    try {
      reply = encodeValue(await handler(decode(msg.data)));
    } catch (e) {
      reply = encodeError(e);
    }
    this.bus.respond(msg, reply);
  }

  private storeHandlers(): Record<StoreOp, Handler> {
    const s = this.service;
    return {
      info: async () => ({ ...(await s.info()), ...(this.storeId === undefined ? {} : { storeId: this.storeId }) }),
      create: async (req) => {
        const { tenant, ...rest } = checked(CreateImage, req);
        return s.create(tenant, rest);
      },
      list: async (req) => s.list(checked(TenantOnly, req).tenant),
      get: async (req) => {
        const r = checked(ImageRef, req);
        return s.get(r.tenant, r.image);
      },
      find: async (req) => {
        const r = checked(ImageName, req);
        return s.findByName(r.tenant, r.name);
      },
      delete: async (req) => {
        const r = checked(ImageRef, req);
        await s.delete(r.tenant, r.image);
        return null;
      },
      versions: async (req) => {
        const r = checked(ImageRef, req);
        return s.listVersions(r.tenant, r.image);
      },
      read: async (req) => {
        const r = checked(ReadBlocks, req);
        return { first: r.first, blocks: await s.readBatch(r.tenant, r.version, r.first, r.count) };
      },
      open: async (req): Promise<OpenedWriter> => {
        const { tenant, image, ...rest } = checked(OpenWriter, req);
        const w = await s.openWriter(tenant, image, rest);
        return {
          serverId: this.serverId,
          writerId: w.writerId,
          versionId: w.versionId,
          blockSize: w.blockSize,
          leaseMs: w.leaseMs,
          maxBlocksPerMessage: s.maxBlocksPerMessage,
        };
      },
      snapshot: async (req) => {
        const r = checked(VersionRef, req);
        return s.snapshot(r.tenant, r.version);
      },
      clone: async (req) => {
        const { tenant, version, ...rest } = checked(CloneVersion, req);
        return s.clone(tenant, version, rest);
      },
      usage: async (req) => s.usage(checked(TenantOnly, req).tenant),
    };
  }

  private writerHandlers(): Record<WriterOp, Handler> {
    const s = this.service;
    return {
      write: async (req) => {
        const r = checked(WriteBlocks, req);
        if (r.blocks.length > s.maxBlocksPerMessage) {
          throw new RavelError('INVALID_ARGUMENT', `at most ${s.maxBlocksPerMessage} blocks per write`);
        }
        await s.writer(r.tenant, r.writer).writeBlocks(r.blocks);
        return null;
      },
      commit: async (req) => {
        const r = checked(WriterRef, req);
        return s.writer(r.tenant, r.writer).commit();
      },
      abort: async (req) => {
        const r = checked(WriterRef, req);
        await s.writer(r.tenant, r.writer).abort();
        return null;
      },
    };
  }
}
