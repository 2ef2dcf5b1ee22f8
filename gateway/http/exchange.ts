/**
 * One request's response, guarded: uWS terminates the process on a write to an aborted or
 * finished response, so every write goes through `send`, which writes at most once, never
 * after an abort, and always inside `cork` (writes after an await are otherwise one
 * syscall each, and uWS warns about them).
 */
import type { HttpResponse } from '@trufflesuite/uws-js-unofficial';
import { statusLine, type WireReply } from './wire-reply.ts';

export class Exchange {
  aborted = false;
  done = false;
  /** Status sent, for metrics; 0 when aborted before any answer. */
  status = 0;
  private abortListener: (() => void) | undefined;
  private watching = false;

  /** `watch` false: the caller answers within uWS's handler, or calls watchAborts before it returns. */
  constructor(
    readonly res: HttpResponse,
    watch = true,
  ) {
    if (watch) this.watchAborts();
  }

  /**
   * Learns of the client leaving. uWS requires it, before its handler returns, of any response
   * answered later; one answered within the handler needs none (a registration per request saved).
   */
  watchAborts(): void {
    if (this.watching) return;
    this.watching = true;
    this.res.onAborted(() => {
      this.aborted = true;
      this.abortListener?.();
    });
  }

  get open(): boolean {
    return !this.aborted && !this.done;
  }

  /** One listener: the body reader, which must settle its promise on abort. */
  onAbort(listener: () => void): void {
    this.abortListener = listener;
  }

  /** Hands the response to a WebSocket upgrade (inside cork); false when no longer open. */
  upgrade(fn: () => void): boolean {
    if (!this.open) return false;
    this.done = true;
    this.status = 101;
    this.res.cork(fn);
    return true;
  }

  /**
   * Writes the whole reply. `closeConnection` is for answers sent before the request body
   * was read to its end (413, early 401): the rest of the body must not be read as a new request.
   * Answers false when the response was no longer open.
   */
  send(reply: WireReply, closeConnection = false): boolean {
    if (!this.open) return false;
    this.done = true;
    this.status = reply.status;
    // Not watching aborts means answered within uWS's handler, where uWS has corked the socket
    // already: a cork of our own would only be one more call into uWS and back.
    if (this.watching) this.res.cork(() => this.write(reply, closeConnection));
    else this.write(reply, closeConnection);
    return true;
  }

  private write(reply: WireReply, closeConnection: boolean): void {
    // uWS writes `200 OK` itself when no status was written: one call into it fewer per read.
    if (reply.status !== 200) this.res.writeStatus(statusLine(reply.status));
    for (const [k, v] of reply.headers) this.res.writeHeader(k, v);
    this.res.end(reply.body ?? '', closeConnection);
  }
}
