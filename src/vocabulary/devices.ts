// The device vocabulary every layer shares: a device's class, its kind and the paravirtual interface it
// presents, as prisma/schema.prisma's enums spell them. The importers (seed/importers/devices.ts) classify
// devices into these words and the runtime (src/hypervisor-runtime/facts.ts) plans with them; both take them
// from here. A leaf module: it imports nothing, so the runtime may use it and still ship alone
// (src/boundary.test.ts), and devices.test.ts holds it equal to the database's enums.

export const DEVICE_CLASSES = [
  'NETWORK',
  'STORAGE',
  'STORAGE_CONTROLLER',
  'DISPLAY',
  'INPUT',
  'RNG',
  'BALLOON',
  'CONSOLE',
  'SOUND',
  'USB_CONTROLLER',
  'TPM',
  'WATCHDOG',
  'VSOCK',
  'FILESYSTEM',
  'IOMMU',
  'CRYPTO',
  'BRIDGE',
  'MEMORY',
  'OTHER',
] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

export const DEVICE_KINDS = ['PARAVIRTUAL', 'EMULATED', 'PHYSICAL'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const PARAVIRT_INTERFACES = [
  'NONE',
  'VIRTIO_LEGACY',
  'VIRTIO_TRANSITIONAL',
  'VIRTIO_1_0',
  'XEN_PV',
  'VMWARE_PV',
  'HYPERV_VMBUS',
] as const;
export type ParavirtInterface = (typeof PARAVIRT_INTERFACES)[number];
