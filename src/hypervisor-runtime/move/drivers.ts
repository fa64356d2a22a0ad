// What a guest needs inside to drive a device at first boot: the Linux module (which must be in the
// initramfs when the device holds the root disk) and the Windows driver service (which must be boot-start
// for the boot disk's controller), and each hypervisor's guest agent. Keys are the runtime's device keys
// (devices.ts DEVICE_KEYS) plus the virtio and virtio-mmio devices, which that table leaves to the planner.
import type { PlannedDevice } from '../plan.ts';
import { deviceKey } from '../devices.ts';
import type { HypervisorKey } from '../spec.ts';

/** One driver the guest loads: the Linux modules (dependency order) and the Windows service. */
export interface GuestDriver {
  key: string;
  linux: string[];
  windows: string | null;
  /** Where Windows gets it when it is not in the box (virtio-win, VMware Tools, Xen PV drivers). */
  windowsPackage: string | null;
}

const VIRTIO_WIN = 'virtio-win (https://github.com/virtio-win/kvm-guest-drivers-windows)';
const VMWARE_TOOLS = 'VMware Tools';
const XEN_PV = 'Xen PV drivers for Windows (https://xenproject.org/developers/teams/windows-pv-drivers/)';

// Linux module names: the kernel's drivers/ (virtio_blk, vmw_pvscsi, xen-blkfront, hv_storvsc ...), as
// `modinfo` and /sys/module name them; Windows service names: the drivers' INF files (viostor, vioscsi,
// netkvm in virtio-win; pvscsi, vmxnet3 in VMware Tools; storvsc/netvsc inbox since Windows Server 2008).
export const DRIVERS: Record<string, GuestDriver> = {
  'virtio-blk': { key: 'virtio-blk', linux: ['virtio_pci', 'virtio_blk'], windows: 'viostor', windowsPackage: VIRTIO_WIN },
  'virtio-scsi': { key: 'virtio-scsi', linux: ['virtio_pci', 'virtio_scsi', 'sd_mod'], windows: 'vioscsi', windowsPackage: VIRTIO_WIN },
  'virtio-net': { key: 'virtio-net', linux: ['virtio_pci', 'virtio_net'], windows: 'netkvm', windowsPackage: VIRTIO_WIN },
  'virtio-mmio-blk': { key: 'virtio-mmio-blk', linux: ['virtio_mmio', 'virtio_blk'], windows: null, windowsPackage: null },
  'virtio-mmio-net': { key: 'virtio-mmio-net', linux: ['virtio_mmio', 'virtio_net'], windows: null, windowsPackage: null },
  pvscsi: { key: 'pvscsi', linux: ['vmw_pvscsi', 'sd_mod'], windows: 'pvscsi', windowsPackage: VMWARE_TOOLS },
  vmxnet3: { key: 'vmxnet3', linux: ['vmxnet3'], windows: 'vmxnet3', windowsPackage: VMWARE_TOOLS },
  'xen-vbd': { key: 'xen-vbd', linux: ['xen_blkfront'], windows: 'xenvbd', windowsPackage: XEN_PV },
  'xen-vif': { key: 'xen-vif', linux: ['xen_netfront'], windows: 'xennet', windowsPackage: XEN_PV },
  storvsc: { key: 'storvsc', linux: ['hv_vmbus', 'hv_storvsc', 'sd_mod'], windows: 'storvsc', windowsPackage: null },
  netvsc: { key: 'netvsc', linux: ['hv_vmbus', 'hv_netvsc'], windows: 'netvsc', windowsPackage: null },
  ahci: { key: 'ahci', linux: ['libata', 'ahci', 'sd_mod'], windows: 'storahci', windowsPackage: null },
  ide: { key: 'ide', linux: ['libata', 'ata_piix', 'sd_mod'], windows: 'intelide', windowsPackage: null },
  nvme: { key: 'nvme', linux: ['nvme'], windows: 'stornvme', windowsPackage: null },
  lsilogic: { key: 'lsilogic', linux: ['mptspi', 'sd_mod'], windows: 'LSI_SCSI', windowsPackage: null },
  lsisas1068: { key: 'lsisas1068', linux: ['mptsas', 'sd_mod'], windows: 'LSI_SAS', windowsPackage: null },
  lsi53c895a: { key: 'lsi53c895a', linux: ['sym53c8xx', 'sd_mod'], windows: null, windowsPackage: null },
  buslogic: { key: 'buslogic', linux: ['BusLogic', 'sd_mod'], windows: null, windowsPackage: null },
  e1000: { key: 'e1000', linux: ['e1000'], windows: 'E1G60', windowsPackage: null },
  e1000e: { key: 'e1000e', linux: ['e1000e'], windows: 'e1iexpress', windowsPackage: null },
  rtl8139: { key: 'rtl8139', linux: ['8139cp', '8139too'], windows: 'RTL8023xp', windowsPackage: null },
  pcnet: { key: 'pcnet', linux: ['pcnet32'], windows: null, windowsPackage: null },
};

