/**
 * PENDING (not run by CI; found by test/fuzz): a tus PATCH without Upload-Checksum whose body
 * goes past Upload-Length is refused (400) but keeps the bytes that streamed in before the
 * chunk that crossed the length: the client is told the PATCH failed while the upload's offset
 * has moved. The Content-Length is known before reading, so the PATCH could be refused up front
 * with nothing stored (gateway/uploads/tus-patch.ts `receive`). Run by hand:
 *   node --import tsx --test test/chaos/tus-overlong-patch.pending.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startUploadServer } from '../../gateway/uploads/upload-test-server.ts';
import { createUpload, offsetOf, patch } from '../../gateway/uploads/tus-client.test-support.ts';

test('a PATCH past Upload-Length is refused and stores nothing', async () => {
  const s = await startUploadServer();
  try {
    const url = await createUpload(s.t.api, s.alice, 300_000);
    assert.equal((await patch(url, s.alice, 0, randomBytes(100_000))).status, 204);
    const r = await patch(url, s.alice, 100_000, randomBytes(250_000));
    assert.ok(r.status >= 400 && r.status < 500, `refused (${r.status})`);
    assert.equal(await offsetOf(url, s.alice), 100_000, 'the refused PATCH left the offset where it was');
  } finally {
    await s.stop();
  }
});
