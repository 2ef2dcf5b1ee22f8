/**
 * The image-upload workload: tus uploads of small raw disks (a few PATCHes each, every one with
 * a SHA-1 checksum) to the gateways, each upload one operation in the history, acknowledged
 * when the upload reports DONE with its disk image id and SHA-256. The checker reads each
 * acknowledged image back from the node that stored it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { WorkloadContext } from './history.ts';
import { TenantClient } from './rest-client.ts';


const TUS = { 'Tus-Resumable': '1.0.0' };
const CHUNK = 128 * 1024;

type Step = { ok: true; image: string } | { ok: false; definite: boolean; code: string; status: number };

async function uploadOnce(gateway: string, cookie: string, data: Buffer): Promise<Step> {
  const auth = { cookie };
  const api = `${gateway}/api/v1`;
  const created = await fetch(`${api}/uploads`, {
    method: 'POST',
    headers: { ...TUS, ...auth, 'Upload-Length': String(data.length), 'Upload-Metadata': `filename ${Buffer.from('bench.img').toString('base64')}` },
    signal: AbortSignal.timeout(10_000),
  });
  await created.arrayBuffer();
  if (created.status !== 201) return { ok: false, definite: created.status < 500, code: created.headers.get('error-code') ?? `HTTP_${created.status}`, status: created.status };
  const url = new URL(created.headers.get('location') ?? '', api).toString();
  for (let at = 0; at < data.length; at += CHUNK) {
    const part = data.subarray(at, at + CHUNK);
    const r = await fetch(url, {
      method: 'PATCH',
      headers: { ...TUS, ...auth, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(at), 'Upload-Checksum': `sha1 ${createHash('sha1').update(part).digest('base64')}` },
      body: part,
      signal: AbortSignal.timeout(10_000),
    });
    await r.arrayBuffer();
    if (r.status !== 204) return { ok: false, definite: false, code: r.headers.get('error-code') ?? `HTTP_${r.status}`, status: r.status };
  }
  for (let i = 0; i < 200; i++) {
    const r = await fetch(url, { headers: { ...auth, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    const s = (await r.json()) as { state?: string; diskImageIds?: string[]; error?: { code?: string } };
    if (s.state === 'DONE' && s.diskImageIds?.[0] !== undefined) return { ok: true, image: s.diskImageIds[0] };
    // The reason the upload failed, for the report's errors by code.
    if (s.state === 'FAILED') return { ok: false, definite: true, code: `UPLOAD_FAILED_${s.error?.code ?? 'UNKNOWN'}`, status: 200 };
    await new Promise((res) => setTimeout(res, 50));
  }
  return { ok: false, definite: false, code: 'NOT_SETTLED', status: 0 };
}

let serial = 0;

/**
 * Each worker keeps its newest KEPT uploads and deletes older ones, as a user of the library
 * would: a library is one record with a byte budget (library-state.ts), and a long soak that
 * never deleted filled it. The checker reads back what was kept, and a deleted one must be gone.
 */
const KEPT = 100;

async function deleteUpload(o: WorkloadContext, rest: TenantClient, tenant: string, image: string): Promise<void> {
  const id = `${o.proc}-d${++serial}`;
  const t0 = Date.now();
  o.record({ type: 'invoke', id, op: 'delete-upload', tenant, at: t0, gateway: rest.gateway });
  const r = await rest.call('DELETE', `/diskImages/${image}`);
  const at = Date.now();
  o.record({ type: r.outcome, id, op: 'delete-upload', tenant, at, ms: at - t0, gateway: r.gateway, image, status: r.status, ...(r.code === undefined ? {} : { code: r.code }) });
}

export async function runUploads(o: WorkloadContext): Promise<void> {
  const workers: Array<Promise<void>> = [];
  o.tenants.forEach((tenant, ti) => {
    for (let w = 0; w < o.concurrency; w++) {
      workers.push((async () => {
        const rest = new TenantClient(tenant, o.gateways, ti + w);
        const kept: string[] = [];
        while (Date.now() < o.deadline) {
          const oldest = kept.length > KEPT ? kept.shift() : undefined;
          if (oldest !== undefined) {
            await deleteUpload(o, rest, tenant.name, oldest);
            continue;
          }
          if (!(await rest.ensureLogin())) {
            await new Promise((r) => setTimeout(r, 500));
            continue;
          }
          // Data, then a hole, then data (a raw disk: whole 512-byte sectors); the store keeps blocks, not zeros.
          const data = Buffer.concat([randomBytes(391 * 512), Buffer.alloc(262_144), randomBytes(137 * 512)]);
          const id = `${o.proc}-u${++serial}`;
          const gateway = rest.gateway;
          const t0 = Date.now();
          o.record({ type: 'invoke', id, op: 'upload', tenant: tenant.name, at: t0, gateway });
          let step: Step;
          try {
            step = await uploadOnce(gateway, rest.sessionCookie, data);
          } catch (e) {
            const refused = (e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
            step = { ok: false, definite: refused, code: refused ? 'ECONNREFUSED' : 'CONNECTION_LOST', status: 0 };
          }
          const at = Date.now();
          const base = { id, op: 'upload' as const, tenant: tenant.name, at, ms: at - t0, gateway };
          if (step.ok) {
            o.record({ type: 'ok', ...base, status: 200, image: step.image, sha256: createHash('sha256').update(data).digest('hex') });
            kept.push(step.image);
          } else {
            o.record({ type: step.definite ? 'fail' : 'info', ...base, status: step.status, code: step.code });
            if (step.status === 401) await rest.call('GET', '/organization');
            rest.rotate();
          }
        }
      })());
    }
  });
  await Promise.all(workers);
}
