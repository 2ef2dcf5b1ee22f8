/**
 * Finds an upload's format from its first bytes, never from a file name. Raw-looking data is
 * decoded as raw while it arrives, and the raw decoder refines the answer where the evidence
 * comes later: a `conectix` footer in the last 512 bytes makes it a fixed VHD, a primary volume
 * descriptor at 32 KiB makes it an ISO 9660 image.
 */
import { ByteView, startsWith } from './bytes.ts';

/** How many leading bytes detection wants (fewer when the upload is shorter). */
export const SNIFF_BYTES = 512;

export type Detected =
  | { readonly kind: 'qcow2' }
  | { readonly kind: 'vmdk-sparse' }
  | { readonly kind: 'vmdk-stream' }
  | { readonly kind: 'vmdk-descriptor' }
  | { readonly kind: 'vhd-dynamic' }
  | { readonly kind: 'vhdx' }
  | { readonly kind: 'ova' }
  | { readonly kind: 'raw' };

const VMDK_FLAG_MARKERS = 1 << 17;

export function detectFormat(head: Uint8Array): Detected {
  if (startsWith(head, 'QFI\xfb')) return { kind: 'qcow2' };
  if (startsWith(head, 'KDMV') && head.length >= 12) {
    const flags = new ByteView(head, 'vmdk header').u32le(8);
    return (flags & VMDK_FLAG_MARKERS) !== 0 ? { kind: 'vmdk-stream' } : { kind: 'vmdk-sparse' };
  }
  if (startsWith(head, 'conectix')) return { kind: 'vhd-dynamic' };
  if (startsWith(head, 'vhdxfile')) return { kind: 'vhdx' };
  if (startsWith(head, 'ustar', 257)) return { kind: 'ova' };
  if (looksLikeVmdkDescriptor(head)) return { kind: 'vmdk-descriptor' };
  return { kind: 'raw' };
}

/** A text VMDK descriptor: the comment line qemu and VMware write, or its createType key. */
export function looksLikeVmdkDescriptor(head: Uint8Array): boolean {
  if (startsWith(head, '# Disk DescriptorFile')) return true;
  const text = Buffer.from(head.subarray(0, 1024)).toString('latin1');
  return !text.includes('\0') && /^\s*(#[^\n]*\n\s*)*version\s*=\s*\d+\s*\n[\s\S]*?createType\s*=/.test(text);
}
