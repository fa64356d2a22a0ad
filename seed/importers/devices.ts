// How importers classify a device: its class (DeviceClass, keeping the source's own word in
// rawClass), and whether the guest sees a paravirtual, emulated or physical device.
//
// Class: the source's class word is mapped by OSINFO_CLASS. osinfo's `block` covers both disks
// and the controllers disks sit behind, so it is split: a SCSI host (virtio type 8, a PCI function
// that is not virtio-blk, or anything named "scsi") is STORAGE_CONTROLLER, the rest STORAGE.
// A device without a class word gets one from its bus identity where a specification fixes it
// (virtio device type; Xen PV front-end name), else OTHER.
//
// Kind / paravirt interface, from the bus identity (documented rule, see README.md):
//   xen bus                         PARAVIRTUAL  XEN_PV
//   vmbus                           PARAVIRTUAL  HYPERV_VMBUS
//   pci 1af4:1000-103f              PARAVIRTUAL  VIRTIO_TRANSITIONAL  (virtio 1.x §4.1.2.1: legacy/transitional ids)
//   pci 1af4:1040-107f              PARAVIRTUAL  VIRTIO_1_0           (0x1040 + virtio device type)
//   pci 1af4 other (ivshmem ...)    PARAVIRTUAL  NONE
//   pci 15ad PV models              PARAVIRTUAL  VMWARE_PV            (SVGA, SVGA II, vmxnet, vmxnet3, PVSCSI, VMCI, PVRDMA)
//   pci 5853 (XenSource)            PARAVIRTUAL  XEN_PV               (Xen platform device for PV-on-HVM drivers)
//   pci 1b36:0100 (QXL)             PARAVIRTUAL  NONE
//   other 15ad, 1b36 functions, 1234:1111 (QEMU std VGA), 1414:5353 (Hyper-V VGA): EMULATED (virtual-only hardware)
//   anything else a virtualization source (osinfo-db, QEMU) describes: EMULATED; pci.ids alone: PHYSICAL.
// The id range 1000-103f cannot tell a legacy-only device (QEMU < 2.4) from a transitional one; both
// expose the legacy interface a legacy driver binds to, so importers say VIRTIO_TRANSITIONAL and leave
// VIRTIO_LEGACY to curated entries that know the device model.
import { captures } from '../../src/util/must.ts';
import type { DeviceClass, DeviceKind, ParavirtInterface } from '../../src/vocabulary/devices.ts';

// the device vocabulary is shared with the runtime (src/vocabulary/devices.ts)
export type { DeviceClass, DeviceKind, ParavirtInterface };

/** osinfo `<class>` words (osinfo-db data/device, libosinfo osinfo_device.h) to DeviceClass. */
export const OSINFO_CLASS: Readonly<Record<string, DeviceClass>> = {
  net: 'NETWORK',
  block: 'STORAGE',
  video: 'DISPLAY',
  audio: 'SOUND',
  input: 'INPUT',
  console: 'CONSOLE',
  rng: 'RNG',
  'memory.balloon': 'BALLOON',
  filesystem: 'FILESYSTEM',
  'controller.usb': 'USB_CONTROLLER',
  watchdog: 'WATCHDOG',
  tpm: 'TPM',
  crypto: 'CRYPTO',
  iommu: 'IOMMU',
  vsock: 'VSOCK',
  memory: 'MEMORY',
  bridge: 'BRIDGE',
};

/** DeviceClass back to an osinfo class word, for export when no raw class was kept. */
export const CLASS_TO_OSINFO: Readonly<Record<DeviceClass, string>> = {
  NETWORK: 'net',
  STORAGE: 'block',
  STORAGE_CONTROLLER: 'block',
  DISPLAY: 'video',
  INPUT: 'input',
  RNG: 'rng',
  BALLOON: 'memory.balloon',
  CONSOLE: 'console',
  SOUND: 'audio',
  USB_CONTROLLER: 'controller.usb',
  TPM: 'tpm',
  WATCHDOG: 'watchdog',
  VSOCK: 'vsock',
  FILESYSTEM: 'filesystem',
  IOMMU: 'iommu',
  CRYPTO: 'crypto',
  BRIDGE: 'bridge',
  MEMORY: 'memory',
  OTHER: 'other',
};

/** Virtio device types (virtio 1.2 §5 "Device Types") with the class a guest driver sees. */
export const VIRTIO_TYPES: Readonly<Record<number, { name: string; class: DeviceClass }>> = {
  1: { name: 'network card', class: 'NETWORK' },
  2: { name: 'block device', class: 'STORAGE' },
  3: { name: 'console', class: 'CONSOLE' },
  4: { name: 'entropy source', class: 'RNG' },
  5: { name: 'memory balloon (traditional)', class: 'BALLOON' },
  8: { name: 'SCSI host', class: 'STORAGE_CONTROLLER' },
  9: { name: '9P transport', class: 'FILESYSTEM' },
  13: { name: 'memory balloon', class: 'BALLOON' },
  16: { name: 'GPU', class: 'DISPLAY' },
  18: { name: 'input', class: 'INPUT' },
  19: { name: 'socket', class: 'VSOCK' },
  20: { name: 'crypto', class: 'CRYPTO' },
  23: { name: 'IOMMU', class: 'IOMMU' },
  24: { name: 'memory', class: 'MEMORY' },
  25: { name: 'sound', class: 'SOUND' },
  26: { name: 'file system', class: 'FILESYSTEM' },
  27: { name: 'PMEM', class: 'MEMORY' },
  35: { name: 'watchdog', class: 'WATCHDOG' },
};

