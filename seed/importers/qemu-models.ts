// Which catalogue device a QEMU device model presents to the guest. PCI ids are QEMU's own
// (include/hw/pci/pci_ids.h, hw/virtio/virtio-pci.c and the device sources); the ones marked
// `checked` are asserted against the installed QEMU by test/import-qemu.test.ts through QMP
// `query-pci`, so a wrong row fails the suite. For each device the first model the binary offers
// is used. Virtio follows the curated seed's convention: the transitional id is the generic model
// (it is transitional on a conventional PCI slot), the virtio 1.0 id the `-non-transitional` one.
export interface ModelMapping {
  deviceId: string;
  /** Candidate model names, best first. */
  models: string[];
  notes?: string;
  /** Verified against the running QEMU in the test suite (PCI only). */
  checked?: boolean;
}

const pci = (v: string, d: string) => `http://pcisig.com/pci/${v}/${d}`;

function virtio(legacy: string | null, modern: string, base: string, notes?: string): ModelMapping[] {
  const out: ModelMapping[] = [];
  if (legacy) {
    out.push({
      deviceId: pci('1af4', legacy),
      models: [base],
      notes: `transitional device on a conventional PCI slot (disable-legacy=auto); also ${base}-transitional${notes ? `; ${notes}` : ''}`,
      checked: true,
    });
  }
  out.push({
    deviceId: pci('1af4', modern),
    models: legacy ? [`${base}-non-transitional`, base] : [base],
    notes: legacy ? `virtio 1.0 only; ${base} on a PCI Express slot presents the same id${notes ? `; ${notes}` : ''}` : notes,
    checked: true,
  });
  return out;
}

