/**
 * `ravel upload FILE --url URL --user U --password P`: logs in, uploads FILE over tus to
 * /api/v1/uploads in PATCHes of `--chunk-mib` (each with an Upload-Checksum the server
 * verifies) with a progress bar, waits for the image store to finish, and prints the disk
 * image ids and checksums. The upload's URL is kept in the user's cache dir under the file's
 * fingerprint (path, size, mtime), so running the same command again after an interruption
 * resumes at the offset the server reports.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { RavelError } from '../../core/errors.ts';

const TUS = { 'Tus-Resumable': '1.0.0' };

/** Where interrupted uploads are remembered: `$XDG_CACHE_HOME/ravel/uploads.json` (or ~/.cache). */
export function stateFile(): string {
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(base, 'ravel', 'uploads.json');
}

export async function fingerprintOf(file: string, api: string): Promise<string> {
  const st = await stat(file);
  return `${api} ${await realpath(file)} ${st.size} ${Math.floor(st.mtimeMs)}`;
}

type UploadState = Record<string, string>;

function readState(): UploadState {
  try {
    return JSON.parse(readFileSync(stateFile(), 'utf8')) as UploadState;
  } catch {
    return {};
  }
}

export function rememberUpload(fingerprint: string, uploadUrl: string | undefined): void {
  const state = readState();
  if (uploadUrl === undefined) delete state[fingerprint];
  else state[fingerprint] = uploadUrl;
  mkdirSync(dirname(stateFile()), { recursive: true });
  writeFileSync(stateFile(), JSON.stringify(state, null, 2));
}

function fail(message: string): never {
  throw new RavelError('INVALID_ARGUMENT', message);
}

async function check(r: Response, what: string, ok: readonly number[]): Promise<Response> {
  if (!ok.includes(r.status)) {
    const text = await r.text().catch(() => '');
    throw new RavelError('UNAVAILABLE', `${what} answered ${r.status}: ${r.headers.get('error-message') ?? text.slice(0, 200)}`);
  }
  return r;
}

async function login(api: string, user: string, password: string): Promise<Record<string, string>> {
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  const r = await check(await fetch(`${api}/login`, { method: 'POST', headers: { Authorization: `Basic ${basic}`, Accept: 'application/json' } }), 'login', [200]);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (cookie === '') throw new RavelError('UNAUTHENTICATED', 'login answered without a session cookie');
  return { Cookie: cookie };
}

/** The remembered upload's URL and offset, or undefined when there is none to resume. */
async function resumable(url: string | undefined, auth: Record<string, string>, size: number): Promise<number | undefined> {
  if (url === undefined) return undefined;
  const r = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...auth } });
  if (r.status !== 200 || r.headers.get('upload-length') !== String(size)) return undefined;
  return Number(r.headers.get('upload-offset'));
}

async function create(api: string, auth: Record<string, string>, size: number, name: string): Promise<string> {
  const meta = `filename ${Buffer.from(name).toString('base64')}`;
  const r = await check(
    await fetch(`${api}/uploads`, { method: 'POST', headers: { ...TUS, ...auth, 'Upload-Length': String(size), 'Upload-Metadata': meta } }),
    'creating the upload',
    [201],
  );
  return new URL(r.headers.get('location') ?? fail('no Location in the answer'), api).toString();
}