/** Transitional PCI device ids (virtio 1.2 §4.1.2.1) to virtio device type. */
export const VIRTIO_TRANSITIONAL_IDS: Readonly<Record<number, number>> = {
  0x1000: 1,
  0x1001: 2,
  0x1002: 5,
  0x1003: 3,
  0x1004: 8,
  0x1005: 4,
  0x1009: 9,
};

/** VMware paravirtual PCI functions (vendor 15ad). */
export const VMWARE_PV_PRODUCTS: ReadonlySet<string> = new Set(['0405', '0710', '0720', '0740', '07b0', '07c0', '0801', '0820']);

/** PCI vendors / functions that exist only as virtual hardware. */
const VIRTUAL_ONLY: ReadonlySet<string> = new Set(['15ad', '1b36', '1234:1111', '1414:5353']);

/** Xen PV front-ends by product id (osinfo device/xen.org). */
const XEN_PV_CLASS: Readonly<Record<string, DeviceClass>> = {
  vif: 'NETWORK',
  vbd: 'STORAGE',
  vscsi: 'STORAGE_CONTROLLER',
  vfb: 'DISPLAY',
  vkbd: 'INPUT',
  console: 'CONSOLE',
  vtpm: 'TPM',
};

export interface BusIdentity {
  bus: string;
  vendorId: string | null;
  productId: string | null;
}

/** Bus and ids from an osinfo-style device URI (http://pcisig.com/pci/1af4/1000, http://usb.org/usb/80ee/0021). */
export function identityFromUri(id: string): BusIdentity | null {
  for (const [bus, re] of [
    ['pci', /^http:\/\/pcisig\.com\/pci\/([0-9a-fA-F]{4})\/([0-9a-fA-F]{4})$/],
    ['usb', /^http:\/\/usb\.org\/usb\/([0-9a-fA-F]{4})\/([0-9a-fA-F]{4})$/],
  ] as const) {
    const m = re.exec(id);
    if (!m) continue;
    const [vendorId, productId] = captures(m, 2);
    return { bus, vendorId: vendorId.toLowerCase(), productId: productId.toLowerCase() };
  }
  return null;
}

export const pciDeviceUri = (vendorId: string, productId: string) =>
  `http://pcisig.com/pci/${vendorId.toLowerCase()}/${productId.toLowerCase()}`;
export const usbDeviceUri = (vendorId: string, productId: string) =>
  `http://usb.org/usb/${vendorId.toLowerCase()}/${productId.toLowerCase()}`;

/** The virtio device type a PCI id stands for, or null. */
export function virtioType(ident: BusIdentity): number | null {
  if (ident.bus !== 'pci' || ident.vendorId !== '1af4' || !ident.productId) return null;
  const p = parseInt(ident.productId, 16);
  if (p >= 0x1040 && p <= 0x107f) return p - 0x1040;
  return VIRTIO_TRANSITIONAL_IDS[p] ?? null;
}

export function classify(
  rawClass: string | null,
  ident: BusIdentity,
  names: { name?: string | null; product?: string | null } = {},
): DeviceClass {
  const vt = virtioType(ident);
  if (rawClass) {
    const mapped = OSINFO_CLASS[rawClass] ?? 'OTHER';
    if (mapped !== 'STORAGE') return mapped;
    const label = `${names.name ?? ''} ${names.product ?? ''}`;
    if (vt !== null) return VIRTIO_TYPES[vt]?.class === 'STORAGE_CONTROLLER' ? 'STORAGE_CONTROLLER' : 'STORAGE';
    if (/scsi/i.test(label)) return 'STORAGE_CONTROLLER';
    if (ident.bus === 'pci') return 'STORAGE_CONTROLLER';
    return 'STORAGE';
  }
  const virtio = vt === null ? undefined : VIRTIO_TYPES[vt];
  if (virtio) return virtio.class;
  const xen = ident.bus === 'xen' && ident.productId ? XEN_PV_CLASS[ident.productId] : undefined;
  return xen ?? 'OTHER';
}

export function kindOf(ident: BusIdentity, virtualSource: boolean): { kind: DeviceKind; paravirtInterface: ParavirtInterface } {
  if (ident.bus === 'xen') return { kind: 'PARAVIRTUAL', paravirtInterface: 'XEN_PV' };
  if (ident.bus === 'vmbus') return { kind: 'PARAVIRTUAL', paravirtInterface: 'HYPERV_VMBUS' };
  if (ident.bus === 'pci' && ident.vendorId && ident.productId) {
    const p = parseInt(ident.productId, 16);
    switch (ident.vendorId) {
      case '1af4':
        if (p >= 0x1000 && p <= 0x103f) return { kind: 'PARAVIRTUAL', paravirtInterface: 'VIRTIO_TRANSITIONAL' };
        if (p >= 0x1040 && p <= 0x107f) return { kind: 'PARAVIRTUAL', paravirtInterface: 'VIRTIO_1_0' };
        return { kind: 'PARAVIRTUAL', paravirtInterface: 'NONE' };
      case '15ad':
        if (VMWARE_PV_PRODUCTS.has(ident.productId)) return { kind: 'PARAVIRTUAL', paravirtInterface: 'VMWARE_PV' };
        break;
      case '5853':
        return { kind: 'PARAVIRTUAL', paravirtInterface: 'XEN_PV' };
      case '1b36':
        if (ident.productId === '0100') return { kind: 'PARAVIRTUAL', paravirtInterface: 'NONE' };
        break;
    }
    if (VIRTUAL_ONLY.has(ident.vendorId) || VIRTUAL_ONLY.has(`${ident.vendorId}:${ident.productId}`)) {
      return { kind: 'EMULATED', paravirtInterface: 'NONE' };
    }
  }
  return { kind: virtualSource ? 'EMULATED' : 'PHYSICAL', paravirtInterface: 'NONE' };
}
