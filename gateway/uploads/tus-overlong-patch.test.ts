/**
 * A tus PATCH whose declared body goes past Upload-Length (found by test/fuzz) is refused before
 * anything is stored: the upload's offset does not move.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startUploadServer } from './upload-test-server.ts';
import { createUpload, offsetOf, patch } from './tus-client.test-support.ts';

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
