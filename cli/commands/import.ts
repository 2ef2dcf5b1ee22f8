/**
 * `ravel import DIR`: a VM exported from VMware (a folder with a `.vmx` and its VMDKs, or an
 * OVF folder) into the library in one command. Reads its CPUs, memory, disks and NICs, uploads
 * each disk over tus as `ravel upload` does (progress, resume), then makes the library VM over
 * the Ravello API: a draft application holding the VM, `POST /images` to save that VM, and the
 * draft deleted once the image is DONE. When the server has no `POST /images`, or its disk
 * images are not numbered yet, it prints the library VM's description and the disk ids instead
 * (exit 0: the disks are uploaded; the summary says the library VM was not made).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RavelError } from '../../core/errors.ts';
import { diskFileToUpload } from '../import/disk-files.ts';
import { designVmOf, libraryVmOf, type LibraryVmDescription, type UploadedDisk } from '../import/library-vm.ts';
import { readOvf } from '../import/ovf-folder.ts';
import { parseVmx } from '../import/vmx.ts';
import type { VmwareVm } from '../import/vmware-vm.ts';
import { EXIT, usageError } from '../lib/exit-codes.ts';
import { printJson } from '../lib/output.ts';
import { RestClient } from '../lib/rest-client.ts';
import { uploadFile } from '../lib/tus-upload.ts';
import { uploadOptions, uploadTarget } from './upload.ts';

const usage = 'usage: ravel import DIR [--name NAME] [--url URL] [--user U --password P | --token T] [--dry-run] [--json]';

/** The VM the folder holds: its one .vmx, else its one .ovf. */
export function readExport(dir: string): VmwareVm {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw usageError(`${dir} is not a folder\n${usage}`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof RavelError) throw e;
    throw new RavelError('NOT_FOUND', `${dir}: no such folder`);
  }
  const pick = (ext: string): string | undefined => {
    const found = names.filter((n) => n.toLowerCase().endsWith(ext));
    if (found.length > 1) throw new RavelError('INVALID_ARGUMENT', `${dir} holds ${found.length} ${ext} files; export one VM per folder`);
    return found[0];
  };
  const vmx = pick('.vmx');
  if (vmx !== undefined) return parseVmx(readFileSync(join(dir, vmx), 'utf8'), basename(vmx, '.vmx'));
  const ovf = pick('.ovf');
  if (ovf !== undefined) return readOvf(readFileSync(join(dir, ovf), 'utf8'));
  throw new RavelError('INVALID_ARGUMENT', `${dir} holds neither a .vmx nor an .ovf (for an .ova, use ravel upload)`);
}

interface Outcome {
  readonly vm: VmwareVm;
  readonly disks: readonly (UploadedDisk & { readonly file: string; readonly sha256: string | null })[];
  readonly libraryVm: LibraryVmDescription;
  /** The library VM made, or why none was. */
  readonly image: { readonly id: number; readonly loadingStatus?: string } | { readonly notCreated: string };
}

export async function runImport(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      ...uploadOptions,
      name: { type: 'string' },
      'dry-run': { type: 'boolean' },
      timeout: { type: 'string', default: '600' },
    },
  });
  const dirArg = positionals[0];
  if (dirArg === undefined) throw usageError(usage);
  const dir = resolve(dirArg);
  const found = readExport(dir);
  const vm = values.name === undefined ? found : { ...found, name: values.name };
  const files = await Promise.all(vm.disks.map((d) => diskFileToUpload(dir, d.file)));
  if (values['dry-run'] === true) {
    // Sizes as declared, else the file's size: the upload reads the real virtual size.
    const description = libraryVmOf(vm, vm.disks.map((d, i) => ({ diskImageId: 'not-uploaded', virtualSize: d.capacityBytes ?? statSync(files[i] ?? '').size })));
    printJson({ vm, files, libraryVm: description });
    return EXIT.ok;
  }
  const target = await uploadTarget(values);
  const chunkBytes = Math.max(1, Number(values['chunk-mib'])) * 1024 * 1024;
  const disks: Outcome['disks'][number][] = [];
  for (const file of files) {
    const r = await uploadFile(target, file, { chunkBytes, name: `${vm.name}-${basename(file)}` });
    const d = r.disks[0];
    if (d === undefined || r.disks.length !== 1) throw new RavelError('DECODE_FAILED', `${basename(file)} made ${r.disks.length} disk images, not one`);
    const numeric = /^\d{1,15}$/.test(d.id) ? Number(d.id) : d.id;
    disks.push({ file: basename(file), diskImageId: numeric, virtualSize: d.virtualSize, sha256: d.sha256 });
  }
  const libraryVm = libraryVmOf(vm, disks);
  const client = new RestClient(target.api, target.auth, 'session');
  const image = await createLibraryVm(client, libraryVm, disks, Number(values.timeout) * 1000);
  const outcome: Outcome = { vm, disks, libraryVm, image };
  if (values.json === true) printJson(outcome);
  else {
    for (const d of disks) process.stdout.write(`disk ${d.file}: diskImageId ${d.diskImageId}  virtualSize ${d.virtualSize}  sha256 ${d.sha256 ?? '-'}\n`);
    if ('id' in image) process.stdout.write(`library VM ${image.id} (${libraryVm.name}): ${vm.cpus} CPUs, ${vm.memoryMb} MB, ${vm.disks.length} disks, ${vm.nics.length} NICs\n`);
    else {
      process.stdout.write(`library VM not created: ${image.notCreated}\nits description:\n`);
      printJson(libraryVm);
    }
  }
  return EXIT.ok;
}

/** Saves the VM through a draft application and `POST /images`; the draft goes once the image is DONE. */
async function createLibraryVm(
  client: RestClient,
  libraryVm: LibraryVmDescription,
  disks: readonly UploadedDisk[],
  timeoutMs: number,
): Promise<Outcome['image']> {
  if (disks.some((d) => typeof d.diskImageId !== 'number'))
    return { notCreated: 'the server answered store ids for the disks, not disk image numbers (its library does not register uploads yet)' };
  const api = await client.call<{ paths?: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
  if (api.paths?.['/images']?.['post'] === undefined) return { notCreated: 'this server has no POST /images yet' };
  // Apart from the drives' (1..) and NICs' (101..) ids: ids are unique across a design.
  const vmId = 1000;
  const draft = await client.call<{ id: number }>(
    'POST',
    '/applications',
    { name: `import-${libraryVm.name}-${randomBytes(3).toString('hex')}`.slice(0, 255), description: 'ravel import: removed once the library VM is saved', design: { vms: [designVmOf(libraryVm, vmId)] } },
    { idempotent: true },
  );
  try {
    let image = await client.call<{ id: number; loadingStatus?: string }>('POST', '/images', { applicationId: draft.id, vmId, imageName: libraryVm.name }, { idempotent: true });
    const deadline = Date.now() + timeoutMs;
    while (image.loadingStatus !== undefined && image.loadingStatus !== 'DONE') {
      if (image.loadingStatus === 'FAILED') throw new RavelError('UNAVAILABLE', `library VM ${image.id}: saving failed`);
      if (Date.now() > deadline) throw new RavelError('TIMEOUT', `library VM ${image.id} still ${image.loadingStatus}`, { details: { exitCode: EXIT.waitTimedOut } });
      await new Promise((r) => setTimeout(r, 500));
      image = await client.call('GET', `/images/${image.id}`);
    }
    return image;
  } finally {
    await client.call('DELETE', `/applications/${draft.id}`).catch((e: unknown) => {
      process.stderr.write(`ravel: the draft application ${draft.id} was not removed: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  }
}
