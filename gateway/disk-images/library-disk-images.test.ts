/**
 * An upload's store images become disk images of its organization's library (integer ids, in
 * `GET /diskImages`), and the content endpoint finds them through the library: another tenant's
 * id, and an id that is not one, are NOT_FOUND.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlHarness, code } from '../../control/testing/control-harness.ts';
import { tenant } from '../../control/testing/deployment-helpers.ts';
import type { Principal as DomainPrincipal } from '../../domain/tenancy/principal.ts';
import type { ControlPrincipal } from '../auth/control-authenticator.ts';
import { libraryLocator, registeringImporter } from './library-disk-images.ts';

let h: ControlHarness;
before(async () => (h = await ControlHarness.start({ images: true })));
after(() => h.close());

const gatewayPrincipal = (p: DomainPrincipal, organizationId: number): ControlPrincipal => ({ id: 'u', tenantId: String(organizationId), operator: false, via: 'session', control: p });

test('an upload finishing makes a disk image of its organization; content is located through the library', async () => {
  const a = await tenant(h, 'acme');
  const b = await tenant(h, 'rival');
  const images = h.images!;
  let made = '';
  // Stands for the store's import of an upload: one new image of the tenant.
  const importer = registeringImporter(async (t, _source, name) => [(made = (await images.create(t, { name, purpose: 'image', virtualSize: 65536 })).id)], h.control);
  const ids = await h.run(importer(String(a.organizationId), undefined as never, 'disk.qcow2'));
  assert.equal(ids.length, 1);
  const id = ids[0];
  assert.ok(typeof id === 'number' && Number.isSafeInteger(id), 'the upload names the integer disk image id');
  const listed = await h.run(h.control.listDiskImages(a.p));
  assert.deepEqual(listed.map((d) => [d.id, d.name]), [[id, 'disk.qcow2']]);
  assert.deepEqual(await h.run(h.control.listDiskImages(b.p)), []);

  const locate = libraryLocator(h.control);
  assert.deepEqual(await h.run(locate(gatewayPrincipal(a.p, a.organizationId), String(id))), { tenant: String(a.organizationId), image: made });
  await assert.rejects(h.run(locate(gatewayPrincipal(b.p, b.organizationId), String(id))), code('NOT_FOUND'), "another tenant's disk image");
  await assert.rejects(h.run(locate(gatewayPrincipal(a.p, a.organizationId), made)), code('NOT_FOUND'), 'a store id is not a disk image id');
  await assert.rejects(h.run(locate(gatewayPrincipal(a.p, a.organizationId), '99999999999999999999')), code('NOT_FOUND'));
});
