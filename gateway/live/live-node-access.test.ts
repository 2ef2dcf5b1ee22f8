/**
 * Who sees what on /api/v1/live, on an embedded node with the real control plane and rules: an
 * admin and an ephemeral token of one organization see what each reads through REST (the token's
 * grant filtered to one application, without events), an operator watches two organizations on
 * one socket, an admin naming another organization gets PERMISSION_DENIED, a user's role change
 * refilters its open socket and disabling the user closes it.
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
import { sampleVm } from '../../domain/test-fixtures.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoOrganization } from '../../service/demo-organization.ts';
import { startRavelNode } from '../../service/ravel-node.ts';
import { openParsed, waitFor } from './live-test-client.ts';
import { newOperatorToken } from '../auth/operator-tokens.ts';

interface Message {
  op: string;
  organization?: number;
  seq?: number;
  code?: string;
  applications?: Array<{ id: number; name: string }>;
  events?: Array<{ sequence: number; name: string }>;
  data?: { name: string; subjects?: Array<{ id: string }> };
}

const open = (url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; got: Message[] }> => openParsed<Message>(url, headers);

/** Waits as long as a node on a loaded machine may need. */
const until = (cond: () => boolean, what: string): Promise<void> => waitFor(cond, what, 20_000);

const snapshotOf = (got: Message[], organization: number): Message | undefined => got.find((m) => m.op === 'snapshot' && m.organization === organization);
const names = (m: Message | undefined): string[] => (m?.applications ?? []).map((a) => a.name).sort();
const updatesOf = (got: Message[], appId: number): Message[] =>
  got.filter((m) => m.op === 'event' && m.data?.name === 'APPLICATION_UPDATED' && m.data.subjects?.some((s) => s.id === String(appId)));

