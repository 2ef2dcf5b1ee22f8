/**
 * Streams bytes of a disk to a uWS response with backpressure: each piece goes out with
 * `tryEnd` (which also sends Content-Length); when uWS cannot take it all, the rest is
 * retried from `onWritable` and the next block is not read until it has gone. Stops reading
 * as soon as the client aborts.
 */
import type { Exchange } from '../http/exchange.ts';
import { statusLine, type HeaderList } from '../http/wire-reply.ts';

export async function streamBody(
  ex: Exchange,
  status: number,
  headers: HeaderList,
  total: number,
  pieces: AsyncIterable<Uint8Array>,
): Promise<void> {
  const res = ex.res;
  ex.done = true;
  ex.status = status;
  let started = false;
  let wake: (() => void) | undefined;
  ex.onAbort(() => wake?.());
  const head = (): void => {
    if (started) return;
    started = true;
    res.writeStatus(statusLine(status));
    for (const [k, v] of headers) res.writeHeader(k, v);
  };
  if (total === 0) {
    if (!ex.aborted) res.cork(() => (head(), res.end('')));
    return;
  }
  for await (const piece of pieces) {
    if (ex.aborted) return;
    let base = 0;
    let ok = false;
    let finished = false;
    res.cork(() => {
      head();
      base = res.getWriteOffset();
      [ok, finished] = res.tryEnd(piece, total);
    });
    if (finished) return;
    if (ok) continue;
    await new Promise<void>((resolve) => {
      wake = resolve;
      res.onWritable((offset) => {
        if (ex.aborted) return true;
        const [sent, done] = res.tryEnd(piece.subarray(offset - base), total);
        if (sent || done) resolve();
        return sent;
      });
    });
    wake = undefined;
  }
}
