/**
 * The image service from any node: each call is one request over the Bus to the store's
 * servers, with an explicit deadline. Block reads are cut into batches that fit a message and
 * kept a few in flight; writes to a writer go to the server that holds it.
 */
import type { Bus } from '../../bus/bus.ts';
import { encode } from '../../core/codec.ts';
import type { TenantUsage, VersionInfo } from '../block-store.ts';
import type { OpenedWriter } from './image-server.ts';
import type {
  Block,
  BlockRange,
  CloneRequest,
  CreateImageRequest,
  ImageInfo,
  ImageService,
  ImageStoreInfo,
  ImageWriter,
  OpenWriterRequest,
} from './image-service.ts';
import { openReply } from './reply-envelope.ts';
import {
  DEFAULT_PREFIX,
  defaultDeadlines,
  storeSubject,
  writerSubject,
  type ImageDeadlines,
  type StoreOp,
  type WriterOp,
} from './subjects.ts';

export interface ImageServiceClientOptions {
  readonly prefix?: string;
  readonly deadlines?: Partial<ImageDeadlines>;
  /** Read batches in flight at once. Default 4. */
  readonly readWindow?: number;
}

interface ReadReply {
  readonly first: number;
  readonly blocks: ReadonlyArray<Uint8Array | null>;
}

export class ImageServiceClient implements ImageService {
  private readonly prefix: string;
  private readonly deadlines: ImageDeadlines;
  private readonly window: number;
  private storeInfo: Promise<ImageStoreInfo> | undefined;

  constructor(
    private readonly bus: Bus,
    options: ImageServiceClientOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.deadlines = { ...defaultDeadlines, ...options.deadlines };
    this.window = Math.max(1, options.readWindow ?? 4);
  }

  info(): Promise<ImageStoreInfo> {
    this.storeInfo ??= this.call<ImageStoreInfo>('info', {}).catch((e: unknown) => {
      this.storeInfo = undefined;
      throw e;
    });
    return this.storeInfo;
  }

  create(tenant: string, request: CreateImageRequest): Promise<ImageInfo> {
    return this.call('create', { ...request, tenant });
  }

  list(tenant: string): Promise<ImageInfo[]> {
    return this.call('list', { tenant });
  }

  get(tenant: string, image: string): Promise<ImageInfo> {
    return this.call('get', { tenant, image });
  }

  findByName(tenant: string, name: string): Promise<ImageInfo | null> {
    return this.call('find', { tenant, name });
  }

  async delete(tenant: string, image: string): Promise<void> {
    await this.call('delete', { tenant, image });
  }

  listVersions(tenant: string, image: string): Promise<VersionInfo[]> {
    return this.call('versions', { tenant, image });
  }

  async *readBlocks(tenant: string, version: string, ranges: readonly BlockRange[]): AsyncIterable<Block> {
    const { maxBlocksPerMessage: max } = await this.info();
    const batches: BlockRange[] = [];
    for (const r of ranges) {
      for (let first = r.first; first < r.first + r.count; first += max) {
        batches.push({ first, count: Math.min(max, r.first + r.count - first) });
      }
    }
    const inFlight: Array<Promise<ReadReply>> = [];
    let next = 0;
    const send = (): void => {
      const b = batches[next++];
      if (b === undefined) return;
      const p = this.call<ReadReply>('read', { tenant, version, ...b }, this.deadlines.read);
      p.catch(() => undefined); // observed when its turn comes; not unhandled if the reader stops early
      inFlight.push(p);
    };
    while (next < batches.length && inFlight.length < this.window) send();
    while (inFlight.length > 0) {
      const reply = await (inFlight.shift() as Promise<ReadReply>);
      send();
      for (let i = 0; i < reply.blocks.length; i++) yield { index: reply.first + i, data: reply.blocks[i] ?? null };
    }
  }

  async openWriter(tenant: string, image: string, request: OpenWriterRequest = {}): Promise<ImageWriter> {
    const opened = await this.call<OpenedWriter>('open', { ...request, tenant, image });
    return new RemoteWriter(opened, tenant, this.deadlines, (op, body, timeoutMs) =>
      this.request(writerSubject(this.prefix, opened.serverId, op), body, timeoutMs),
    );
  }

  snapshot(tenant: string, version: string): Promise<VersionInfo> {
    return this.call('snapshot', { tenant, version });
  }

  clone(tenant: string, version: string, request: CloneRequest): Promise<ImageInfo> {
    return this.call('clone', { ...request, tenant, version });
  }

  usage(tenant: string): Promise<TenantUsage> {
    return this.call('usage', { tenant });
  }

  private call<T>(op: StoreOp, body: object, timeoutMs = this.deadlines.call): Promise<T> {
    return this.request(storeSubject(this.prefix, op), body, timeoutMs) as Promise<T>;
  }

  private async request(subject: string, body: object, timeoutMs: number): Promise<unknown> {
    const reply = await this.bus.request(subject, encode(withoutUndefined(body)), { timeoutMs });
    return openReply(reply.data);
  }
}

type Send = (op: WriterOp, body: object, timeoutMs: number) => Promise<unknown>;

class RemoteWriter implements ImageWriter {
  readonly writerId: string;
  readonly versionId: string;
  readonly blockSize: number;
  readonly leaseMs: number;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly opened: OpenedWriter,
    private readonly tenant: string,
    private readonly deadlines: ImageDeadlines,
    private readonly send: Send,
  ) {
    this.writerId = opened.writerId;
    this.versionId = opened.versionId;
    this.blockSize = opened.blockSize;
    this.leaseMs = opened.leaseMs;
  }

  async writeBlocks(blocks: readonly Block[]): Promise<void> {
    const max = this.opened.maxBlocksPerMessage;
    const sent: Array<Promise<unknown>> = [];
    // Sent in order on one connection, so the server applies them in order.
    for (let i = 0; i < blocks.length; i += max) {
      const p = this.send('write', { tenant: this.tenant, writer: this.writerId, blocks: blocks.slice(i, i + max) }, this.deadlines.write);
      this.pending.add(p);
      void p.then(
        () => this.pending.delete(p),
        () => this.pending.delete(p),
      );
      sent.push(p);
    }
    await Promise.all(sent);
  }

  async commit(): Promise<VersionInfo> {
    await Promise.allSettled([...this.pending]);
    return (await this.send('commit', { tenant: this.tenant, writer: this.writerId }, this.deadlines.commit)) as VersionInfo;
  }

  async abort(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.send('abort', { tenant: this.tenant, writer: this.writerId }, this.deadlines.call);
  }
}

/** msgpack would carry an undefined field as nil; an absent optional field stays absent. */
function withoutUndefined(body: object): object {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}
