/**
 * One file to /api/v1/uploads over tus, as `ravel upload` and `ravel import` do it: PATCHes of
 * a fixed size, each with an Upload-Checksum the server verifies, a progress bar (bytes, rate,
 * time left), and resuming. The upload's URL is kept in the user's cache dir under the file's
 * fingerprint (server, path, size, mtime), so running the same command again after an
 * interruption resumes at the offset the server reports. Ends when the image store has
 * finished with the bytes, with the disk images it made and their checksums.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { RavelError } from '../../core/errors.ts';

const TUS = { 'Tus-Resumable': '1.0.0' };

export interface UploadTarget {
  /** The API root, `http://host:port/api/v1`. */
  readonly api: string;
  readonly auth: Readonly<Record<string, string>>;
}

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

export async function check(r: Response, what: string, ok: readonly number[]): Promise<Response> {
  if (!ok.includes(r.status)) {
    const text = await r.text().catch(() => '');
    const code = r.status === 401 ? 'UNAUTHENTICATED' : 'UNAVAILABLE';
    throw new RavelError(code, `${what} answered ${r.status}: ${r.headers.get('error-message') ?? text.slice(0, 200)}`);
  }
  return r;
}

/** The remembered upload's offset, or undefined when there is none to resume. */
async function resumable(url: string | undefined, auth: Readonly<Record<string, string>>, size: number): Promise<number | undefined> {
  if (url === undefined) return undefined;
  const r = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...auth } });
  if (r.status !== 200 || r.headers.get('upload-length') !== String(size)) return undefined;
  return Number(r.headers.get('upload-offset'));
}

async function create(t: UploadTarget, size: number, name: string): Promise<string> {
  const meta = `filename ${Buffer.from(name).toString('base64')}`;
  const r = await check(
    await fetch(`${t.api}/uploads`, { method: 'POST', headers: { ...TUS, ...t.auth, 'Upload-Length': String(size), 'Upload-Metadata': meta } }),
    'creating the upload',
    [201],
  );
  const location = r.headers.get('location');
  if (location === null) throw new RavelError('UNAVAILABLE', 'no Location in the answer to creating the upload');
  return new URL(location, t.api).toString();
}

/** Bytes, rate and time left; the rate counts only what this run sent (not a resumed start). */
function progressBar(from: number, label: string): cliProgress.SingleBar {
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
        return `${label} [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${mib(params.value)} / ${mib(params.total)}  ${rate}  ${eta} left`;
      },
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
}

async function send(url: string, auth: Readonly<Record<string, string>>, file: string, from: number, size: number, chunk: number, bar: cliProgress.SingleBar): Promise<void> {
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
  readonly diskImageIds?: readonly (string | number)[];
  readonly imageId?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

async function waitDone(url: string, auth: Readonly<Record<string, string>>): Promise<Status> {
  for (;;) {
    const r = await check(await fetch(url, { headers: { ...auth, Accept: 'application/json' } }), 'upload status', [200]);
    const s = (await r.json()) as Status;
    if (s.state === 'DONE' || s.state === 'FAILED') return s;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface UploadedDisk {
  readonly id: string;
  readonly format: string;
  readonly virtualSize: number;
  readonly storedSize: number;
  readonly sha256: string | null;
}

export interface UploadOutcome {
  readonly url: string;
  /** Where the previous run stopped, when this one resumed. */
  readonly resumedAt: number | undefined;
  readonly fileSha256: string;
  readonly disks: readonly UploadedDisk[];
  /** The library VM the store made (an OVA), if any. */
  readonly imageId: number | undefined;
}

/** Uploads `file` (resuming an earlier run's upload of it), waits for the store, and reads back its disks. */
export async function uploadFile(
  t: UploadTarget,
  file: string,
  o: { readonly chunkBytes: number; readonly name?: string; readonly onResume?: (url: string, offset: number) => void },
): Promise<UploadOutcome> {
  const size = (await stat(file)).size;
  const fingerprint = await fingerprintOf(file, t.api);
  const remembered = readState()[fingerprint];
  let url = remembered;
  let offset = await resumable(remembered, t.auth, size);
  const resumedAt = offset;
  if (offset === undefined || url === undefined) {
    url = await create(t, size, o.name ?? basename(file));
    offset = 0;
    rememberUpload(fingerprint, url);
  } else {
    o.onResume?.(url, offset);
  }
  const bar = progressBar(offset, basename(file));
  bar.start(size, offset);
  try {
    await send(url, t.auth, file, offset, size, o.chunkBytes, bar);
  } finally {
    bar.stop();
  }
  const [status, localSha] = await Promise.all([waitDone(url, t.auth), fileSha256(file)]);
  rememberUpload(fingerprint, undefined);
  if (status.state === 'FAILED') {
    throw new RavelError('DECODE_FAILED', `the image store refused ${basename(file)}: ${status.error?.code ?? ''} ${status.error?.message ?? ''}`);
  }
  const disks: UploadedDisk[] = [];
  for (const id of status.diskImageIds ?? []) {
    const r = await check(await fetch(`${t.api}/diskImages/${id}`, { headers: { ...t.auth, Accept: 'application/json' } }), 'disk image', [200]);
    const img = (await r.json()) as Omit<UploadedDisk, 'id'>;
    disks.push({ id: String(id), format: img.format, virtualSize: img.virtualSize, storedSize: img.storedSize, sha256: img.sha256 });
  }
  return { url, resumedAt, fileSha256: localSha, disks, imageId: status.imageId };
}
