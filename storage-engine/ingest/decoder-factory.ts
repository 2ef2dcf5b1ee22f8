/** Picks the decoder for a detected format, or rebuilds one from a checkpoint. */
import { match } from 'ts-pattern';
import type { Detected } from '../formats/detect.ts';
import type { DecoderCheckpoint, DecoderInit, FormatDecoder } from '../formats/format.ts';
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

export function resumeDecoder(cp: DecoderCheckpoint, init: DecoderInit): FormatDecoder {
  return match(cp.format)
    .with('raw', () => new RawDecoder(init, rawStateFrom(cp.state)))
    .with('vmdk-stream', () => new VmdkStreamDecoder(init, streamStateFrom(cp.state)))
    .otherwise((f) => {
      throw new RavelError('INVALID_ARGUMENT', `an ingest of ${f} cannot be resumed`);
    });
}
