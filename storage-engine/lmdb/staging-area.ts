/** A tenant's staging area: a version that is never committed, dropped on discard or restart. */
import { RavelError } from '../../core/errors.ts';
import type { StagingArea } from '../block-store.ts';
import type { BuildingVersion } from './building-version.ts';

export class StagingAreaImpl implements StagingArea {
  private discarded = false;

  constructor(
    private readonly building: BuildingVersion,
    private readonly drop: (building: BuildingVersion) => Promise<void>,
  ) {}

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.open(() => this.building.write(offset, data));
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return this.open(() => this.building.read(offset, length));
  }

  release(offset: number, length: number): Promise<void> {
    return this.open(() => this.building.zero(offset, length));
  }

  discard(): Promise<void> {
    if (this.discarded) return Promise.resolve();
    this.discarded = true;
    return this.building.inOrder(async () => {
      await this.building.drain().catch(() => undefined);
      await this.drop(this.building);
    });
  }

  private open<T>(fn: () => Promise<T>): Promise<T> {
    if (this.discarded) return Promise.reject(new RavelError('ILLEGAL_STATE', 'the staging area was discarded'));
    return fn();
  }
}
