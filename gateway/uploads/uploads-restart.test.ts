/**
 * tus uploads across a restart of the node (gateway, image service and store stopped and
 * opened again on the same directory): an upload of a qemu-img image cut mid-way reports, after
 * the restart, the offset of the last checkpoint made durable (never more), and PATCH from there
 * completes it to the disk `qemu-img convert -O raw` reads the image as.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertRaw, makeRaw, qemuImg, withTempDir } from '../../storage-engine/formats/testing/fixtures.ts';
import { openSocket } from '../test-support/raw-http.ts';
import { startUploadServer, type UploadServer } from './upload-test-server.ts';
import { createUpload, offsetOf, patch, settled, uploadInParts } from './tus-client.test-support.ts';

const raw = makeRaw(3, 17);

async function qemuRaw(image: Uint8Array): Promise<Buffer> {
  return withTempDir(async (dir) => {
    writeFileSync(join(dir, 'image'), image);
    await qemuImg(['convert', '-O', 'raw', join(dir, 'image'), join(dir, 'out.raw')]);
    return readFileSync(join(dir, 'out.raw'));
  });
}

/** Sends the first `sent` bytes of `body` in a PATCH announcing all of it, then drops the connection once a checkpoint past `checkpointsBefore` is durable. */
async function cutPatch(s: UploadServer, url: string, body: Uint8Array, sent: number, checkpointsBefore: number): Promise<void> {
  const sock = await openSocket(s.t.gw.port);
  sock.write(
    `PATCH ${new URL(url).pathname} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nX-Ephemeral-Token-Authorization: ${s.alice['x-ephemeral-token-authorization']}\r\n` +
      `Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  await new Promise<void>((resolve) => sock.write(body.subarray(0, sent), () => resolve()));
  // Until the server has taken in all that was sent and ingest has made a checkpoint durable
  // (ingest may lag the socket a lot on a loaded machine).
  for (let i = 0; ; i++) {
    if ((await offsetOf(url, s.alice)) === sent && s.checkpoints.length > checkpointsBefore) break;
    if (i === 1200) throw new Error('the cut upload was not taken in within 30 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  sock.destroy();
}

const formats: ReadonlyArray<readonly [string, () => Promise<Uint8Array>]> = [
  ['qcow2', () => convertRaw(raw, 'qcow2')],
  ['VHDX', () => convertRaw(raw, 'vhdx', ['-o', 'block_size=1M'])],
];

describe('tus: uploads resume across a restart of the node', () => {
  let s: UploadServer;
  before(async () => {
    s = await startUploadServer({ highWater: 64 * 1024, journal: { checkpointEveryBytes: 256 * 1024 } });
  });
  after(() => s.stop());

  for (const [name, make] of formats) {
    it(`a ${name} upload cut at 60% resumes after a restart at its last checkpoint, bit-identical to qemu-img`, async () => {
      const image = await make();
      const expected = await qemuRaw(image);
      const url = await createUpload(s.t.api, s.alice, image.length, `restart.${name}`);
      const id = new URL(url).pathname.split('/').pop() ?? '';
      const before = s.checkpoints.length;
      const sent = Math.floor(image.length * 0.6);
      await cutPatch(s, url, image, sent, before);
      s = await s.restart();
      const made = s.checkpoints.slice(before);
      const last = made.at(-1);
      assert.ok(last !== undefined && last > 0, `checkpoints were made before the cut (${made.join(', ')})`);
      const resumeUrl = `${s.t.api}/uploads/${id}`;
      const offset = await offsetOf(resumeUrl, s.alice);
      assert.equal(offset, last, 'HEAD reports the last durable checkpoint');
      assert.ok(offset <= sent, `offset ${offset} within what was sent (${sent})`);
      const rest = await patch(resumeUrl, s.alice, offset, image.subarray(offset));
      assert.equal(rest.status, 204, await rest.text());
      const st = await settled(resumeUrl, s.alice);
      assert.equal(st.state, 'DONE', JSON.stringify(st));
      const content = await fetch(`${s.t.api}/diskImages/${st.diskImageIds?.[0] ?? ''}/content`, { headers: s.alice });
      assert.equal(content.status, 200);
      assert.ok(Buffer.from(await content.arrayBuffer()).equals(expected), 'the disk is what qemu-img reads the image as');
      // The stored size, counted by reading the resumed disk, is what an upload never cut counts as it writes.
      const storedSize = async (diskImage: string): Promise<number> =>
        ((await (await fetch(`${s.t.api}/diskImages/${diskImage}`, { headers: s.alice })).json()) as { storedSize: number }).storedSize;
      const whole = await uploadInParts(s.t.api, s.alice, image, 1024 * 1024);
      const resumedSize = await storedSize(st.diskImageIds?.[0] ?? '');
      assert.ok(resumedSize > 0);
      assert.equal(resumedSize, await storedSize(whole));
    });
  }

  it('after a restart a wrong offset is a 409 that changes nothing; an unknown id and another tenant get 404', async () => {
    const image = await convertRaw(raw, 'qcow2');
    const url = await createUpload(s.t.api, s.alice, image.length, 'conflict.qcow2');
    const id = new URL(url).pathname.split('/').pop() ?? '';
    await cutPatch(s, url, image, Math.floor(image.length * 0.5), s.checkpoints.length);
    s = await s.restart();
    const resumeUrl = `${s.t.api}/uploads/${id}`;
    const offset = await offsetOf(resumeUrl, s.alice);
    const wrong = await patch(resumeUrl, s.alice, offset + 1, image.subarray(offset + 1));
    assert.equal(wrong.status, 409);
    assert.equal(await offsetOf(resumeUrl, s.alice), offset);
    const missing = await fetch(`${s.t.api}/uploads/00000000-0000-0000-0000-000000000000`, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...s.alice } });
    assert.equal(missing.status, 404);
    // Bob does not see alice's restored upload.
    const other = await fetch(resumeUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...s.bob } });
    assert.equal(other.status, 404);
  });
});
