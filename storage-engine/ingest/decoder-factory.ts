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
 * The formats whose ingest checkpoints and resumes. Raw, ISO and fixed VHD are read as raw
 * and a stream-optimized VMDK holds one grain at most. qcow2, VHDX, VHD dynamic and VMDK
 * sparse are read through the upload scheduler: their checkpoint holds the claims still
 * awaited (as tags their decoder binds again: formats/scheduler-checkpoint.ts), the headers
 * their tables need, and which upload ranges are staged; the staged bytes themselves stay in
 * the block store's staging area, which a resumable sink keeps across restarts with the
 * checkpoint (ingest/block-store-sink.ts, lmdb/durable-ingest.ts). A checkpoint is skipped at
 * a chunk boundary where claims hold more than a few MiB of a table being read.
 *
 * Not resumable: OVA, a tar walk over several disks (each its own sink) whose state would be
 * the walk plus one such checkpoint per disk; 'vmdk-flat' only occurs inside one. The gateway
 * resumes every format anyway while the process lives, by keeping one ingest open across
 * PATCH requests; checkpoints only matter across restarts.
 */
export const RESUMABLE_FORMATS: ReadonlySet<DiskFormat> = new Set<DiskFormat>([
  'raw',
  'iso',
  'vhd-fixed',
  'vmdk-stream',
  'qcow2',
  'vhdx',
  'vhd-dynamic',
  'vmdk-sparse',
]);

export function canResume(format: DiskFormat): boolean {
  return RESUMABLE_FORMATS.has(format);
}

const KNOWN: ReadonlySet<string> = new Set<DiskFormat>([
  'raw',
  'iso',
  'qcow2',
  'vmdk-sparse',
  'vmdk-stream',
  'vmdk-flat',
  'vhd-fixed',
  'vhd-dynamic',
  'vhdx',
]);

export function resumeDecoder(cp: DecoderCheckpoint, init: DecoderInit): FormatDecoder {
  if (!KNOWN.has(cp.format)) throw new RavelError('INVALID_ARGUMENT', 'the checkpoint names an unknown format');
  return match(cp.format)
    .with('raw', 'iso', 'vhd-fixed', () => new RawDecoder(init, rawStateFrom(cp.state)))
    .with('vmdk-stream', () => new VmdkStreamDecoder(init, streamStateFrom(cp.state)))
    .with('qcow2', () => new Qcow2Decoder(init, cp.state))
    .with('vhdx', () => new VhdxDecoder(init, cp.state))
    .with('vhd-dynamic', () => new VhdDynamicDecoder(init, cp.state))
    .with('vmdk-sparse', () => new VmdkSparseDecoder(init, cp.state))
    .with('vmdk-flat', (f) => {
      throw unsupported('not-resumable', `an ingest of ${f} cannot be resumed from a checkpoint (see RESUMABLE_FORMATS)`, f);
    })
    .exhaustive();
}
