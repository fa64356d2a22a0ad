import { type DeviceContext, guestSupport } from '../../devices.ts';

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

/**
 * The guest as virt-install sees it: osinfo-db's records only (the catalogue's curated and vendor records are
 * not in the osinfo-db virt-install reads), no add-on drivers (virt-install uses them for unattended installs
 * only). A record that does not say where it comes from counts as osinfo-db's.
 */
export function virtInstallView(devctx: DeviceContext): DeviceContext {
  const cached = views.get(devctx);
  if (cached) return cached;
  const view: DeviceContext = {
    ...devctx,
    allowAddon: false,
    guest: { ...devctx.guest, devices: devctx.guest.devices.filter((d) => d.source === null || d.source === OSINFO_SOURCE) },
  };
  views.set(devctx, view);
  return view;
}
const views = new WeakMap<DeviceContext, DeviceContext>();
export const OSINFO_SOURCE = 'osinfo-db';

/** Does virt-install think the guest drives any of these devices (virtinst osdict `_device_filter`)? */
export function virtInstallDrives(devctx: DeviceContext, ids: string | string[]): boolean {
  const view = virtInstallView(devctx);
  return (typeof ids === 'string' ? [ids] : ids).some((id) => guestSupport(view, id).ok);
}
