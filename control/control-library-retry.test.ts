/**
 * A blueprint save whose store calls fail: tried again on the durable reminder until the store
 * answers (then DONE, each disk cloned once), or FAILED after the configured tries, with
 * nothing left pending.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RavelError } from '../core/errors.ts';
import type { Blueprint } from '../domain/schemas/index.ts';
import { sampleVm } from '../domain/test-fixtures.ts';
import type { ImageService } from '../storage-engine/image-service/image-service.ts';
import { ControlHarness } from './testing/control-harness.ts';
import { tenant } from './testing/deployment-helpers.ts';

/** How many clone calls fail before they work. */
let failingClones = 0;
let cloneCalls = 0;

function flaky(images: ImageService): ImageService {
  return new Proxy(images, {
    get(target, prop, receiver) {
      if (prop !== 'clone') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<ImageService['clone']>) => {
        cloneCalls++;
        if (failingClones > 0) {
          failingClones--;
          throw new RavelError('UNAVAILABLE', 'the store is away');
        }
        return target.clone(...args);
      };
    },
  });
}

let h: ControlHarness;
before(async () => (h = await ControlHarness.start({ images: true, libraryStore: { wrap: flaky, maxAttempts: 3 } })));
after(() => h.close());

async function settle(p: Parameters<ControlHarness['control']['getBlueprint']>[0], id: number): Promise<Blueprint> {
  let last: Blueprint | undefined;
  let reading = false;
  await h.tc.until(() => {
    if (!reading) {
      reading = true;
      void h.control.getBlueprint(p, id).then((b) => ((last = b), (reading = false)), () => (reading = false));
    }
    return last !== undefined && last.loadingStatus !== 'SAVING';
  }, 120_000, 100);
  return last!;
}

test('a save tried again after the store failed is DONE; one that keeps failing is FAILED', async () => {
  const a = await tenant(h, 'acme');
  const org = String(a.organizationId);
  const made = await h.run(h.images!.create(org, { name: 'base', purpose: 'image', virtualSize: 1 << 20 }));
  const base = await h.run(h.control.registerDiskImage({ kind: 'system' }, a.organizationId, made.id));
  const vm = sampleVm(1, { hardDrives: [{ id: 101, type: 'DISK', size: { unit: 'MB', value: 1 }, boot: true, baseDiskImageId: base.id }] });
  const app = await h.run(h.control.createApplication(a.p, { name: 'app', design: { vms: [vm] } }));

  failingClones = 2;
  cloneCalls = 0;
  const first = await settle(a.p, (await h.run(h.control.createBlueprint(a.p, { applicationId: app.id, blueprintName: 'after two failures' }))).id);
  assert.equal(first.loadingStatus, 'DONE');
  assert.equal(cloneCalls, 3, 'two failed tries, then one that worked');
  const clones = (await h.run(h.images!.list(org))).filter((i) => i.name.startsWith(`library-${org}-blueprint-${first.id}-`));
  assert.equal(clones.length, 1, 'cloned once');

  failingClones = 100;
  cloneCalls = 0;
  const second = await settle(a.p, (await h.run(h.control.createBlueprint(a.p, { applicationId: app.id, blueprintName: 'never' }))).id);
  assert.equal(second.loadingStatus, 'FAILED');
  assert.equal(cloneCalls, 3, 'as many tries as configured');
  await h.run(h.control.deleteBlueprint(a.p, second.id));

  cloneCalls = 0;
  failingClones = 100;
  const saving = await h.run(h.control.createImage(a.p, { applicationId: app.id, vmId: 100, imageName: 'never' }));
  let image = saving;
  await h.tc.until(() => {
    void h.control.getImage(a.p, saving.id).then((x) => (image = x), () => undefined);
    return image.loadingStatus === 'FAILED';
  }, 120_000, 100);
  const target = await h.run(h.control.createApplication(a.p, { name: 'target' }));
  await assert.rejects(h.run(h.control.addVm(a.p, target.id, { baseVmId: saving.id })), (e: unknown) => (e as { code?: string }).code === 'ILLEGAL_STATE', 'a library VM that failed to save is not added');
  failingClones = 0;
});
