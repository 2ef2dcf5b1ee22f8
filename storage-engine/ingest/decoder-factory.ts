/** Picks the decoder for a detected format, or rebuilds one from a checkpoint. */
import { match } from 'ts-pattern';
import type { Detected } from '../formats/detect.ts';
import type { DecoderCheckpoint, DecoderInit, DiskFormat, FormatDecoder } from '../formats/format.ts';
import { RawDecoder, rawStateFrom } from '../formats/raw-decoder.ts';
import { VhdDynamicDecoder } from '../formats/vhd/dynamic-decoder.ts';
import { VmdkSparseDecoder } from '../formats/vmdk/sparse-decoder.ts';
import { VmdkStreamDecoder, streamStateFrom } from '../formats/vmdk/stream-decoder.ts';
import { Qcow2Decoder } from '../formats/qcow2/decoder.ts';
import { VhdxDecoder } from '../formats/vhdx/decoder.ts';
import { unsupported } from '../formats/decode-error.ts';
import { RavelError } from '../../core/errors.ts';

export function createDecoder(detected: Exclude<Detected, { kind: 'ova' }>, init: DecoderInit): FormatDecoder {
  return match(detected)
    .with({ kind: 'raw' }, () => new RawDecoder(init))
    .with({ kind: 'vmdk-descriptor' }, () => {
      throw unsupported('external-extent', 'vmdk: a descriptor alone names extents outside the upload', 'vmdk');
    })
    .with({ kind: 'vhd-dynamic' }, () => new VhdDynamicDecoder(init))
    .with({ kind: 'vmdk-sparse' }, () => new VmdkSparseDecoder(init))
    .with({ kind: 'vmdk-stream' }, () => new VmdkStreamDecoder(init))
    .with({ kind: 'qcow2' }, () => new Qcow2Decoder(init))
    .with({ kind: 'vhdx' }, () => new VhdxDecoder(init))
    .exhaustive();
}

/**
 * The formats whose ingest checkpoints and resumes: those decoded strictly in upload order
 * with a small state (raw, ISO and fixed VHD are read as raw; a stream-optimized VMDK holds
 * one grain at most).
 *
 * The others are not resumable, on purpose. qcow2, VHDX, VHD dynamic and VMDK sparse are
 * read through the upload scheduler: their state is the tables parsed so far (up to
 * maxTableBytes, 256 MiB by default, far too big for a JSON checkpoint), the heap of upload
 * ranges still awaited, and upload bytes staged until a table later in the upload places
 * them; staged bytes live in a staging area that the block store drops on restart. Resuming
 * them would mean persisting all of that beside the disk, a second store of ingest state. An
 * OVA is a tar walk over several such disks. The gateway resumes every format anyway while
 * the process lives, by keeping one ingest open across PATCH requests; checkpoints only
 * matter across restarts.
 */
export const RESUMABLE_FORMATS: ReadonlySet<DiskFormat> = new Set<DiskFormat>(['raw', 'iso', 'vhd-fixed', 'vmdk-stream']);

export function canResume(format: DiskFormat): boolean {
  return RESUMABLE_FORMATS.has(format);
}

const KNOWN: ReadonlySet<string> = new Set<DiskFormat>(['raw', 'iso', 'qcow2', 'vmdk-sparse', 'vmdk-stream', 'vmdk-flat', 'vhd-fixed', 'vhd-dynamic', 'vhdx']);

export function resumeDecoder(cp: DecoderCheckpoint, init: DecoderInit): FormatDecoder {
  if (!KNOWN.has(cp.format)) throw new RavelError('INVALID_ARGUMENT', 'the checkpoint names an unknown format');
  return match(cp.format)
    .with('raw', 'iso', 'vhd-fixed', () => new RawDecoder(init, rawStateFrom(cp.state)))
    .with('vmdk-stream', () => new VmdkStreamDecoder(init, streamStateFrom(cp.state)))
    .with('qcow2', 'vhdx', 'vhd-dynamic', 'vmdk-sparse', 'vmdk-flat', (f) => {
      throw unsupported('not-resumable', `an ingest of ${f} cannot be resumed from a checkpoint (see RESUMABLE_FORMATS)`, f);
    })
    .exhaustive();
}
