/** TLS: a self-signed certificate made at first start and reused; Secure cookies; plain HTTP redirected or refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort } from '../../test/harness/ports.ts';
import { startTestGateway } from '../test-support/test-gateway.ts';

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpsCall(
  url: string,
  ca: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('self-signed: generated into the data dir, verified by its own certificate, Secure session cookie', async () => {
  const t = await startTestGateway({ tls: 'self-signed' });
  try {
    assert.match(t.gw.url, /^https:/);
    const certFile = join(t.dataDir, 'tls', 'gateway-cert.pem');
    const ca = readFileSync(certFile, 'utf8');
    assert.equal(
      statSync(join(t.dataDir, 'tls', 'gateway-key.pem')).mode & 0o077,
      0,
      'the key is private to its owner',
    );
    const r = await httpsCall(`${t.api}/public`, ca);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const login = await httpsCall(`${t.api}/login`, ca, 'POST', {
      authorization: `Basic ${Buffer.from('alice:alice-pw').toString('base64')}`,
    });
    assert.equal(login.status, 200);
    assert.match(String(login.headers['set-cookie']), /; HttpOnly; SameSite=Strict; Secure$/);
  } finally {
    await t.stop();
  }
});

test('configured files are used; plain HTTP redirects pages with 308 and refuses API calls', async () => {
  // Make a certificate with the self-signed path, then start a second gateway on the files.
  const first = await startTestGateway({ tls: 'self-signed' });
  const dir = join(first.dataDir, 'tls');
  const ca = readFileSync(join(dir, 'gateway-cert.pem'), 'utf8');
  const key = readFileSync(join(dir, 'gateway-key.pem'), 'utf8');
  const plainHttpPort = await freePort();
  const t = await startTestGateway({
    tls: { certFile: join(dir, 'gateway-cert.pem'), keyFile: join(dir, 'gateway-key.pem') },
    plainHttpPort,
  });
  try {
    assert.equal((await httpsCall(`${t.api}/public`, ca)).status, 200);
    const page = await fetch(`http://127.0.0.1:${plainHttpPort}/index.html?x=1`, {
      redirect: 'manual',
    });
    assert.equal(page.status, 308);
    assert.equal(page.headers.get('location'), `https://127.0.0.1:${t.gw.port}/index.html?x=1`);
    const api = await fetch(`http://127.0.0.1:${plainHttpPort}/api/v1/things/1`, {
      redirect: 'manual',
    });
    assert.equal(api.status, 403);
    assert.equal(api.headers.get('error-code'), 'PERMISSION_DENIED');
    assert.match(api.headers.get('error-message') ?? '', /TLS required/);
    assert.ok(key.length > 0);
  } finally {
    await t.stop();
    await first.stop();
  }
});
