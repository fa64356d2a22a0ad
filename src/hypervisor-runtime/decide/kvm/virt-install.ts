// osinfo device ids virt-install tests (virtinst/osdict.py supports_*)
export const OSINFO = {
  q35: 'http://qemu.org/chipset/x86/q35',
  virtioNet: ['http://pcisig.com/pci/1af4/1000', 'http://pcisig.com/pci/1af4/1041'],
  virtio1Net: 'http://pcisig.com/pci/1af4/1041',
  virtioBlock: ['http://pcisig.com/pci/1af4/1001', 'http://pcisig.com/pci/1af4/1042'],
  virtioGpu: 'http://pcisig.com/pci/1af4/1050',
  virtioRng: ['http://pcisig.com/pci/1af4/1005', 'http://pcisig.com/pci/1af4/1044'],
  virtioBalloon: ['http://pcisig.com/pci/1af4/1002', 'http://pcisig.com/pci/1af4/1045'],
  virtioSerial: ['http://pcisig.com/pci/1af4/1003', 'http://pcisig.com/pci/1af4/1043'],
  usb3: 'http://pcisig.com/pci/1b36/0004',
};

/** Hyper-V enlightenments virt-install enables for every Windows guest (features.py + clock.py hypervclock). */
export const VIRT_INSTALL_HYPERV = ['hv-relaxed', 'hv-vapic', 'hv-spinlocks', 'hv-time'];
