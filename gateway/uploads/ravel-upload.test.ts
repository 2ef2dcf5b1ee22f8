import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fingerprintOf, rememberUpload } from '../../cli/commands/upload.ts';
import { startUploadServer, type UploadServer } from './upload-test-server.ts';
import { createUpload, patch } from './tus-client.test-support.ts';

const run = promisify(execFile);

describe('ravel upload', () => {
  let s: UploadServer;
  let tmp: string;
  const ravel = (file: string): Promise<{ stdout: string }> =>
    run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'upload', file, '--url', s.t.gw.url, '--user', 'alice', '--password', 'alice-pw', '--chunk-mib', '1'], {
      env: { ...process.env, XDG_CACHE_HOME: tmp },
    });
  before(async () => {
    s = await startUploadServer();
    tmp = mkdtempSync(join(tmpdir(), 'ravel-upload-cli-'));
  });
  after(async () => {
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('uploads a file and prints its disk image id and checksums', async () => {
    const data = Buffer.concat([randomBytes(1_500_160), Buffer.alloc(1024 * 1024)]);
    const file = join(tmp, 'disk.img');
    writeFileSync(file, data);
    const { stdout } = await ravel(file);
    const sha = createHash('sha256').update(data).digest('hex');
    assert.match(stdout, new RegExp(`file sha256: ${sha}`));
    const id = /diskImageId: (\S+)/.exec(stdout)?.[1] ?? '';
    assert.match(stdout, new RegExp(`format: raw .*sha256: ${sha}`));
    const got = Buffer.from(await (await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: s.alice })).arrayBuffer());
    assert.ok(got.equals(data));
  });

  it('resumes an interrupted upload on the next run', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const file = join(tmp, 'again.img');
    writeFileSync(file, data);
    // As if an earlier run had sent the first 1.25 MiB and been killed.
    const url = await createUpload(s.t.api, s.alice, data.length, 'again.img');
    assert.equal((await patch(url, s.alice, 0, data.subarray(0, 1_310_720))).status, 204);
    process.env['XDG_CACHE_HOME'] = tmp;
    rememberUpload(await fingerprintOf(file, s.t.api), url);
    const { stdout } = await ravel(file);
    assert.match(stdout, new RegExp(`resuming ${url} at byte 1310720`));
    const id = /diskImageId: (\S+)/.exec(stdout)?.[1] ?? '';
    const got = Buffer.from(await (await fetch(`${s.t.api}/diskImages/${id}/content`, { headers: s.alice })).arrayBuffer());
    assert.ok(got.equals(data));
  });
});
