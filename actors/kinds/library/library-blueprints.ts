/**
 * The library actor's blueprint handlers: list, read, delete, save a whole application's design
 * (SAVING, then DONE once the save job has cloned every disk), and hand a DONE blueprint's design
 * to a new application with each disk cloned from the blueprint's snapshot.
 */
import { RavelError } from '../../../core/errors.ts';
import { applicationDiskName, drivesOf, planSave, type Owner } from '../../../domain/library/library-records.ts';
import { blueprintOf } from '../../../domain/library/library-saves.ts';
import { idKey, type Blueprint, type Design } from '../../../domain/schemas/index.ts';
import type { LibraryMsg } from './library-messages.ts';
import { deleteStoreImage } from './library-disk-images.ts';
import { SNAPSHOT_WAIT_MS, saveReminder, startSave } from './library-save-job.ts';
import { currentVersions } from './library-app-disks.ts';
import { assertLibraryRoom, docKey, MAX_BLUEPRINTS, MAX_SAVE_KEYS, type ApplicationDisk, type LibraryState } from './library-state.ts';
import { allow, commit, find, organizationOf, store, storeTenant, subject, takeIds, type LibCtx, type LibraryDeps } from './library-turn.ts';

type Msg<T extends LibraryMsg['type']> = Extract<LibraryMsg, { type: T }>;

export function listBlueprints(ctx: LibCtx, m: Msg<'listBlueprints'>): readonly Blueprint[] {
  allow(ctx, m.principal, 'READ', 'BLUEPRINT');
  return ctx.state.blueprints;
}

export function getBlueprint(ctx: LibCtx, m: Msg<'getBlueprint'>): Blueprint {
  allow(ctx, m.principal, 'READ', 'BLUEPRINT', m.blueprintId);
  return find(ctx.state.blueprints, m.blueprintId, 'blueprint');
}

/** Deletes the disk images a save made for `owner`, with their store images; answers the state without them. */
export async function deleteOwned(ctx: LibCtx, deps: LibraryDeps, owner: Owner): Promise<LibraryState> {
  const s = ctx.state;
  const owned = s.diskImages.filter((d) => d.owner?.kind === owner.kind && d.owner.id === owner.id);
  for (const d of owned) if (d.store !== undefined) await deleteStoreImage(ctx, deps, d.store.image);
  return { ...s, diskImages: s.diskImages.filter((d) => !owned.includes(d)) };
}

export async function deleteBlueprint(ctx: LibCtx, m: Msg<'deleteBlueprint'>, deps: LibraryDeps): Promise<null> {
  allow(ctx, m.principal, 'DELETE', 'BLUEPRINT', m.blueprintId);
  const bp = find(ctx.state.blueprints, m.blueprintId, 'blueprint');
  if (bp.loadingStatus === 'SAVING') throw new RavelError('ILLEGAL_STATE', `blueprint ${bp.id} is still saving`);
  // Applications made from it keep their disks: the store keeps blocks while clones need them.
  const s = await deleteOwned(ctx, deps, { kind: 'blueprint', id: bp.id });
  const { [docKey('blueprint', bp.id)]: _gone, ...docs } = s.docs;
  commit(ctx, { ...s, blueprints: s.blueprints.filter((x) => x.id !== bp.id), docs }, m.principal, [{ name: 'BLUEPRINT_DELETED', subjects: [subject('BLUEPRINT', bp.id)] }]);
  return null;
}

/**
 * A blueprint of a design, SAVING until the save job has cloned every disk (constant time each).
 * Given the application, each disk it has in the store is saved from its current version (read
 * here, so the blueprint is the disks as they were when asked). A request key already seen
 * answers the blueprint it made: a retried firing of a BLUEPRINT task makes no second one.
 */
