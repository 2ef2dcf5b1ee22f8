/**
 * Each principal gets exactly the events it may see (domain/tenancy/event-visibility.ts), on an
 * embedded node with the real control plane: a token that reads events and only application A
 * gets A's events and not B's, through `POST /notifications/search` and on /api/v1/live (in its
 * snapshot, live, and after a resume from its last sequence across B's events, without a
 * snapshot); the admin gets both; deleting the token closes its socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { compileConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoOrganization } from '../../service/demo-organization.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import { openParsed, waitFor } from './live-test-client.ts';

interface Rec {
  sequence: number;
  name: string;
  subjects: Array<{ type: string; id: string }>;
}
interface Message {
  op: string;
  seq?: number;
  applications?: Array<{ name: string }>;
  events?: Rec[];
  data?: Rec;
}

const open = (url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; got: Message[] }> => openParsed<Message>(url, headers);

const until = (cond: () => boolean, what: string): Promise<void> => waitFor(cond, what, 20_000);
const appOf = (r: Rec | undefined): string | undefined => r?.subjects.find((s) => s.type === 'APPLICATION')?.id;
const eventsOf = (got: Message[]): Rec[] => got.filter((m) => m.op === 'event').map((m) => m.data as Rec);
const updatesOf = (got: Message[], app: number): Rec[] => eventsOf(got).filter((r) => r.name === 'APPLICATION_UPDATED' && appOf(r) === String(app));

test('a token scoped to application A gets A’s events and not B’s, over REST and live, snapshot, live and resumed; the admin gets both', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-live-visibility-'));
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  const node = await startRavelNode(config, { nodeId: 'live-visibility', clock: systemClock, log: silentLogger });
  try {
    const base = `${node.gateway?.url ?? ''}/api/v1`;
    await ensureDemoOrganization(node.control, 'visibility pw');
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO_ADMIN_EMAIL}:visibility pw`).toString('base64')}` },
    });
    const admin = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
    const call = async (headers: Record<string, string>, method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${base}${path}`, { method, headers: { ...headers, 'content-type': 'application/json;charset=utf-8' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const json = async <T>(r: Promise<Response>): Promise<T> => (await r).json() as Promise<T>;
    const a = await json<{ id: number }>(call(admin, 'POST', '/applications', { name: 'a' }));
    const b = await json<{ id: number }>(call(admin, 'POST', '/applications', { name: 'b' }));
    const created = await call(admin, 'POST', '/ephemeralAccessTokens', {
      name: 'a only',
      expirationTime: Date.now() + 3_600_000,
      permissions: [
        { resourceType: 'EVENT', actions: ['READ'] },
        { resourceType: 'APPLICATION', actions: ['READ'], filterCriterion: { type: 'SIMPLE', operator: 'Equals', propertyName: 'id', operand: a.id } },
      ],
    });
    assert.equal(created.status, 201);
    const { id: tokenId, token } = (await created.json()) as { id: number; token: string };
    const scoped = { 'x-ephemeral-token-authorization': token };
    const search = async (h: Record<string, string>): Promise<Rec[]> => (await json<{ notifications: Rec[] }>(call(h, 'POST', '/notifications/search', {}))).notifications;
    let all: Rec[] = [];
    // Each application's events reach the stream from its own actor, in no set order.
    const both = (): boolean => all.some((r) => appOf(r) === String(a.id)) && all.some((r) => appOf(r) === String(b.id));
    for (let i = 0; i < 400 && !both(); i++) {
      all = await search(admin);
      await sleep(25);
    }
    assert.ok(both() && all.some((r) => r.name === 'USER_LOGIN'), 'the admin reads A’s, B’s and the organization’s events');
    const mine = await search(scoped);
    assert.ok(mine.length > 0 && mine.every((r) => appOf(r) === String(a.id)), `REST: A’s events only, got ${mine.map((r) => `${r.name} ${appOf(r)}`).join(', ')}`);

    const url = `${base.replace(/^http/, 'ws')}/live`;
    const subscribe = (fromSeq?: number): string => JSON.stringify({ op: 'subscribe', topics: ['applications', 'vms', 'events'], ...(fromSeq === undefined ? {} : { fromSeq }) });
    const adm = await open(url, admin);
    let tok = await open(url, scoped);
    adm.ws.send(subscribe());
    tok.ws.send(subscribe());
    await until(() => adm.got.some((m) => m.op === 'snapshot') && tok.got.some((m) => m.op === 'snapshot'), 'both snapshots');
    const snap = tok.got.find((m) => m.op === 'snapshot');
    assert.deepEqual(snap?.applications?.map((x) => x.name), ['a']);
    assert.ok((snap?.events ?? []).length > 0 && (snap?.events ?? []).every((r) => appOf(r) === String(a.id)), 'the snapshot’s events: A’s only');
    assert.ok((adm.got.find((m) => m.op === 'snapshot')?.events ?? []).some((r) => appOf(r) === String(b.id)));

    assert.equal((await call(admin, 'PUT', `/applications/${b.id}`, { description: 'b1' })).status, 200);
    assert.equal((await call(admin, 'PUT', `/applications/${a.id}`, { description: 'a1' })).status, 200);
    await until(() => updatesOf(tok.got, a.id).length === 1 && updatesOf(adm.got, a.id).length === 1 && updatesOf(adm.got, b.id).length === 1, 'the live updates');
    assert.deepEqual(eventsOf(tok.got).map((r) => appOf(r)), [String(a.id)], 'live: A’s only');

    // Away while B and A change: the resume from its last sequence skips B's, sends A's, no snapshot.
    const last = tok.got.filter((m) => m.op === 'event').at(-1)?.seq ?? 0;
    tok.ws.close();
    assert.equal((await call(admin, 'PUT', `/applications/${b.id}`, { description: 'b2' })).status, 200);
    assert.equal((await call(admin, 'PUT', `/applications/${a.id}`, { description: 'a2' })).status, 200);
    assert.equal((await call(admin, 'PUT', `/applications/${b.id}`, { description: 'b3' })).status, 200);
    await until(() => updatesOf(adm.got, b.id).length === 3, 'the admin has them all');
    tok = await open(url, scoped);
    tok.ws.send(subscribe(last));
    await until(() => updatesOf(tok.got, a.id).length === 1, 'A’s update on the resume');
    assert.equal((await call(admin, 'PUT', `/applications/${a.id}`, { description: 'a3' })).status, 200);
    await until(() => updatesOf(tok.got, a.id).length === 2, 'and live after it');
    await sleep(100);
    assert.ok(!tok.got.some((m) => m.op === 'snapshot' || m.op === 'error'), 'a resume across filtered events is no gap: no snapshot');
    const seqs = tok.got.filter((m) => m.op === 'event').map((m) => m.seq ?? 0);
    assert.ok(seqs.every((s, i) => s > (i === 0 ? last : (seqs[i - 1] ?? 0))), `the stream's sequences, increasing: ${seqs.join(',')}`);
    assert.deepEqual(eventsOf(tok.got).map((r) => appOf(r)), [String(a.id), String(a.id)]);

    const closing = new Promise<number>((resolve) => tok.ws.once('close', (code: number) => resolve(code)));
    assert.equal((await call(admin, 'DELETE', `/ephemeralAccessTokens/${tokenId}`)).status < 300, true);
    assert.equal(await closing, 4001, 'a deleted token’s socket is closed');
    adm.ws.close();
  } finally {
    // Held while the node closes: a pending LMDB close does not keep Node's event loop alive, and
    // a failure would otherwise show as 'cancelled' instead of itself.
    const hold = setInterval(() => undefined, 1000);
    await node.close();
    clearInterval(hold);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
