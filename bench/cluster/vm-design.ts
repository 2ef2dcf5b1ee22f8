/** The one-VM design the bench's applications use: one CPU, 1 GB, a boot disk and a NIC. */
export const vmDesignFor = (n: number): unknown => ({
  id: 100 * n,
  name: `vm${n}`,
  numCpus: 1,
  memorySize: { unit: 'GB', value: 1 },
  hardDrives: [{ id: 100 * n + 1, name: 'disk', index: 0, type: 'DISK', size: { unit: 'GB', value: 10 }, controller: 'virtio', boot: true }],
  networkConnections: [{ id: 100 * n + 2, name: 'eth0', device: { deviceType: 'virtio', index: 0, useAutomaticMac: true }, ipConfig: { autoIpConfig: {} } }],
  hostnames: [`vm${n}`],
});
