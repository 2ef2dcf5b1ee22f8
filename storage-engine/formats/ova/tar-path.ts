/** Member names of an OVA must stay inside it: no absolute paths, no `..`, no drive letters. */
import { decodeFailed } from '../decode-error.ts';

export function checkEntryName(name: string): string {
  const parts = name.split(/[\\/]+/);
  if (
    name.length === 0 ||
    name.startsWith('/') ||
    name.startsWith('\\') ||
    /^[a-z]:/i.test(name) ||
    name.includes('\0') ||
    parts.some((p) => p === '..')
  ) {
    throw decodeFailed('path-escape', `ova: member name ${JSON.stringify(name)} escapes the archive`, 'ova');
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}
