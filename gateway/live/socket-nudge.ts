/**
 * Bytes a send from outside uWS's callbacks (after an await) left in uWS's buffer, the kernel
 * having taken only part of it, were seen to stay there with no writable event to flush them, nor
 * a drain (the end of a resumed backlog, never delivered). Any later write on the socket flushes
 * that buffer first, so while bytes stay buffered with nothing else sent, a ping (answered by
 * the client, and harmless to it) is written to push them out.
 */
import type { WebSocket } from '@trufflesuite/uws-js-unofficial';
import type { LiveConnection } from './live-events.ts';

/** How long bytes may sit in uWS's buffer with nothing else written before a ping pushes them out. */
const NUDGE_MS = 25;

export function nudgeLater(ws: WebSocket<LiveConnection>): void {
  const conn = ws.getUserData();
  if (conn.nudging === true) return;
  conn.nudging = true;
  const check = (): void => {
    if (conn.closed || ws.getBufferedAmount() === 0) {
      conn.nudging = false;
      return;
    }
    ws.cork(() => ws.ping());
    setTimeout(check, NUDGE_MS).unref();
  };
  setTimeout(check, NUDGE_MS).unref();
}
