/** OVAs for tests: a tar of members in the order given, and an OVF descriptor for them. */
import tar from 'tar-stream';

export interface Member {
  readonly name: string;
  readonly data: Uint8Array;
}

export async function buildOva(members: readonly Member[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const parts: Uint8Array[] = [];
  const collected = (async () => {
    for await (const c of pack) parts.push(c as Uint8Array);
  })();
  for (const m of members) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: m.name, size: m.data.length }, Buffer.from(m.data), (e) => (e ? reject(e) : resolve())),
    );
  }
  pack.finalize();
  await collected;
  return new Uint8Array(Buffer.concat(parts));
}

export interface OvfDiskSpec {
  readonly id: string;
  readonly href: string;
  readonly capacity: number;
}

export function buildOvf(name: string, cpus: number, memoryMiB: number, disks: readonly OvfDiskSpec[], networks: readonly string[]): string {
  const files = disks.map((d, i) => `<File ovf:id="file${i}" ovf:href="${d.href}"/>`).join('\n    ');
  const diskEls = disks
    .map((d, i) => `<Disk ovf:diskId="${d.id}" ovf:fileRef="file${i}" ovf:capacity="${d.capacity}" ovf:capacityAllocationUnits="byte"/>`)
    .join('\n    ');
  const nics = networks
    .map(
      (n, i) => `<Item><rasd:Connection>${n}</rasd:Connection><rasd:InstanceID>${10 + i}</rasd:InstanceID>
        <rasd:ResourceSubType>E1000</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>`,
    )
    .join('\n      ');
  const diskItems = disks
    .map((d, i) => `<Item><rasd:HostResource>ovf:/disk/${d.id}</rasd:HostResource><rasd:InstanceID>${20 + i}</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType></Item>`)
    .join('\n      ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References>
    ${files}
  </References>
  <DiskSection><Info>Disks</Info>
    ${diskEls}
  </DiskSection>
  <NetworkSection><Info>Networks</Info>${networks.map((n) => `<Network ovf:name="${n}"/>`).join('')}</NetworkSection>
  <VirtualSystem ovf:id="${name}">
    <Info>A VM</Info>
    <Name>${name}</Name>
    <VirtualHardwareSection>
      <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>${cpus}</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>${memoryMiB}</rasd:VirtualQuantity></Item>
      ${nics}
      ${diskItems}
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`;
}
