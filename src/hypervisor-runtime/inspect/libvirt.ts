// libvirt domain XML (https://libvirt.org/formatdomain.html) → InspectedVm. PURE. libvirt's own words are the
// model names, so they are kept as written.
import type { DiskBus, DiskDevice, InspectedDisk, InspectedNic, InspectedVm } from './types.ts';
import { inspectedVm } from './vm.ts';
import { malformed } from './errors.ts';
import { guestFromOsinfo } from './guest.ts';
import { attr, kid, kids, kidText, local, parseXml, type XmlNode } from './xml.ts';

/** libvirt memory units (formatdomain "Memory Allocation"); the default is KiB. */
const UNIT_BYTES: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};
const DISK_BUSES = new Set<DiskBus>(['ide', 'scsi', 'sata', 'nvme', 'virtio', 'xen', 'fdc', 'usb']);
const READ_DEVICES = new Set(['disk', 'interface', 'tpm', 'emulator']);
const READ_OS = new Set(['type', 'loader', 'firmware', 'boot']);

export function inspectLibvirt(text: string): InspectedVm {
  const dom = parseXml(text, 'libvirt');
  if (dom.name !== 'domain') throw malformed('libvirt', dom.line, `expected a <domain> document, found <${dom.name}>`);
  const notes: string[] = [];
  const unknown: InspectedVm['unknown'] = [];
  const platform: Record<string, string> = {};
  if (dom.attrs.type) platform.domainType = dom.attrs.type;

  const memEl = kid(dom, 'memory');
  if (!memEl) throw malformed('libvirt', dom.line, 'the domain has no <memory>');
  const unit = (memEl.attrs.unit ?? 'KiB').toLowerCase();
  const factor = UNIT_BYTES[unit];
  const amount = Number(memEl.text.trim());
  if (factor === undefined) throw malformed('libvirt', memEl.line, `<memory unit='${memEl.attrs.unit}'> is not a libvirt unit`);
  if (!(amount > 0)) throw malformed('libvirt', memEl.line, `<memory> must be a positive number, found '${memEl.text.trim()}'`);
  const memoryMiB = (amount * factor) / 1024 ** 2;

  const vcpuEl = kid(dom, 'vcpu');
  let cpus = 1;
  if (vcpuEl) {
    cpus = Number(vcpuEl.text.trim());
    if (!Number.isInteger(cpus) || cpus <= 0)
      throw malformed('libvirt', vcpuEl.line, `<vcpu> must be a positive whole number, found '${vcpuEl.text.trim()}'`);
  } else notes.push('no <vcpu>: 1 vCPU, libvirt’s default');

  // Firmware: <os firmware='efi'>, or a pflash/OVMF <loader>; Secure Boot: <loader secure='yes'> or the
  // secure-boot firmware feature.
  const os = kid(dom, 'os');
  let firmware: 'bios' | 'uefi' = 'bios';
  let secureBoot = false;
  if (os) {
    const type = kid(os, 'type');
    if (type) {
      platform.osType = type.text.trim();
      if (type.attrs.machine) platform.machine = type.attrs.machine;
      if (type.attrs.arch) platform.arch = type.attrs.arch;
    }
    const loader = kid(os, 'loader');
    if (os.attrs.firmware === 'efi' || loader?.attrs.type === 'pflash' || /ovmf|edk2|uefi/i.test(loader?.text ?? '')) firmware = 'uefi';
    if (loader?.attrs.secure === 'yes') secureBoot = true;
    const fwFeatures = kids(kid(os, 'firmware') ?? os, 'feature');
    for (const f of fwFeatures) {
      if (f.attrs.name === 'secure-boot') secureBoot = f.attrs.enabled === 'yes';
      else if (f.attrs.name === 'enrolled-keys' && f.attrs.enabled === 'yes')
        notes.push("firmware feature enrolled-keys: the varstore has Microsoft's keys enrolled");
    }
    const boots = kids(os, 'boot').map((b) => b.attrs.dev ?? '');
    if (boots.length) platform.bootDevices = boots.join(',');
  }

  // Guest OS: libosinfo metadata, as virt-install and virt-manager write it.
  let guest: InspectedVm['guest'] = { native: null, candidates: [] };
  const osinfo = findDeep(kid(dom, 'metadata'), 'os');
  const osId = osinfo ? attr(osinfo, 'id') : undefined;
  if (osId) {
    const r = guestFromOsinfo(osId);
    guest = r.guest;
    notes.push(...r.notes);
  } else notes.push('no libosinfo metadata: the domain does not name its guest OS');

  const devices = kid(dom, 'devices');
  const scsiModels = new Map<string, string>();
  let tpm = false;
  const disks: InspectedDisk[] = [];
  const nics: InspectedNic[] = [];
  for (const c of kids(devices ?? dom, 'controller')) {
    if (c.attrs.type === 'scsi' && c.attrs.model) scsiModels.set(c.attrs.index ?? '0', c.attrs.model);
  }
  for (const el of devices?.children ?? []) {
    const n = local(el.name);
    if (n === 'emulator') platform.emulator = el.text.trim();
    if (n === 'tpm') tpm = true;
    if (n === 'disk') disks.push(readDisk(el));
    if (n === 'interface') nics.push(readNic(el));
    const scsiController = n === 'controller' && el.attrs.type === 'scsi' && el.attrs.model !== undefined;
    if (!READ_DEVICES.has(n) && !scsiController)
      unknown.push({ key: `devices/${n}`, value: el.attrs.type ?? el.attrs.model ?? '', line: el.line });
  }

  function readDisk(el: XmlNode): InspectedDisk {
    const target = kid(el, 'target');
    const dev = target?.attrs.dev;
    const bus = (target?.attrs.bus ?? guessBus(dev)) as DiskBus;
    if (!DISK_BUSES.has(bus)) throw malformed('libvirt', el.line, `disk bus '${bus}' is not one libvirt defines`);
    const device = (el.attrs.device === 'lun' ? 'disk' : (el.attrs.device ?? 'disk')) as DiskDevice;
    if (!['disk', 'cdrom', 'floppy'].includes(device))
      throw malformed('libvirt', el.line, `disk device '${device}' is not disk, cdrom, floppy or lun`);
    const source = kid(el, 'source');
    const a = source?.attrs ?? {};
    const path = a.file ?? a.dev ?? a.name ?? a.dir ?? (a.pool && a.volume ? `${a.pool}/${a.volume}` : null);
    const d: InspectedDisk = { device, bus, path };
    if (dev) d.address = dev;
    const fmt = kid(el, 'driver')?.attrs.type;
    if (fmt) d.format = fmt;
    if (bus === 'scsi') {
      const ctrl = kid(el, 'address')?.attrs.controller ?? '0';
      const model = scsiModels.get(ctrl);
      if (model) d.controllerModel = model;
    }
    const order = kid(el, 'boot')?.attrs.order;
    if (order) d.bootOrder = Number(order);
    return d;
  }

  function readNic(el: XmlNode): InspectedNic {
    const nic: InspectedNic = { mac: kid(el, 'mac')?.attrs.address?.toLowerCase() ?? null };
    if (nic.mac) nic.macSource = 'static';
    const model = kid(el, 'model')?.attrs.type;
    if (model) nic.model = model;
    const source = kid(el, 'source');
    const net = source?.attrs.network ?? source?.attrs.bridge ?? source?.attrs.dev;
    if (net) nic.network = net;
    return nic;
  }

  for (const el of dom.children) {
    const n = local(el.name);
    if (['name', 'memory', 'vcpu', 'devices'].includes(n)) continue;
    if (n === 'os') {
      for (const c of el.children.filter((c) => !READ_OS.has(local(c.name))))
        unknown.push({ key: `os/${local(c.name)}`, value: c.children.length ? '' : c.text.trim(), line: c.line });
      continue;
    }
    if (n === 'metadata') {
      for (const c of el.children.filter((c) => local(c.name) !== 'libosinfo'))
        unknown.push({ key: `metadata/${c.name}`, value: '', line: c.line });
      continue;
    }
    unknown.push({ key: n, value: el.children.length ? '' : el.text.trim(), line: el.line });
  }

  const name = kidText(dom, 'name');
  return inspectedVm('libvirt', name || undefined, {
    guest,
    firmware,
    secureBoot,
    tpm,
    cpus,
    memoryMiB,
    disks,
    nics,
    platform,
    unknown,
    notes,
  });
}

/** libvirt's own rule when <target> names no bus: from the device name's prefix. */
function guessBus(dev: string | undefined): string {
  if (!dev) return 'ide';
  if (dev.startsWith('hd')) return 'ide';
  if (dev.startsWith('sd')) return 'scsi';
  if (dev.startsWith('vd')) return 'virtio';
  if (dev.startsWith('xvd')) return 'xen';
  if (dev.startsWith('fd')) return 'fdc';
  return 'ide';
}

function findDeep(el: XmlNode | undefined, name: string): XmlNode | undefined {
  if (!el) return undefined;
  for (const c of el.children) {
    if (local(c.name) === name) return c;
    const d = findDeep(c, name);
    if (d) return d;
  }
  return undefined;
}
