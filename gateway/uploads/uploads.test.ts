import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUploadServer, type UploadServer } from './upload-test-server.ts';
import { createUpload, offsetOf, patch, settled, sha1, TUS, uploadInParts } from './tus-client.test-support.ts';

const MiB = 1024 * 1024;

/** A disk with data, a hole and a tail, sized off block boundaries. */
function sampleDisk(): Buffer {
  return Buffer.concat([randomBytes(700_416), Buffer.alloc(2 * MiB), randomBytes(300_032)]);
}

describe('tus uploads and disk content', () => {
  let s: UploadServer;
  let tmp: string;
  before(async () => {
    s = await startUploadServer();
    tmp = mkdtempSync(join(tmpdir(), 'ravel-upload-files-'));
  });
  after(async () => {
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('OPTIONS lists version, extensions, max size and checksums', async () => {
    const r = await fetch(`${s.t.api}/uploads`, { method: 'OPTIONS' });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('tus-version'), '1.0.0');
    assert.equal(r.headers.get('tus-extension'), 'creation,checksum,termination,expiration');
    assert.equal(r.headers.get('tus-checksum-algorithm'), 'sha1,sha256');
    assert.ok(Number(r.headers.get('tus-max-size')) > 0);
  });

  it('a raw disk in several PATCHes reads back byte for byte, whole and by Range', async () => {
    const disk = sampleDisk();
    const id = await uploadInParts(s.t.api, s.alice, disk, 400_000);
    const info = (await (await fetch(`${s.t.api}/diskImages/${id}`, { headers: s.alice })).json()) as Record<string, unknown>;
    assert.equal(info['format'], 'raw');
    assert.equal(info['virtualSize'], disk.length);
    assert.equal(info['sha256'], createHash('sha256').update(disk).digest('hex'));
    const whole = await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: s.alice });
    assert.equal(whole.status, 200);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(disk));
    const part = await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: { ...s.alice, Range: 'bytes=699990-2800010' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 699990-2800010/${disk.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(disk.subarray(699990, 2800011)));
    const tail = await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: { ...s.alice, Range: 'bytes=-10' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(disk.subarray(disk.length - 10)));
    const bad = await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: { ...s.alice, Range: `bytes=${disk.length}-` } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${disk.length}`);
    assert.equal((await fetch(`${s.t.api}/diskImages/${id}`, { headers: s.bob })).status, 404, "another tenant's image is 404");
  });

  it('a qcow2 made by qemu-img reads back as its raw disk', async () => {
    const raw = sampleDisk();
    const rawPath = join(tmp, 'd.raw');
    const qPath = join(tmp, 'd.qcow2');
    writeFileSync(rawPath, raw);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', rawPath, qPath]);
    const q = readFileSync(qPath);
    const id = await uploadInParts(s.t.api, s.alice, q, 100_000);
    const info = (await (await fetch(`${s.t.api}/diskImages/${id}`, { headers: s.alice })).json()) as Record<string, unknown>;
    assert.equal(info['format'], 'qcow2');
    const got = Buffer.from(await (await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: s.alice })).arrayBuffer());
    assert.ok(got.equals(raw));
    const part = await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: { ...s.alice, Range: 'bytes=5-700004' } });
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(raw.subarray(5, 700005)));
  });

  it('refuses a wrong offset (409), a bad checksum (460, offset kept), no Tus-Resumable (412), another tenant (404)', async () => {
    const data = randomBytes(300_032);
    const url = await createUpload(s.t.api, s.alice, data.length);
    assert.equal((await patch(url, s.alice, 5, data.subarray(0, 10))).status, 409);
    const first = data.subarray(0, 100_000);
    assert.equal((await patch(url, s.alice, 0, first, sha1(randomBytes(4)))).status, 460);
    assert.equal(await offsetOf(url, s.alice), 0);
    const ok = await patch(url, s.alice, 0, first, sha1(first));
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('upload-offset'), '100000');
    const noTus = await fetch(url, { method: 'HEAD', headers: s.alice });
    assert.equal(noTus.status, 412);
    assert.equal(noTus.headers.get('tus-resumable'), '1.0.0');
    const wrongTus = await fetch(url, { method: 'HEAD', headers: { ...s.alice, 'Tus-Resumable': '0.2.2' } });
    assert.equal(wrongTus.status, 412);
    assert.equal((await fetch(url, { method: 'HEAD', headers: { ...TUS, ...s.bob } })).status, 404);
    assert.equal((await patch(url, s.bob, 100_000, data.subarray(100_000))).status, 404);
    const head = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...s.alice } });
    assert.equal(head.headers.get('cache-control'), 'no-store');
    assert.equal(head.headers.get('upload-length'), String(data.length));
    assert.ok(Date.parse(head.headers.get('upload-expires') ?? '') > 0);
    assert.equal((await patch(url, s.alice, 100_000, data.subarray(100_000))).status, 204);
    assert.equal((await settled(url, s.alice)).state, 'DONE');
  });

  it('termination forgets the upload; an abandoned one expires on the clock', async () => {
    const url = await createUpload(s.t.api, s.alice, 1000);
    const del = await fetch(url, { method: 'DELETE', headers: { ...TUS, ...s.alice } });
    assert.equal(del.status, 204);
    assert.equal((await fetch(url, { method: 'HEAD', headers: { ...TUS, ...s.alice } })).status, 404);
    const url2 = await createUpload(s.t.api, s.alice, 1000);
    assert.equal((await patch(url2, s.alice, 0, randomBytes(10))).status, 204);
    await s.clock.advance(25 * 3600_000);
    assert.equal((await fetch(url2, { method: 'HEAD', headers: { ...TUS, ...s.alice } })).status, 404);
  });
});
