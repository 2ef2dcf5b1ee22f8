/** Designs, images and regions that the domain's tests build on. Not used by production code. */
import type { LibraryImage, VmDesign } from './schemas/index.ts';

/** A small valid VM; ids derive from `n` so several stay unique in one design. */
export function sampleVm(n: number, overrides: Partial<VmDesign> = {}): VmDesign {
  return {
    id: n * 100,
    name: `vm${n}`,
    numCpus: 2,
    memorySize: { unit: 'GB', value: 4 },
    hardDrives: [{ id: n * 100 + 1, name: 'disk', index: 0, type: 'DISK', size: { unit: 'GB', value: 20 }, controller: 'virtio', boot: true }],
    networkConnections: [
      { id: n * 100 + 2, name: 'eth0', device: { deviceType: 'virtio', index: 0, useAutomaticMac: true }, ipConfig: { autoIpConfig: {} } },
    ],
    hostnames: [`vm${n}`],
    ...overrides,
  };
}

export function sampleImage(id = 7): LibraryImage {
  return {
    id,
    name: 'ubuntu',
    numCpus: 1,
    memorySize: { unit: 'MB', value: 2048 },
    hardDrives: [
      { id: 11, name: 'root', index: 0, type: 'DISK', size: { unit: 'GB', value: 10 }, controller: 'virtio', boot: true, baseDiskImageId: 55 },
      { id: 12, name: 'cd', index: 1, type: 'CDROM', controller: 'ide' },
    ],
    networkConnections: [{ id: 13, name: 'eth0', device: { deviceType: 'virtio', index: 0, useAutomaticMac: true } }],
    suppliedServices: [{ name: 'ssh', portRange: '22', protocol: 'SSH', external: true }],
  };
}
