/**
 * Which file to upload for each disk the VM names. A VMDK is either one file the image store
 * decodes (monolithic sparse, stream-optimized: they start with `KDMV`), or a small text
 * descriptor whose data sits in extent files: one FLAT (or VMFS) extent is a raw disk and is
 * uploaded in its place; split or sparse extents must be joined first (`vmware-vdiskmanager -r`
 * or `qemu-img convert`), and the error says so. Paths stay inside the export folder: an
 * absolute datastore path is looked up by its file name there.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { RavelError } from '../../core/errors.ts';

const DESCRIPTOR = '# Disk DescriptorFile';

/** The path of a file the VM names, inside `dir`. */
export function insideFolder(dir: string, file: string): string {
  const candidates = isAbsolute(file) ? [join(dir, basename(file))] : [resolve(dir, file), join(dir, basename(file))];
  for (const c of candidates) {
    const rel = relative(dir, c);
    if (!rel.startsWith('..') && !isAbsolute(rel) && existsSync(c)) return c;
  }
  throw new RavelError('NOT_FOUND', `${file}: not in ${dir}`);
}

async function head(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The file whose bytes are the disk: the VMDK itself, or the flat extent its descriptor names. */
export async function diskFileToUpload(dir: string, file: string): Promise<string> {
  const path = insideFolder(dir, file);
  const start = await head(path, 64 * 1024);
  if (!start.subarray(0, DESCRIPTOR.length).toString('latin1').startsWith(DESCRIPTOR)) return path;
  const extents = [...start.toString('utf8').matchAll(/^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)\s+"([^"]+)"(?:\s+(\d+))?/gm)];
  const [only, ...more] = extents;
  if (only === undefined) throw new RavelError('INVALID_ARGUMENT', `${file}: a VMDK descriptor without extents`);
  const type = (only[3] ?? '').toUpperCase();
  if (more.length > 0 || (type !== 'FLAT' && type !== 'VMFS') || Number(only[5] ?? '0') !== 0) {
    throw new RavelError(
      'UNSUPPORTED_FORMAT',
      `${file}: ${extents.length} ${type} extent(s); join them into one file first (vmware-vdiskmanager -r ${file} -t 0 out.vmdk, or qemu-img convert -O vmdk)`,
    );
  }
  return insideFolder(dir, only[4] ?? '');
}
