/**
 * `library`: one actor per organization, id = the organization's id. It holds the tenant's
 * library over the image store (disk images, library VMs, blueprints, documentation notes),
 * checks every principal against the organization (another tenant's object is NOT_FOUND), runs
 * saves as durable reminders, and hands its events to the organization from an outbox.
 */
import { match, P } from 'ts-pattern';
import { parseInput } from '../../../domain/schemas/index.ts';
import { handOver, OUTBOX_REMINDER } from '../../../events/event-outbox.ts';
import { defineActorKind, type ActorRef } from '../../actor-kind.ts';
import { organizationRef } from '../organization/organization-kind.ts';
import { provisionApplicationDisks, releaseApplicationDisks } from './library-app-disks.ts';
import { blueprintSnapshots, getBlueprint, instantiateBlueprint, listBlueprints, deleteBlueprint, saveBlueprint } from './library-blueprints.ts';
import { deleteDiskImage, getDiskImage, listDiskImages, locateDiskImage, registerDiskImage, saveDiskImage, updateDiskImage } from './library-disk-images.ts';
import { getDocumentation, setDocumentation } from './library-docs.ts';
import { LibraryMsgSchema, type LibraryMsg } from './library-messages.ts';
import { isSaveReminder, runSave } from './library-save-job.ts';
import { decodeLibraryState, emptyLibrary, type LibraryState } from './library-state.ts';
import { organizationOf, type LibCtx, type LibraryDeps } from './library-turn.ts';
import { deleteImage, getImage, listImages, putImage, saveImage, updateImage } from './library-vms.ts';

export type { LibraryDeps };

export function libraryRef(organizationId: number): ActorRef {
  return { kind: 'library', id: String(organizationId) };
}

/** Hands the pending events to the organization as one batch; keeps those it does not hold. */
async function forwardEvents(ctx: LibCtx): Promise<void> {
  const s = ctx.state;
  if (s.outbox.pending.length === 0) return;
  ctx.setState({ ...s, outbox: await handOver(ctx.actors, organizationRef(organizationOf(ctx)), `library-${ctx.self.id}`, s.outbox) });
}

export function libraryKind(deps: LibraryDeps = {}) {
  return defineActorKind<LibraryState, LibraryMsg, unknown>({
    name: 'library',
    schemaVersion: 1,
    initialState: () => emptyLibrary(),
    decodeMessage: (raw) => parseInput(LibraryMsgSchema, raw),
    decodeState: (stored) => decodeLibraryState(stored),
    handle(ctx, msg) {
      return match(msg)
        .with({ type: 'listDiskImages' }, (m) => listDiskImages(ctx, m))
        .with({ type: 'getDiskImage' }, (m) => getDiskImage(ctx, m))
        .with({ type: 'locateDiskImage' }, (m) => locateDiskImage(ctx, m))
        .with({ type: 'updateDiskImage' }, (m) => updateDiskImage(ctx, m))
        .with({ type: 'deleteDiskImage' }, (m) => deleteDiskImage(ctx, m, deps))
        .with({ type: 'registerDiskImage' }, (m) => registerDiskImage(ctx, m, deps))
        .with({ type: 'saveDiskImage' }, (m) => saveDiskImage(ctx, m))
        .with({ type: 'listImages' }, (m) => listImages(ctx, m))
        .with({ type: 'getImage' }, (m) => getImage(ctx, m))
        .with({ type: 'putImage' }, (m) => putImage(ctx, m))
        .with({ type: 'updateImage' }, (m) => updateImage(ctx, m))
        .with({ type: 'deleteImage' }, (m) => deleteImage(ctx, m, deps))
        .with({ type: 'saveImage' }, (m) => saveImage(ctx, m))
        .with({ type: 'listBlueprints' }, (m) => listBlueprints(ctx, m))
        .with({ type: 'getBlueprint' }, (m) => getBlueprint(ctx, m))
        .with({ type: 'deleteBlueprint' }, (m) => deleteBlueprint(ctx, m, deps))
        .with({ type: 'saveBlueprint' }, (m) => saveBlueprint(ctx, m, deps))
        .with({ type: 'blueprintSnapshots' }, (m) => blueprintSnapshots(ctx, m))
        .with({ type: 'instantiateBlueprint' }, (m) => instantiateBlueprint(ctx, m, deps))
        .with({ type: 'provisionApplicationDisks' }, (m) => provisionApplicationDisks(ctx, m, deps))
        .with({ type: 'releaseApplicationDisks' }, (m) => releaseApplicationDisks(ctx, m, deps))
        .with({ type: 'getDocumentation' }, (m) => getDocumentation(ctx, m))
        .with({ type: 'setDocumentation' }, (m) => setDocumentation(ctx, m))
        .exhaustive();
    },
    async onReminder(ctx, reminder) {
      await match(reminder.name)
        .with(OUTBOX_REMINDER, () => forwardEvents(ctx))
        .with(P.when(isSaveReminder), (name) => runSave(ctx, name, deps))
        .otherwise(async () => undefined);
    },
  });
}