/** Bytes, rate and time left; the rate counts only what this run sent (not a resumed start). */
function progressBar(from: number): cliProgress.SingleBar {
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const started = Date.now();
  return new cliProgress.SingleBar(
    {
      format: (_options, params) => {
        const seconds = Math.max(0.001, (Date.now() - started) / 1000);
        const rate = `${mib((params.value - from) / seconds)}/s`;
        const eta = Number.isFinite(params.eta) ? `${params.eta}s` : '?';
        const width = 30;
        const done = Math.round(params.progress * width);
        return `[${'#'.repeat(done)}${'-'.repeat(width - done)}] ${mib(params.value)} / ${mib(params.total)}  ${rate}  ${eta} left`;
      },
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
}

async function send(url: string, auth: Record<string, string>, file: string, from: number, size: number, chunk: number, bar: cliProgress.SingleBar): Promise<void> {
  const fh = await open(file, 'r');
  try {
    for (let offset = from; offset < size; ) {
      const buf = Buffer.alloc(Math.min(chunk, size - offset));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      const body = buf.subarray(0, bytesRead);
      const sum = `sha256 ${createHash('sha256').update(body).digest('base64')}`;
      const headers = { ...TUS, ...auth, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), 'Upload-Checksum': sum };
      const r = await check(await fetch(url, { method: 'PATCH', headers, body }), `PATCH at ${offset}`, [204]);
      offset = Number(r.headers.get('upload-offset'));
      bar.update(offset);
    }
  } finally {
    await fh.close();
  }
}

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(file, 'r');
  try {
    for await (const c of fh.createReadStream()) h.update(c as Buffer);
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

interface Status {
  readonly state: string;
  readonly diskImageIds?: readonly string[];
  readonly error?: { readonly code: string; readonly message: string };
}

async function waitDone(url: string, auth: Record<string, string>): Promise<Status> {
  for (;;) {
    const r = await check(await fetch(url, { headers: { ...auth, Accept: 'application/json' } }), 'upload status', [200]);
    const s = (await r.json()) as Status;
    if (s.state === 'DONE' || s.state === 'FAILED') return s;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function runUpload(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      'chunk-mib': { type: 'string', default: '8' },
    },
  });
  const file = positionals[0] ?? fail('usage: ravel upload FILE --url URL --user USER --password PASSWORD');
  const base = (values.url ?? process.env['RAVEL_URL'] ?? fail('--url is required')).replace(/\/+$/, '');
  const api = base.endsWith('/api/v1') ? base : `${base}/api/v1`;
  const user = values.user ?? process.env['RAVEL_USER'] ?? fail('--user is required');
  const password = values.password ?? process.env['RAVEL_PASSWORD'] ?? fail('--password is required');
  const chunk = Math.max(1, Number(values['chunk-mib'])) * 1024 * 1024;

  const size = (await stat(file)).size;
  const fingerprint = await fingerprintOf(file, api);
  const auth = await login(api, user, password);
  const remembered = readState()[fingerprint];
  let url = remembered;
  let offset = await resumable(remembered, auth, size);
  if (offset === undefined || url === undefined) {
    url = await create(api, auth, size, file.split('/').pop() ?? 'upload');
    offset = 0;
    rememberUpload(fingerprint, url);
  } else {
    process.stdout.write(`resuming ${url} at byte ${offset} of ${size}\n`);
  }
  const bar = progressBar(offset);
  bar.start(size, offset);
  try {
    await send(url, auth, file, offset, size, chunk, bar);
  } finally {
    bar.stop();
  }
  const [status, localSha] = await Promise.all([waitDone(url, auth), fileSha256(file)]);
  rememberUpload(fingerprint, undefined);
  process.stdout.write(`upload: ${url}\nfile sha256: ${localSha}\n`);
  if (status.state === 'FAILED') {
    throw new RavelError('DECODE_FAILED', `the image store refused the upload: ${status.error?.code ?? ''} ${status.error?.message ?? ''}`);
  }
  for (const id of status.diskImageIds ?? []) {
    const r = await check(await fetch(`${api}/diskImages/${id}`, { headers: { ...auth, Accept: 'application/json' } }), 'disk image', [200]);
    const img = (await r.json()) as { format: string; virtualSize: number; storedSize: number; sha256: string | null };
    process.stdout.write(`diskImageId: ${id}  format: ${img.format}  virtualSize: ${img.virtualSize}  storedSize: ${img.storedSize}  sha256: ${img.sha256 ?? '-'}\n`);
    if (img.format === 'raw' && img.sha256 !== localSha) throw new RavelError('CORRUPT', 'the stored disk does not hash like the file');
  }
  return 0;
}
