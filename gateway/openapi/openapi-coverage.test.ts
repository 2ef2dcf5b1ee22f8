/**
 * `/api/v1/openapi.json` of a whole embedded node describes every route it serves and nothing it
 * does not: each operation of the route table and of the streaming endpoints (tus uploads, disk
 * content, live) is there with its path parameters declared, and each documented operation
 * reaches a handler (unauthenticated, it answers 401 or its own error, never the router's 404).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { startRavelNode, type RavelNode } from '../../service/ravel-node.ts';
import { apiRoutes } from '../api/routes.ts';

interface Operation {
  parameters?: { name: string; in: string }[];
}
type Doc = { paths: Record<string, Record<string, Operation>> };

let node: RavelNode;
let dataDir: string;
let doc: Doc;
let api: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ravel-openapi-'));
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  node = await startRavelNode(config, { nodeId: 'openapi-test', clock: systemClock, log: silentLogger });
  api = `${node.gateway?.url ?? ''}/api/v1`;
  const r = await fetch(`${api}/openapi.json`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  doc = (await r.json()) as Doc;
});

after(async () => {
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every route of the table, the session calls and the streaming endpoints are described', () => {
  const want = [
    ...apiRoutes(node.control).map((r) => [r.method.toLowerCase(), r.path]),
    ['post', '/login'],
    ['post', '/logout'],
    ['get', '/openapi.json'],
    ['post', '/uploads'],
    ['patch', '/uploads/{id}'],
    ['head', '/uploads/{id}'],
    ['get', '/uploads/{id}'],
    ['get', '/diskImages/{id}/content'],
    ['get', '/live'],
  ];
  const missing = want.filter(([m, p]) => doc.paths[p ?? '']?.[m ?? ''] === undefined);
  assert.deepEqual(missing, [], 'operations served but not described');
});

test('each operation declares the parameters its path has', () => {
  const undeclared: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(ops)) {
      const declared = new Set((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
      for (const n of names) if (!declared.has(n ?? '')) undeclared.push(`${method} ${path}: {${n}}`);
    }
  }
  assert.deepEqual(undeclared, []);
});

test('each described operation reaches a handler, not the router’s 404', async () => {
  const unrouted: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path === '/live') continue; // a WebSocket upgrade, not a request
    for (const method of Object.keys(ops)) {
      if (path === '/logout' || path === '/login') continue; // would change nothing, but need no check: the table serves them
      const url = `${api}${path.replace(/\{\w+\}/g, '1')}`;
      const r = await fetch(url, { method: method.toUpperCase(), headers: { accept: 'application/json' } });
      const message = r.headers.get('error-message') ?? '';
      if (r.status === 404 && message.startsWith('no such resource')) unrouted.push(`${method} ${path}`);
      if (r.status === 405) unrouted.push(`${method} ${path} (405)`);
      await r.arrayBuffer();
    }
  }
  assert.deepEqual(unrouted, [], 'described but not served');
});
