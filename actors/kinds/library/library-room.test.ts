import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRavelError } from '../../../core/errors.ts';
import type { StoredDiskImage } from '../../../domain/library/library-records.ts';
import { assertLibraryRoom, emptyLibrary, LIBRARY_RECORD_BUDGET, type LibraryState } from './library-state.ts';

/** A library of `n` uploaded disk images, as a soak's uploads leave it. */
function withDiskImages(n: number): LibraryState {
  const diskImages = Array.from({ length: n }, (_, i): StoredDiskImage => ({
    id: 1000 + i,
    name: `upload-${i}.qcow2`,
    size: { unit: 'GB', value: 20 },
    isCdrom: false,
    loadingStatus: 'DONE',
    creationTime: 1_795_870_000_000 + i,
  }));
  return { ...emptyLibrary(), diskImages };
}

test('a library whose record has reached its budget takes nothing more; a smaller one does', () => {
  assert.doesNotThrow(() => assertLibraryRoom(withDiskImages(100)));
  const full = withDiskImages(8_000); // fewer than MAX_DISK_IMAGES, more bytes than a record may take
  assert.throws(() => assertLibraryRoom(full), (e: unknown) => isRavelError(e, 'QUOTA_EXCEEDED') && (e.details?.['libraryBytes'] as number) >= LIBRARY_RECORD_BUDGET);
  assert.ok(LIBRARY_RECORD_BUDGET < 1024 * 1024, 'below what the record store takes (NATS max_payload)');
});
