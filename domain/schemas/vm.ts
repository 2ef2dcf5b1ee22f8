/** A VM as an application's design holds it, and as its deployment shows it. */
import { Type, type Static } from '@sinclair/typebox';
import { BoundedArray, Description, Hostname, Ipv4, LocalId, Name, ServerId, Size } from './common.ts';

export const DiskType = Type.Union([Type.Literal('DISK'), Type.Literal('CDROM')]);
export type DiskType = Static<typeof DiskType>;

export const HardDrive = Type.Object({
  id: LocalId,
  name: Type.Optional(Name),
  /** Position on its controller; unique per VM. */
  index: Type.Optional(Type.Integer({ minimum: 0, maximum: 63 })),
  type: DiskType,
  /** Required for DISK; a CDROM takes its size from the ISO. */
  size: Type.Optional(Size),
  controller: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  controllerIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 63 })),
  controllerPciSlot: Type.Optional(Type.Integer({ minimum: 0, maximum: 31 })),
  baseDiskImageId: Type.Optional(ServerId),
  boot: Type.Optional(Type.Boolean()),
});
export type HardDrive = Static<typeof HardDrive>;

/** A MAC address, colon separated. */
export const Mac = Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$' });

export const NetworkDevice = Type.Object({
  deviceType: Type.String({ minLength: 1, maxLength: 32 }),
  index: Type.Integer({ minimum: 0, maximum: 31 }),
  mac: Type.Optional(Mac),
  useAutomaticMac: Type.Optional(Type.Boolean()),
});
export type NetworkDevice = Static<typeof NetworkDevice>;

/**
 * How a NIC gets its address: a DHCP reservation (`autoIpConfig`, optionally asking for an
 * address) or a static one; `hasPublicIp` asks for a public address; `elasticIpAddress` binds
 * one of the organization's elastic IPs. In the deployment `device.mac` is the NIC's planned MAC
 * (domain/network/deployment-network.ts).
 */
export const IpConfig = Type.Object({
  autoIpConfig: Type.Optional(
    Type.Object({
      reservedIp: Type.Optional(Ipv4),
      /** Output, in the deployment: the address the application's network plan gave the NIC; ignored in a design. */
      allocatedIp: Type.Optional(Ipv4),
    }),
  ),
  staticIpConfig: Type.Optional(
    Type.Object({
      ip: Ipv4,
      mask: Ipv4,
      gateway: Type.Optional(Ipv4),
      dns: Type.Optional(Ipv4),
    }),
  ),
  hasPublicIp: Type.Optional(Type.Boolean()),
  elasticIpAddress: Type.Optional(Ipv4),
});
export type IpConfig = Static<typeof IpConfig>;

export const NetworkConnection = Type.Object({
  id: LocalId,
  name: Type.Optional(Name),
  device: NetworkDevice,
  ipConfig: Type.Optional(IpConfig),
  accessPort: Type.Optional(Type.Boolean()),
});
export type NetworkConnection = Static<typeof NetworkConnection>;

export const ServiceProtocol = Type.Union(
  ['TCP', 'UDP', 'HTTP', 'HTTPS', 'SSH', 'RDP', 'ANY'].map((p) => Type.Literal(p)),
);

/** A port or an inclusive range: `"22"`, `"8000-8010"`. */
export const PortRange = Type.String({ pattern: '^\\d{1,5}(-\\d{1,5})?$' });

/** A service a VM offers; `external` ones get a public IP, port and FQDN when deployed. */
export const SuppliedService = Type.Object({
  id: Type.Optional(LocalId),
  name: Name,
  portRange: PortRange,
  protocol: ServiceProtocol,
  external: Type.Optional(Type.Boolean()),
  /** The NIC that serves it; the VM's first NIC when absent. */
  ipConfigLuid: Type.Optional(LocalId),
});
export type SuppliedService = Static<typeof SuppliedService>;

export const VmLimits = { maxDisks: 32, maxNics: 16, maxServices: 64, maxHostnames: 16 } as const;

/** A VM in an application's design. */
export const VmDesign = Type.Object({
  id: LocalId,
  name: Name,
  description: Type.Optional(Description),
  numCpus: Type.Integer({ minimum: 1, maximum: 1024 }),
  memorySize: Size,
  hardDrives: BoundedArray(HardDrive, VmLimits.maxDisks),
  networkConnections: BoundedArray(NetworkConnection, VmLimits.maxNics),
  suppliedServices: Type.Optional(BoundedArray(SuppliedService, VmLimits.maxServices)),
  hostnames: Type.Optional(BoundedArray(Hostname, VmLimits.maxHostnames)),
  keypairId: Type.Optional(ServerId),
  requiresKeypair: Type.Optional(Type.Boolean()),
  baseVmId: Type.Optional(ServerId),
  allowNested: Type.Optional(Type.Boolean()),
});
export type VmDesign = Static<typeof VmDesign>;

export const VmState = Type.Union(
  (['STOPPED', 'PUBLISHING', 'STARTING', 'STARTED', 'STOPPING', 'RESTARTING', 'ERROR'] as const).map((s) =>
    Type.Literal(s),
  ),
);
export type VmState = Static<typeof VmState>;

/** A published service: where the world reaches it. */
export const PublicService = Type.Object({
  name: Name,
  protocol: ServiceProtocol,
  internalPort: Type.Integer({ minimum: 0, maximum: 65535 }),
  publicIp: Ipv4,
  publicPort: Type.Integer({ minimum: 1, maximum: 65535 }),
});

/** A VM in the deployment: the design it runs, its state, where it runs and how it is reached. */
export const VmDeployment = Type.Composite([
  VmDesign,
  Type.Object({
    state: VmState,
    hostId: Type.Optional(Type.String({ maxLength: 128 })),
    fqdn: Type.Optional(Hostname),
    publicIps: Type.Optional(BoundedArray(Ipv4, VmLimits.maxNics)),
    publicServices: Type.Optional(BoundedArray(PublicService, VmLimits.maxServices)),
  }),
]);
export type VmDeployment = Static<typeof VmDeployment>;
