/** A `ws` client of /api/v1/live for the live endpoint's tests: connect, collect, wait, see the close. */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { TestGateway } from '../test-support/test-gateway.ts';

export const liveUrl = (t: TestGateway): string => `${t.api.replace(/^http/, 'ws')}/live`;

export function connect(t: TestGateway, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(liveUrl(t), { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Messages as text, in arrival order. */
export function collect(ws: WebSocket): string[] {
  const got: string[] = [];
  ws.on('message', (d: Buffer) => got.push(d.toString('utf8')));
  return got;
}

export async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
}

/** Opens a `ws` client at `url` with `headers`, collecting every message parsed as JSON. */
export function openParsed<T>(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; got: T[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const got: T[] = [];
    ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8')) as T));
    ws.once('open', () => resolve({ ws, got }));
    ws.once('error', reject);
  });
}