export const QEMU_DEVICE_MODELS: readonly ModelMapping[] = [
  ...virtio('1000', '1041', 'virtio-net-pci'),
  ...virtio('1001', '1042', 'virtio-blk-pci'),
  ...virtio('1002', '1045', 'virtio-balloon-pci'),
  ...virtio('1003', '1043', 'virtio-serial-pci'),
  ...virtio('1004', '1048', 'virtio-scsi-pci'),
  ...virtio('1005', '1044', 'virtio-rng-pci'),
  ...virtio('1009', '1049', 'virtio-9p-pci', 'needs an fsdev'),
  {
    deviceId: pci('1af4', '1050'),
    models: ['virtio-gpu-pci'],
    notes: 'virtio-vga presents the same id with VGA compatibility',
    checked: true,
  },
  {
    deviceId: pci('1af4', '1052'),
    models: ['virtio-tablet-pci', 'virtio-keyboard-pci', 'virtio-mouse-pci'],
    notes: 'also virtio-keyboard-pci and virtio-mouse-pci',
    checked: true,
  },
  { deviceId: pci('1af4', '1053'), models: ['vhost-vsock-pci'], notes: 'needs the host vhost_vsock module' },
  { deviceId: pci('1af4', '1054'), models: ['virtio-crypto-pci'] },
  { deviceId: pci('1af4', '1057'), models: ['virtio-iommu-pci'], checked: true },
  { deviceId: pci('1af4', '1058'), models: ['virtio-mem-pci'] },
  { deviceId: pci('1af4', '105a'), models: ['vhost-user-fs-pci'], notes: 'needs a virtiofsd back-end' },
  { deviceId: pci('1af4', '105b'), models: ['virtio-pmem-pci'] },
  { deviceId: pci('1af4', '1110'), models: ['ivshmem-plain', 'ivshmem-doorbell'] },
  // network
  { deviceId: pci('8086', '100e'), models: ['e1000'], checked: true },
  { deviceId: pci('8086', '100f'), models: ['e1000-82545em'], checked: true },
  { deviceId: pci('8086', '100c'), models: ['e1000-82544gc'], checked: true },
  { deviceId: pci('8086', '10d3'), models: ['e1000e'], checked: true },
  { deviceId: pci('8086', '10c9'), models: ['igb'] },
  { deviceId: pci('10ec', '8139'), models: ['rtl8139'], checked: true },
  { deviceId: pci('10ec', '8029'), models: ['ne2k_pci'], checked: true },
  { deviceId: pci('1022', '2000'), models: ['pcnet'], checked: true },
  { deviceId: pci('15ad', '07b0'), models: ['vmxnet3'], checked: true },
  // storage
  { deviceId: pci('15ad', '07c0'), models: ['pvscsi'], checked: true },
  { deviceId: pci('1000', '0012'), models: ['lsi53c895a'], checked: true },
  { deviceId: pci('1000', '0001'), models: ['lsi53c810'], checked: true },
  { deviceId: pci('1000', '0060'), models: ['megasas'], checked: true },
  { deviceId: pci('1000', '0079'), models: ['megasas-gen2'], checked: true },
  { deviceId: pci('1000', '0054'), models: ['mptsas1068'], checked: true },
  { deviceId: pci('1022', '2020'), models: ['am53c974', 'dc390'], checked: true },
  {
    deviceId: pci('1b36', '0010'),
    models: ['nvme'],
    notes: 'machine types before 5.2 (or use-intel-id=on) present 8086:5845',
    checked: true,
  },
  { deviceId: pci('8086', '2922'), models: ['ich9-ahci'], checked: true },
  { deviceId: pci('8086', '7010'), models: ['piix3-ide'], checked: true },
  { deviceId: pci('8086', '7111'), models: ['piix4-ide'], checked: true },
  // USB controllers and devices
  { deviceId: pci('1b36', '000d'), models: ['qemu-xhci'], checked: true },
  { deviceId: pci('1033', '0194'), models: ['nec-usb-xhci'], checked: true },
  { deviceId: pci('8086', '7020'), models: ['piix3-usb-uhci'], checked: true },
  { deviceId: pci('8086', '7112'), models: ['piix4-usb-uhci'], checked: true },
  { deviceId: pci('8086', '24cd'), models: ['usb-ehci'], checked: true },
  { deviceId: pci('8086', '293a'), models: ['ich9-usb-ehci1'], checked: true },
  { deviceId: pci('8086', '293c'), models: ['ich9-usb-ehci2'], checked: true },
  { deviceId: pci('8086', '2934'), models: ['ich9-usb-uhci1'], checked: true },
  { deviceId: pci('106b', '003f'), models: ['pci-ohci'], checked: true },
  { deviceId: 'http://usb.org/usb/0627/0001', models: ['usb-tablet'], notes: 'usb-kbd and usb-mouse use the same USB ids' },
  // display
  {
    deviceId: pci('1234', '1111'),
    models: ['VGA', 'secondary-vga', 'bochs-display'],
    notes: 'also secondary-vga and bochs-display',
    checked: true,
  },
  { deviceId: pci('1013', '00b8'), models: ['cirrus-vga'], checked: true },
  { deviceId: pci('1b36', '0100'), models: ['qxl-vga', 'qxl'], notes: 'qxl is the secondary variant', checked: true },
  { deviceId: pci('15ad', '0405'), models: ['vmware-svga'], checked: true },
  // sound
  { deviceId: pci('8086', '2668'), models: ['intel-hda'] },
  { deviceId: pci('8086', '293e'), models: ['ich9-intel-hda'] },
  { deviceId: pci('8086', '2415'), models: ['AC97'] },
  { deviceId: pci('1274', '5000'), models: ['ES1370'] },
  // watchdog, misc
  { deviceId: pci('8086', '25ab'), models: ['i6300esb'], checked: true },
  { deviceId: 'http://ibasetechnologies.net/isa/ib700', models: ['ib700'] },
  { deviceId: pci('1b36', '0011'), models: ['pvpanic-pci'], checked: true },
  { deviceId: 'http://ibm.com/ps2/keyboard', models: ['i8042'], notes: 'built into the pc and q35 machines' },
  { deviceId: 'http://ibm.com/ps2/mouse', models: ['i8042'], notes: 'built into the pc and q35 machines' },
  { deviceId: 'http://virtcompat.org/device/isa/16550a', models: ['isa-serial'] },
  { deviceId: 'http://virtcompat.org/device/tpm/tpm-tis', models: ['tpm-tis'], notes: 'needs a TPM back-end (swtpm)' },
  { deviceId: 'http://virtcompat.org/device/tpm/tpm-crb', models: ['tpm-crb'], notes: 'needs a TPM back-end (swtpm)' },
  // bridges
  { deviceId: pci('1b36', '0001'), models: ['pci-bridge'], checked: true },
  { deviceId: pci('1b36', '000c'), models: ['pcie-root-port'] },
  { deviceId: pci('8086', '3420'), models: ['ioh3420'] },
  { deviceId: pci('1b36', '000e'), models: ['pcie-pci-bridge'] },
];

/** Devices a machine type stands for (osinfo models the q35 chipset as a device). */
export const QEMU_MACHINE_DEVICES: readonly { deviceId: string; machine: string; notes?: string }[] = [
  { deviceId: 'http://qemu.org/chipset/x86/q35', machine: 'q35', notes: 'machine type (Q35 + ICH9 chipset)' },
];