const VIRTIO: Record<string, string> = {
  'http://pcisig.com/pci/1af4/1001': 'virtio-blk',
  'http://pcisig.com/pci/1af4/1042': 'virtio-blk',
  'http://pcisig.com/pci/1af4/1004': 'virtio-scsi',
  'http://pcisig.com/pci/1af4/1048': 'virtio-scsi',
  'http://pcisig.com/pci/1af4/1000': 'virtio-net',
  'http://pcisig.com/pci/1af4/1041': 'virtio-net',
  'http://virtcompat.org/device/virtio-mmio/block': 'virtio-mmio-blk',
  'http://virtcompat.org/device/virtio-mmio/net': 'virtio-mmio-net',
};

/** The driver key of a planned disk or NIC: its catalogue device, or (virtio-scsi disks) its controller's. */
export function plannedDriverKey(d: PlannedDevice, all: PlannedDevice[]): string | null {
  if (d.controller) {
    const c = all.find((x) => x.id === d.controller);
    if (c) return plannedDriverKey(c, all);
  }
  const id = d.deviceId;
  if (!id) return null;
  return VIRTIO[id] ?? deviceKey(id);
}

/**
 * The driver key of a disk as an inspected configuration names it: the controller model for SCSI,
 * the bus for the others. `source` says which hypervisor's SCSI default applies when the file names none.
 */
export function inspectedDiskKey(bus: string, controllerModel: string | undefined, source: HypervisorKey): string | null {
  switch (bus) {
    case 'virtio':
      return 'virtio-blk';
    case 'xen':
      return 'xen-vbd';
    case 'sata':
      return 'ahci';
    case 'ide':
      return 'ide';
    case 'nvme':
      return 'nvme';
    case 'scsi': {
      const m = (controllerModel ?? '').toLowerCase();
      if (m === 'pvscsi' || m === 'vmpvscsi') return 'pvscsi';
      if (m === 'lsilogic') return 'lsilogic';
      if (m === 'lsisas1068' || m === 'lsilogicsas') return 'lsisas1068';
      if (m === 'buslogic') return 'buslogic';
      if (m === 'virtio-scsi' || m === 'virtio') return 'virtio-scsi';
      if (m === 'lsi' || m === 'lsi53c895a') return 'lsi53c895a';
      if (source === 'hyperv') return 'storvsc';
      if (source === 'kvm') return 'lsi53c895a';
      return m ? null : source === 'vmware' ? 'lsilogic' : null;
    }
    default:
      return null;
  }
}

/** The driver key of a NIC model as inspected configurations name it (libvirt's words). */
export function inspectedNicKey(model: string | undefined, source: HypervisorKey): string | null {
  const m = (model ?? '').toLowerCase();
  if (!m) return source === 'vmware' ? 'e1000' : source === 'xen' ? 'xen-vif' : source === 'hyperv' ? 'netvsc' : null;
  if (m === 'virtio' || m === 'virtio-net' || m.startsWith('virtio-net-pci')) return 'virtio-net';
  if (m === 'netfront' || m === 'vif' || m === 'xen') return 'xen-vif';
  if (m === 'vlance' || m === 'pcnet') return 'pcnet';
  if (m === '8139cp') return 'rtl8139';
  return DRIVERS[m] ? m : null;
}

/** Each hypervisor's guest agent / integration tools, as the pre-flight names them. */
export const AGENTS: Record<HypervisorKey, { linux: string; windows: string }> = {
  kvm: { linux: 'qemu-guest-agent', windows: 'QEMU guest agent (virtio-win guest tools)' },
  xen: { linux: 'xe-guest-utilities (or the distribution Xen guest tools)', windows: 'Xen PV drivers and guest agent' },
  vmware: { linux: 'open-vm-tools', windows: 'VMware Tools' },
  hyperv: { linux: 'hyperv-daemons (hv_kvp_daemon, hv_vss_daemon)', windows: 'Hyper-V Integration Services (inbox)' },
  'cloud-hypervisor': { linux: 'none needed (virtio devices only)', windows: 'virtio-win guest tools' },
  firecracker: { linux: 'none needed (virtio-mmio devices only)', windows: 'none (Linux guests only)' },
};
