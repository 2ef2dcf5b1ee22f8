import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../core/log.ts';
import { ManualClock } from '../../core/clock.ts';
import { RavelError } from '../../core/errors.ts';
import { startTestGateway, type TestGateway } from '../test-support/test-gateway.ts';
import { alice } from '../test-support/fake-authenticator.ts';
import { ChunkPipe } from './chunk-pipe.ts';
import { createUploads, type Uploads } from './uploads.ts';
import { createUpload, patch, settled } from './tus-client.test-support.ts';

const highWater = 256 * 1024;

describe('tus: backpressure and refused uploads', { timeout: 60_000 }, () => {
  let t: TestGateway;
  let uploads: Uploads;
  let auth: Record<string, string>;
  let maxBuffered = 0;
  let consumed = 0;
  before(async () => {
    // An ingest that takes 64 KiB every 2 ms (about 32 MB/s), far slower than loopback.
    uploads = createUploads(
      {
        clock: new ManualClock(),
        log: silentLogger,
        importer: async (_tenant, source) => {
          const pipe = source as ChunkPipe;
          let first = true;
          for await (const c of pipe) {
            // Only the upload's first byte says whether to refuse it: a random chunk may start with 0xff.
            const refuse = first && c[0] === 0xff;
            first = false;
            maxBuffered = Math.max(maxBuffered, pipe.buffered);
            consumed += c.length;
            await new Promise((r) => setTimeout(r, (2 * c.length) / 65536));
            if (refuse) {
              // Refuse late, once the rest of the PATCH has filled the queue and paused the socket.
              await new Promise((r) => setTimeout(r, 200));
              throw new RavelError('UNSUPPORTED_FORMAT', 'not a disk we know');
            }
          }
          return ['img-1'];
        },
      },
      { highWater },
    );
    t = await startTestGateway({}, { streams: [uploads.endpoint] });
    auth = { 'x-ephemeral-token-authorization': t.auth.token(alice) };
  });
  after(async () => {
    await uploads.close();
    await t.stop();
  });

  it('pauses the socket while ingest is behind: queued bytes stay near the high-water mark', async () => {
    const data = randomBytes(16 * 1024 * 1024);
    data[0] = 0;
    const url = await createUpload(t.api, auth, data.length);
    const r = await patch(url, auth, 0, data);
    assert.equal(r.status, 204);
    assert.equal((await settled(url, auth)).state, 'DONE');
    assert.equal(consumed, data.length);
    assert.ok(maxBuffered <= highWater + 1024 * 1024, `at most ${maxBuffered} bytes were queued`);
  });

  it('an upload ingest refuses is FAILED with the reason, and further PATCHes answer it', async () => {
    const data = Buffer.alloc(8 * 1024 * 1024, 0xff);
    const url = await createUpload(t.api, auth, data.length);
    // A PATCH larger than the queue: ingest refuses it while the socket is paused, and the
    // request must still be answered rather than hang.
    await patch(url, auth, 0, data.subarray(0, 4 * 1024 * 1024));
    const st = await settled(url, auth);
    assert.equal(st.state, 'FAILED');
    assert.deepEqual(st.error, { code: 'UNSUPPORTED_FORMAT', message: 'not a disk we know' });
    const again = await patch(url, auth, 4 * 1024 * 1024, data.subarray(4 * 1024 * 1024));
    assert.equal(again.status, 415);
  });
});