export async function saveBlueprint(ctx: LibCtx, m: Msg<'saveBlueprint'>, deps: LibraryDeps): Promise<Blueprint> {
  allow(ctx, m.principal, 'CREATE', 'BLUEPRINT');
  const earlier = m.requestKey === undefined ? undefined : ctx.state.saveKeys?.[m.requestKey];
  if (earlier !== undefined) return find(ctx.state.blueprints, earlier, 'blueprint (deleted since it was saved)');
  if (ctx.state.blueprints.length >= MAX_BLUEPRINTS) throw new RavelError('QUOTA_EXCEEDED', `at most ${MAX_BLUEPRINTS} blueprints`);
  assertLibraryRoom(ctx.state);
  const drives = drivesOf(m.design);
  const current = await currentVersions(ctx, deps, m.applicationId, drives);
  const items = planSave(drives, (id) => ctx.state.diskImages.find((d) => d.id === id), current);
  const t = await takeIds(ctx, ctx.state, 1);
  const bp = blueprintOf({ design: m.design }, t.ids[0]!, m.name, ctx.clock.now(), m.description);
  const keyed = m.requestKey === undefined ? t.state : { ...t.state, saveKeys: rememberKey(t.state.saveKeys ?? {}, m.requestKey, bp.id) };
  const next = startSave(ctx, { ...keyed, blueprints: [...keyed.blueprints, bp] }, { kind: 'blueprint', id: bp.id }, items, m.principal, m.snapshotting === true ? SNAPSHOT_WAIT_MS : 0);
  commit(ctx, next, m.principal, [{ name: 'BLUEPRINT_SAVING', subjects: [subject('BLUEPRINT', bp.id)] }]);
  return bp;
}

/**
 * The versions the application snapshotted for a blueprint waiting on them: its save goes on
 * now, from them. A blueprint saved already (its wait ran out) or gone is left as it is.
 */
export function blueprintSnapshots(ctx: LibCtx, m: Msg<'blueprintSnapshots'>): null {
  allow(ctx, m.principal, 'CREATE', 'BLUEPRINT');
  const owner: Owner = { kind: 'blueprint', id: m.blueprintId };
  const save = ctx.state.saves.find((x) => x.owner.kind === owner.kind && x.owner.id === owner.id);
  if (save === undefined) return null;
  const items = save.items.map((i) => {
    const v = m.versions[i.diskKey];
    return v === undefined ? i : { ...i, source: v };
  });
  ctx.reminders.set(saveReminder(owner), ctx.clock.now());
  ctx.setState({ ...ctx.state, saves: ctx.state.saves.map((x) => (x === save ? { ...x, items } : x)) });
  return null;
}

/** The keys with one more, the oldest dropped past MAX_SAVE_KEYS (string keys keep their insertion order). */
function rememberKey(keys: Readonly<Record<string, number>>, key: string, id: number): Record<string, number> {
  const all = Object.entries(keys);
  return Object.fromEntries([...all.slice(Math.max(0, all.length + 1 - MAX_SAVE_KEYS)), [key, id]]);
}

/**
 * The blueprint's design for application `applicationId`, each disk cloned (constant time) from
 * the blueprint's snapshot into a disk of the application. Asked again for the same application
 * (a retried create), it finds the clones it made and makes none.
 */
export async function instantiateBlueprint(ctx: LibCtx, m: Msg<'instantiateBlueprint'>, deps: LibraryDeps): Promise<Design> {
  allow(ctx, m.principal, 'READ', 'BLUEPRINT', m.blueprintId);
  const bp = find(ctx.state.blueprints, m.blueprintId, 'blueprint');
  if (bp.loadingStatus !== 'DONE') throw new RavelError('ILLEGAL_STATE', `blueprint ${bp.id} is ${bp.loadingStatus}, not DONE`);
  const images = store(deps);
  const tenant = storeTenant(ctx);
  const s = ctx.state;
  const made = new Set(s.applicationDisks.filter((d) => d.applicationId === m.applicationId).map((d) => d.diskKey));
  const added: ApplicationDisk[] = [];
  for (const drive of drivesOf(bp.design)) {
    if (drive.type !== 'DISK' || drive.baseDiskImageId === undefined || made.has(idKey(drive.id))) continue;
    const snapshot = find(s.diskImages, drive.baseDiskImageId, 'disk image');
    if (snapshot.store === undefined) throw new RavelError('ILLEGAL_STATE', `disk image ${snapshot.id} is still saving`);
    const name = applicationDiskName(organizationOf(ctx), m.applicationId, idKey(drive.id));
    // A clone made by a try that crashed before its commit is found by its derived name.
    const clone = (await images.findByName(tenant, name)) ?? (await images.clone(tenant, snapshot.store.version, { name }));
    added.push({ applicationId: m.applicationId, diskKey: idKey(drive.id), baseDiskImageId: snapshot.id, store: { image: clone.id, version: clone.head ?? '' } });
  }
  if (added.length > 0) ctx.setState({ ...s, applicationDisks: [...s.applicationDisks, ...added] });
  return structuredClone(bp.design);
}
