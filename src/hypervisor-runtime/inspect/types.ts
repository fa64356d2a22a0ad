// What `virtcompat inspect` reads from a VM's native configuration (.vmx, OVF/OVA, libvirt domain XML,
// Xen xl.cfg), in one shape for every format. `--json` prints it; `move` plans from it. Device and
// model names follow libvirt's words for the same devices. This shape is a contract for other
// tools: fields may be added, never renamed or removed.

export type SourceFormat = 'vmx' | 'ovf' | 'libvirt' | 'xl';

export type DiskDevice = 'disk' | 'cdrom' | 'floppy';
export type DiskBus = 'ide' | 'scsi' | 'sata' | 'nvme' | 'virtio' | 'xen' | 'fdc' | 'usb';

export interface InspectedGuest {
  /** The OS as the file names it (`windows9-64`, `rhel8_64Guest`, an osinfo URI ...), or null. */
  native: string | null;
  /** The catalogue's short id when the native name maps to exactly one guest. */
  id?: string;
  /** Every catalogue guest the native name could mean (more than one: ambiguous). */
  candidates: string[];
  /** The catalogue's full id (an osinfo-db URI) when the file names one (libvirt's libosinfo metadata). */
  uri?: string;
}

export interface InspectedDisk {
  device: DiskDevice;
  bus: DiskBus;
  /** SCSI only, and only when the file names one: buslogic, lsilogic, lsisas1068, vmpvscsi, virtio-scsi ... */
  controllerModel?: string;
  /** Where the file says the disk sits on its bus (`scsi0:1`, `hda`, `xvda` ...), when it says. */
  address?: string;
  path: string | null;
  format?: string;
  /** Position in the boot order the file gives (1 first), when it gives one. */
  bootOrder?: number;
}

export interface InspectedNic {
  /** e1000, e1000e, vlance, vmxnet, vmxnet2, vmxnet3, virtio, netfront, rtl8139, netvsc ...; absent if the file names none. */
  model?: string;
  mac: string | null;
  /** generated | static | assigned, where the format says how the MAC came to be. */
  macSource?: 'generated' | 'static' | 'assigned';
  network?: string;
}

export interface InspectedVm {
  sourceFormat: SourceFormat;
  /** The file's VM name, when it has one. */
  name?: string;
  guest: InspectedGuest;
  firmware: 'bios' | 'uefi';
  secureBoot: boolean;
  tpm: boolean;
  cpus: number;
  memoryMiB: number;
  disks: InspectedDisk[];
  nics: InspectedNic[];
  /** Hypervisor-specific facts the format records (virtualHW.version, Xen `type`, machine type ...). */
  platform?: Record<string, string>;
  /** Keys or elements the reader did not interpret, kept as written: never fatal. */
  unknown: { key: string; value: string; line?: number }[];
  /** Things the reader noticed and assumed (a default it applied, a value it could not map). */
  notes: string[];
}
