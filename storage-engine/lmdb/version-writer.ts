/** The public face of a version being written, with its lifecycle. */
import { match } from 'ts-pattern';
import { RavelError, toRavelError } from '../../core/errors.ts';
import type { VersionInfo, VersionWriter } from '../block-store.ts';
import type { BuildingVersion } from './building-version.ts';

/** What the store does when a writer finishes. */
export interface WriterHost {
  commit(version: BuildingVersion): Promise<VersionInfo>;
  abort(version: BuildingVersion): Promise<void>;
}

type WriterState =
  | { readonly status: 'open' }
  | { readonly status: 'committing' }
  | { readonly status: 'committed'; readonly info: VersionInfo }
  | { readonly status: 'aborted' };

export class VersionWriterImpl implements VersionWriter {
  private state: WriterState = { status: 'open' };

  constructor(
    private readonly building: BuildingVersion,
    private readonly host: WriterHost,
  ) {}

  get versionId(): string {
    return this.building.record.id;
  }

  get size(): number {
    return this.building.size;
  }

  setSize(bytes: number): void {
    this.ensureOpen();
    if (!Number.isSafeInteger(bytes) || bytes < this.building.size) {
      throw new RavelError('INVALID_ARGUMENT', `size ${bytes} is not a whole number at least ${this.building.size}`);
    }
    this.building.size = bytes;
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.whenOpen(() => this.building.write(offset, data));
  }

  writeBlock(index: number, data: Uint8Array): Promise<void> {
    return this.whenOpen(() => this.building.writeBlock(index, data));
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return this.whenOpen(() => this.building.read(offset, length));
  }

  commit(): Promise<VersionInfo> {
    return this.whenOpen(() => {
      this.state = { status: 'committing' };
      return this.building.inOrder(async () => {
        try {
          await this.building.drain();
          const info = await this.host.commit(this.building);
          this.state = { status: 'committed', info };
          return info;
        } catch (e) {
          this.state = { status: 'aborted' };
          await this.host.abort(this.building);
          throw e;
        }
      });
    });
  }

  abort(): Promise<void> {
    return match(this.state)
      .with({ status: 'aborted' }, () => Promise.resolve())
      .with({ status: 'committed' }, { status: 'committing' }, () =>
        Promise.reject(new RavelError('ILLEGAL_STATE', 'the version is already committed')),
      )
      .with({ status: 'open' }, () => {
        this.state = { status: 'aborted' };
        return this.building.inOrder(async () => {
          await this.building.drain().catch(() => undefined);
          await this.host.abort(this.building);
        });
      })
      .exhaustive();
  }

  private whenOpen<T>(fn: () => Promise<T>): Promise<T> {
    try {
      this.ensureOpen();
    } catch (e) {
      return Promise.reject(toRavelError(e));
    }
    return fn();
  }

  private ensureOpen(): void {
    match(this.state)
      .with({ status: 'open' }, () => undefined)
      .with({ status: 'committing' }, { status: 'committed' }, () => {
        throw new RavelError('ILLEGAL_STATE', 'the writer has committed');
      })
      .with({ status: 'aborted' }, () => {
        throw new RavelError('ILLEGAL_STATE', 'the writer was aborted');
      })
      .exhaustive();
  }
}
