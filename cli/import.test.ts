/**
 * `ravel import DIR` against an embedded node: a .vmx folder with a VMDK made by qemu-img and a
 * hand-written OVF folder with a stream-optimized VMDK. Each disk's bytes come back through
 * `GET /diskImages/{id}/content` equal to the disk's, and the library VM has the export's
 * hardware: made when the server has `POST /images`, else described (and said so).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileConfig } from '../config/load.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { ensureDemoOrganization, DEMO_ADMIN_EMAIL } from '../service/demo-organization.ts';
import { startRavelNode, type RavelNode } from '../service/ravel-node.ts';

let node: RavelNode;
let dataDir: string;
let work: string;
let url: string;
let cookie: string;
const PASSWORD = 'import-test-password';

interface Imported {
  disks: { file: string; diskImageId: number | string; virtualSize: number }[];
  libraryVm: { name: string; numCpus: number; memorySize: { unit: string; value: number }; hardDrives: { size?: unknown; baseDiskImageId?: number; boot?: boolean }[]; networkConnections: { device: { deviceType: string } }[] };
  image: { id: number } | { notCreated: string };
}

function ravelImport(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, XDG_CONFIG_HOME: join(work, 'config'), XDG_CACHE_HOME: join(work, 'cache') };
    const args = ['--import', 'tsx', 'cli/main.ts', 'import', dir, '--url', url, '--user', DEMO_ADMIN_EMAIL, '--password', PASSWORD, '--json', '--chunk-mib', '1'];
    execFile(process.execPath, args, { env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
    );
  });
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ravel-import-node-'));
  work = mkdtempSync(join(tmpdir(), 'ravel-import-'));
  const config = compileConfig({ mode: 'embedded', dataDir, gateway: { port: 0 }, logLevel: 'silent' }, {});
  node = await startRavelNode(config, { nodeId: 'import-test', clock: systemClock, log: silentLogger });
  url = node.gateway?.url ?? '';
  await ensureDemoOrganization(node.control, PASSWORD);
  const r = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${DEMO_ADMIN_EMAIL}:${PASSWORD}`).toString('base64')}` } });
  cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});

after(async () => {
  await node.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** A raw disk with data in places and zeros between, converted by qemu-img into `vmdk` of the given subformat. */
function makeVmdk(dir: string, name: string, subformat: string): Buffer {
  const raw = Buffer.alloc(3 * 1024 * 1024);
  randomBytes(200_000).copy(raw, 0);
  randomBytes(65_536).copy(raw, 2 * 1024 * 1024 + 4096);
  writeFileSync(join(dir, `${name}.raw`), raw);
  execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${subformat}`, join(dir, `${name}.raw`), join(dir, `${name}.vmdk`)]);
  rmSync(join(dir, `${name}.raw`));
  return raw;
}

async function checkImported(out: Imported, raw: Buffer, want: { name: string; cpus: number; memory: { unit: string; value: number }; nic: string }): Promise<void> {
  assert.equal(out.disks.length, 1);
  const disk = out.disks[0];
  assert.ok(disk !== undefined);
  assert.equal(disk.virtualSize, raw.length);
  const content = await fetch(`${url}/api/v1/diskImages/${disk.diskImageId}/content`, { headers: { cookie } });
  assert.equal(content.status, 200);
  assert.ok(Buffer.from(await content.arrayBuffer()).equals(raw), 'the stored disk reads back as the exported one');
  assert.equal(out.libraryVm.name, want.name);
  assert.equal(out.libraryVm.numCpus, want.cpus);
  assert.deepEqual(out.libraryVm.memorySize, want.memory);
  assert.deepEqual(out.libraryVm.hardDrives[0]?.size, { unit: 'MB', value: 3 });
  assert.equal(out.libraryVm.hardDrives[0]?.boot, true);
  assert.deepEqual(out.libraryVm.networkConnections.map((n) => n.device.deviceType), [want.nic]);
  const openapi = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const canSave = openapi.paths['/images']?.['post'] !== undefined && typeof disk.diskImageId === 'number';
  if (canSave) {
    assert.ok('id' in out.image, `the library VM is made: ${JSON.stringify(out.image)}`);
    const image = (await (await fetch(`${url}/api/v1/images/${out.image.id}`, { headers: { cookie } })).json()) as { numCpus: number; name: string };
    assert.equal(image.numCpus, want.cpus);
    assert.equal(image.name, want.name);
  } else {
    assert.ok('notCreated' in out.image, 'without POST /images the import says the library VM was not made');
  }
}

test('a .vmx folder: its VMDK uploaded byte for byte, its hardware in the library VM', async () => {
  const dir = join(work, 'vmx');
  mkdirSync(dir);
  const raw = makeVmdk(dir, 'web', 'monolithicSparse');
  writeFileSync(
    join(dir, 'web.vmx'),
    ['.encoding = "UTF-8"', 'displayName = "web01"', 'numvcpus = "2"', 'memsize = "1536"', 'scsi0.present = "TRUE"', 'scsi0:0.present = "TRUE"', 'scsi0:0.fileName = "web.vmdk"', 'ethernet0.present = "TRUE"', 'ethernet0.virtualDev = "vmxnet3"', ''].join('\n'),
  );
  const r = await ravelImport(dir);
  assert.equal(r.code, 0, r.stderr);
  await checkImported(JSON.parse(r.stdout) as Imported, raw, { name: 'web01', cpus: 2, memory: { unit: 'MB', value: 1536 }, nic: 'vmxnet3' });
});

test('an OVF folder: the descriptor read, the stream-optimized disk uploaded', async () => {
  const dir = join(work, 'ovf');
  mkdirSync(dir);
  const raw = makeVmdk(dir, 'db-disk1', 'streamOptimized');
  writeFileSync(
    join(dir, 'db.ovf'),
    `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References><File ovf:id="file1" ovf:href="db-disk1.vmdk"/></References>
  <DiskSection><Info>disks</Info>
    <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="3" ovf:capacityAllocationUnits="byte * 2^20"
      ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection><Info>nets</Info><Network ovf:name="VM Network"><Description>lan</Description></Network></NetworkSection>
  <VirtualSystem ovf:id="db">
    <Info>a VM</Info><Name>db</Name>
    <VirtualHardwareSection><Info>hardware</Info>
      <Item><rasd:ElementName>4 CPUs</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>4</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits><rasd:ElementName>2 GB</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
      <Item><rasd:ElementName>disk</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType></Item>
      <Item><rasd:Connection>VM Network</rasd:Connection><rasd:ElementName>nic</rasd:ElementName><rasd:InstanceID>4</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`,
  );
  const r = await ravelImport(dir);
  assert.equal(r.code, 0, r.stderr);
  await checkImported(JSON.parse(r.stdout) as Imported, raw, { name: 'db', cpus: 4, memory: { unit: 'GB', value: 2 }, nic: 'vmxnet3' });
});

test('a folder with neither .vmx nor .ovf is refused before anything is uploaded', async () => {
  const dir = join(work, 'empty');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'nothing here');
  const r = await ravelImport(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /neither a \.vmx nor an \.ovf/);
});
