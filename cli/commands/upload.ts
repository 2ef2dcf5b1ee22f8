/**
 * `ravel upload FILE [--url URL] [--user U --password P]`: uploads a disk image, ISO or OVA over
 * tus with a progress bar (lib/tus-upload.ts), resuming an interrupted run, and prints the disk
 * image ids and checksums. Without --user it uses the session `ravel login` saved (or
 * RAVEL_TOKEN).
 */
import { parseArgs } from 'node:util';
import { RavelError } from '../../core/errors.ts';
import { usageError } from '../lib/exit-codes.ts';
import { printJson } from '../lib/output.ts';
import { connect } from '../lib/rest-client.ts';
import { loginTarget } from '../lib/basic-login.ts';
import { uploadFile, type UploadTarget } from '../lib/tus-upload.ts';

export { fingerprintOf, rememberUpload, stateFile } from '../lib/tus-upload.ts';

const usage = 'usage: ravel upload FILE [--url URL] [--user USER --password PASSWORD] [--chunk-mib N] [--json]';

/** The server and credentials of an upload: Basic login when --user is given, else the saved session. */
export async function uploadTarget(values: { url?: string | undefined; user?: string | undefined; password?: string | undefined; token?: string | undefined }): Promise<UploadTarget> {
  const user = values.user ?? process.env['RAVEL_USER'];
  if (user === undefined) {
    const client = connect({ url: values.url, token: values.token });
    return { api: client.api, auth: client.auth };
  }
  const url = values.url ?? process.env['RAVEL_URL'];
  if (url === undefined) throw usageError(`--url is required with --user\n${usage}`);
  const password = values.password ?? process.env['RAVEL_PASSWORD'];
  if (password === undefined) throw usageError(`--password is required with --user\n${usage}`);
  return loginTarget(url, user, password);
}

/** The options of every command that uploads: the server, the credentials, the PATCH size. */
export const uploadOptions = {
  url: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  'chunk-mib': { type: 'string', default: '8' },
} as const;

export async function runUpload(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: uploadOptions });
  const file = positionals[0];
  if (file === undefined) throw usageError(usage);
  const chunkBytes = Math.max(1, Number(values['chunk-mib'])) * 1024 * 1024;
  const target = await uploadTarget(values);
  const onResume = (url: string, offset: number): void => {
    const line = `resuming ${url} at byte ${offset}\n`;
    if (values.json === true) process.stderr.write(line);
    else process.stdout.write(line);
  };
  const r = await uploadFile(target, file, { chunkBytes, onResume });
  if (values.json === true) {
    printJson(r);
  } else {
    process.stdout.write(`upload: ${r.url}\nfile sha256: ${r.fileSha256}\n`);
    for (const d of r.disks)
      process.stdout.write(`diskImageId: ${d.id}  format: ${d.format}  virtualSize: ${d.virtualSize}  storedSize: ${d.storedSize}  sha256: ${d.sha256 ?? '-'}\n`);
    if (r.imageId !== undefined) process.stdout.write(`imageId: ${r.imageId}\n`);
  }
  for (const d of r.disks)
    if (d.format === 'raw' && d.sha256 !== r.fileSha256) throw new RavelError('CORRUPT', 'the stored disk does not hash like the file');
  return 0;
}