test('live on a node: a filtered token and an admin see what REST shows each; an operator watches two organizations', { timeout: 60_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ravel-live-access-'));
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  const opToken = newOperatorToken();
  const node = await startRavelNode(config, { nodeId: 'live-access', clock: systemClock, log: silentLogger, operatorTokens: [{ name: 'test', token: opToken }] });
  try {
    const base = `${node.gateway?.url ?? ''}/api/v1`;
    await ensureDemoOrganization(node.control, 'live test pw');
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO_ADMIN_EMAIL}:live test pw`).toString('base64')}` },
    });
    const admin = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
    const call = async (headers: Record<string, string>, method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${base}${path}`, {
        method,
        headers: { ...headers, 'content-type': 'application/json;charset=utf-8' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const json = async <T>(r: Promise<Response>): Promise<T> => (await r).json() as Promise<T>;
    const demo = (await json<{ id: number }>(call(admin, 'GET', '/organization'))).id;
    const shown = await json<{ id: number }>(call(admin, 'POST', '/applications', { name: 'shown', design: { vms: [sampleVm(1)] } }));
    const hidden = await json<{ id: number }>(call(admin, 'POST', '/applications', { name: 'hidden', design: { vms: [sampleVm(2)] } }));
    const created = await call(admin, 'POST', '/ephemeralAccessTokens', {
      name: 'one app',
      expirationTime: Date.now() + 3_600_000,
      permissions: [{ resourceType: 'APPLICATION', actions: ['READ'], filterCriterion: { type: 'SIMPLE', operator: 'Equals', propertyName: 'name', operand: 'shown' } }],
    });
    assert.equal(created.status, 201);
    const narrow = { 'x-ephemeral-token-authorization': ((await created.json()) as { token: string }).token };
    // What REST gives the token: one application, no events.
    const listed = await json<Array<{ name: string }>>(call(narrow, 'GET', '/applications'));
    assert.deepEqual(listed.map((a) => a.name), ['shown']);
    assert.equal((await call(narrow, 'POST', '/notifications/search', {})).status >= 400, true, 'REST refuses it the events');

    const url = `${base.replace(/^http/, 'ws')}/live`;
    const a = await open(url, admin);
    const n = await open(url, narrow);
    const subscribe = JSON.stringify({ op: 'subscribe', topics: ['applications', 'vms', 'events'] });
    a.ws.send(subscribe);
    n.ws.send(subscribe);
    await until(() => snapshotOf(a.got, demo) !== undefined && snapshotOf(n.got, demo) !== undefined, 'both snapshots');
    assert.deepEqual(names(snapshotOf(a.got, demo)), ['hidden', 'shown']);
    assert.ok((snapshotOf(a.got, demo)?.events ?? []).some((e) => e.name === 'APPLICATION_CREATED'));
    assert.deepEqual(names(snapshotOf(n.got, demo)), ['shown'], 'the token sees the application its grant matches');
    assert.deepEqual(snapshotOf(n.got, demo)?.events, [], 'and no events');

    // The operator: the demo organization and a second one, on one socket.
    const operator = { 'x-ephemeral-token-authorization': opToken };
    const { organization: second } = await node.control.createOrganization(
      { kind: 'operator', name: 'test' },
      { name: 'Second', admin: { email: 'admin@second.test', password: 'second pw 123' } },
    );
    const o = await open(url, operator);
    o.ws.send(JSON.stringify({ op: 'subscribe', topics: ['applications', 'events'], organization: demo }));
    o.ws.send(JSON.stringify({ op: 'subscribe', topics: ['events'], organization: second.id }));
    await until(() => snapshotOf(o.got, demo) !== undefined && snapshotOf(o.got, second.id) !== undefined, 'the operator’s two snapshots');
    assert.deepEqual(names(snapshotOf(o.got, demo)), ['hidden', 'shown']);
    assert.deepEqual(names(snapshotOf(o.got, second.id)), []);
    // Its admin logs in: an event of the second organization's own stream.
    const secondLogin = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('admin@second.test:second pw 123').toString('base64')}` },
    });
    assert.equal(secondLogin.status, 200);
    await until(() => o.got.some((m) => m.op === 'event' && m.organization === second.id && m.data?.name === 'USER_LOGIN'), 'the second organization’s event');

    // An admin naming the other organization: refused, nothing of it.
    a.ws.send(JSON.stringify({ op: 'subscribe', topics: ['events'], organization: second.id }));
    await until(() => a.got.some((m) => m.op === 'error'), 'the refusal');
    assert.equal(a.got.find((m) => m.op === 'error')?.code, 'PERMISSION_DENIED');

    assert.equal((await call(admin, 'PUT', `/applications/${hidden.id}`, { description: 'changed' })).status, 200);
    assert.equal((await call(admin, 'PUT', `/applications/${shown.id}`, { description: 'changed' })).status, 200);
    await until(() => updatesOf(a.got, shown.id).length === 1 && updatesOf(o.got, shown.id).length === 1, 'the admin’s and operator’s events');
    assert.equal(updatesOf(a.got, hidden.id).length, 1);
    const opEvents = o.got.filter((m) => m.op === 'event');
    assert.ok(opEvents.every((m) => (m.organization === demo) !== (m.organization === second.id)), 'each of the operator’s events names its organization');
    for (const org of [demo, second.id]) {
      const seqs = opEvents.filter((m) => m.organization === org).map((m) => m.seq ?? 0);
      const from = (snapshotOf(o.got, org)?.seq ?? 0) + 1;
      assert.deepEqual(seqs, seqs.map((_, i) => from + i), `organization ${org}: its own sequence from its snapshot on, without gaps`);
    }
    await sleep(200);
    assert.deepEqual(
      n.got.filter((m) => m.op === 'event'),
      [],
      'none to the token',
    );
    assert.ok(!a.got.some((m) => m.organization === second.id), 'nothing of the other organization to the admin');

    // A user of the organization: a role change refilters its open socket (a fresh snapshot);
    // disabling it closes the socket with 4001 at once (the route drops its credentials).
    const invited = await json<{ id: number }>(call(admin, 'POST', '/users/invite', { email: 'viewer@demo.ravel', roles: ['READ_ONLY'] }));
    assert.equal((await call(admin, 'PUT', `/users/${invited.id}/changepw`, { newPassword: 'viewer pw 123' })).status < 300, true);
    const viewerLogin = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('viewer@demo.ravel:viewer pw 123').toString('base64')}` },
    });
    assert.equal(viewerLogin.status, 200);
    const v = await open(url, { cookie: (viewerLogin.headers.get('set-cookie') ?? '').split(';')[0] ?? '' });
    v.ws.send(JSON.stringify({ op: 'subscribe', topics: ['applications'] }));
    await until(() => snapshotOf(v.got, demo) !== undefined, 'the viewer’s snapshot');
    assert.deepEqual(names(snapshotOf(v.got, demo)), ['hidden', 'shown'], 'every role reads every application');
    assert.equal((await call(admin, 'PUT', `/users/${invited.id}`, { roles: ['USER'] })).status, 200);
    await until(() => v.got.filter((m) => m.op === 'snapshot').length === 2, 'a fresh snapshot after the role change');
    const closing = new Promise<number>((resolve) => v.ws.once('close', (code: number) => resolve(code)));
    assert.equal((await call(admin, 'PUT', `/users/${invited.id}/disable`)).status, 200);
    assert.equal(await closing, 4001);
    for (const c of [a, n, o]) c.ws.close();
  } finally {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
