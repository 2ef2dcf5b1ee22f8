import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as tus from 'tus-js-client';
import { openSocket } from '../test-support/raw-http.ts';
import { startUploadServer, type UploadServer } from './upload-test-server.ts';
import { createUpload, offsetOf, patch, settled } from './tus-client.test-support.ts';

async function contentOf(s: UploadServer, id: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: s.alice })).arrayBuffer());
}

describe('tus: interrupted uploads and a well-known client', () => {
  let s: UploadServer;
  before(async () => {
    // A small high-water mark so that the socket is paused while ingest catches up.
    s = await startUploadServer({ highWater: 64 * 1024 });
  });
  after(() => s.stop());

  it('an upload cut off mid-PATCH resumes at the offset the server reports', async () => {
    const disk = randomBytes(4 * 1024 * 1024);
    const url = await createUpload(s.t.api, s.alice, disk.length);
    const path = new URL(url).pathname;
    const sock = await openSocket(s.t.gw.port);
    const sent = 1_500_000;
    sock.write(
      `PATCH ${path} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nX-Ephemeral-Token-Authorization: ${s.alice['x-ephemeral-token-authorization']}\r\n` +
        `Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: ${disk.length}\r\n\r\n`,
    );
    await new Promise<void>((resolve) => sock.write(disk.subarray(0, sent), () => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    sock.destroy();
    let offset = -1;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const o = await offsetOf(url, s.alice);
      if (o === offset) break;
      offset = o;
    }
    assert.ok(offset > 0 && offset <= sent, `offset ${offset} within what was sent`);
    const rest = await patch(url, s.alice, offset, disk.subarray(offset));
    assert.equal(rest.status, 204);
    const st = await settled(url, s.alice);
    assert.equal(st.state, 'DONE');
    assert.ok((await contentOf(s, st.diskImageIds?.[0] ?? '')).equals(disk));
  });

  it('tus-js-client uploads a file in chunks', async () => {
    const disk = Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(1024 * 1024), randomBytes(512 * 3)]);
    const url = await new Promise<string>((resolve, reject) => {
      const up = new tus.Upload(disk, {
        endpoint: `${s.t.api}/uploads`,
        headers: s.alice,
        chunkSize: 700_000,
        metadata: { filename: 'from-tus-js.img' },
        retryDelays: [],
        onError: reject,
        onSuccess: () => resolve(up.url ?? ''),
      });
      up.start();
    });
    const st = await settled(url, s.alice);
    assert.equal(st.state, 'DONE', JSON.stringify(st));
    const id = st.diskImageIds?.[0] ?? '';
    const info = (await (await fetch(`${s.t.api}/diskImages/${id}`, { headers: s.alice })).json()) as { name: string };
    assert.equal(info.name, 'from-tus-js.img');
    assert.ok((await contentOf(s, id)).equals(disk));
  });
});
