/**
 * Uploads arrive as a Node stream, an async iterable or a web ReadableStream. Ingest pulls one
 * chunk at a time and asks for the next only when the sink has taken the last, so a producer
 * faster than the sink waits instead of filling memory.
 */
import { RavelError } from '../../core/errors.ts';

export type UploadSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export async function* chunksOf(source: UploadSource): AsyncGenerator<Uint8Array> {
  if (isReadableStream(source)) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await interrupted(reader.read());
        if (done) return;
        yield checked(value);
      }
    } finally {
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  const it = source[Symbol.asyncIterator]();
  try {
    for (let r = await interrupted(it.next()); r.done !== true; r = await interrupted(it.next())) yield checked(r.value);
  } finally {
    await it.return?.(undefined);
  }
}

/** A source that fails mid-upload is an interrupted upload, which a checkpoint can resume. */
async function interrupted<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof RavelError) throw e;
    throw new RavelError('UNAVAILABLE', `the upload was interrupted: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function isReadableStream(s: UploadSource): s is ReadableStream<Uint8Array> {
  return typeof (s as Partial<ReadableStream<Uint8Array>>).getReader === 'function';
}

function checked(chunk: unknown): Uint8Array {
  if (!(chunk instanceof Uint8Array)) {
    throw new RavelError('INVALID_ARGUMENT', 'an upload source must yield Uint8Array chunks');
  }
  return chunk;
}

/** Counts and hashes the bytes that pass, without holding any of them. */
export async function* observed(
  chunks: AsyncIterable<Uint8Array>,
  see: (chunk: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) {
    see(c);
    yield c;
  }
}

/**
 * Reads until at least `want` bytes have come (or the upload ended) and returns them as one
 * head, with the rest still to be pulled from `rest`.
 */
export async function sniff(
  chunks: AsyncIterable<Uint8Array>,
  want: number,
): Promise<{ head: Uint8Array; rest: AsyncIterator<Uint8Array> }> {
  const it = chunks[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let n = 0;
  while (n < want) {
    const r = await it.next();
    if (r.done === true) break;
    parts.push(r.value);
    n += r.value.length;
  }
  return { head: Buffer.concat(parts), rest: it };
}
