/** Small tus calls over fetch for the upload tests. */
import { createHash } from 'node:crypto';

export const TUS = { 'Tus-Resumable': '1.0.0' };

export async function createUpload(api: string, auth: Record<string, string>, length: number, name = 'disk.img'): Promise<string> {
  const r = await fetch(`${api}/uploads`, {
    method: 'POST',
    headers: { ...TUS, ...auth, 'Upload-Length': String(length), 'Upload-Metadata': `filename ${Buffer.from(name).toString('base64')}` },
  });
  if (r.status !== 201) throw new Error(`create answered ${r.status}: ${await r.text()}`);
  return new URL(r.headers.get('location') ?? '', api).toString();
}

export function patch(url: string, auth: Record<string, string>, offset: number, body: Uint8Array, checksum?: string): Promise<Response> {
  return fetch(url, {
    method: 'PATCH',
    headers: {
      ...TUS,
      ...auth,
      'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': String(offset),
      ...(checksum === undefined ? {} : { 'Upload-Checksum': checksum }),
    },
    body,
  });
}

export function sha1(data: Uint8Array): string {
  return `sha1 ${createHash('sha1').update(data).digest('base64')}`;
}

export async function offsetOf(url: string, auth: Record<string, string>): Promise<number> {
  const r = await fetch(url, { method: 'HEAD', headers: { ...TUS, ...auth } });
  return Number(r.headers.get('upload-offset'));
}

/** Polls the upload's status until it is DONE or FAILED. */
export async function settled(url: string, auth: Record<string, string>): Promise<{ state: string; diskImageIds?: string[]; error?: unknown }> {
  for (let i = 0; i < 500; i++) {
    const r = await fetch(url, { headers: { ...auth, Accept: 'application/json' } });
    const s = (await r.json()) as { state: string; diskImageIds?: string[] };
    if (s.state === 'DONE' || s.state === 'FAILED') return s;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('upload did not settle');
}

/** Uploads in PATCHes of `chunk` bytes; returns the disk image id. */
export async function uploadInParts(api: string, auth: Record<string, string>, data: Uint8Array, chunk: number): Promise<string> {
  const url = await createUpload(api, auth, data.length);
  for (let at = 0; at < data.length; at += chunk) {
    const r = await patch(url, auth, at, data.subarray(at, at + chunk));
    if (r.status !== 204) throw new Error(`PATCH at ${at} answered ${r.status}: ${await r.text()}`);
  }
  const s = await settled(url, auth);
  if (s.state !== 'DONE' || s.diskImageIds?.[0] === undefined) throw new Error(`upload ended ${JSON.stringify(s)}`);
  return s.diskImageIds[0];
}
