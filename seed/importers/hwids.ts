// Parser for the PCI and USB ID repositories (pci.ids, usb.ids): vendors, devices and (pci.ids)
// subsystems. Only the vendor section is read; the class / HID / language sections that follow it
// are recognised and skipped. Lines that fit no rule are reported with their number, never dropped
// silently.
import { readFile } from 'node:fs/promises';

export interface HwVendor {
  id: string; // lower-case hex
  name: string;
  devices: Map<string, HwDevice>;
}

export interface HwDevice {
  id: string;
  name: string;
  subsystems: { subsystemVendorId: string; subsystemId: string; name: string }[];
}

export interface HwIds {
  path: string;
  version: string | null;
  date: string | null;
  vendors: Map<string, HwVendor>;
  problems: { line: number; reason: string }[];
}

const VENDOR = /^([0-9a-fA-F]{4})\s+(.+?)\s*$/;
const DEVICE = /^\t([0-9a-fA-F]{4})\s+(.+?)\s*$/;
const SUBSYS = /^\t\t([0-9a-fA-F]{4})\s+([0-9a-fA-F]{4})\s+(.+?)\s*$/;
/** The sections after the vendors: `C 02  Network controller`, `HID 01 ...`, `L 0409 ...`. */
const OTHER_SECTION = /^[A-Z]+\s/;

export function parseHwIds(text: string, path: string, kind: 'pci' | 'usb'): HwIds {
  const out: HwIds = { path, version: null, date: null, vendors: new Map(), problems: [] };
  let vendor: HwVendor | null = null;
  let device: HwDevice | null = null;
  let otherSection = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '' || /^\s*$/.test(line)) continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(Version|Date):\s*(.+?)\s*$/.exec(line);
      if (m && m[1] === 'Version') out.version ??= m[2];
      if (m && m[1] === 'Date') out.date ??= m[2];
      continue;
    }
    if (otherSection) continue;
    if (OTHER_SECTION.test(line)) {
      otherSection = true;
      continue;
    }
    let m: RegExpExecArray | null;
    if (kind === 'usb' && line.startsWith('\t\t')) {
      // usb.ids interface lines under a device are not modelled; they are not errors either.
      continue;
    }
    if ((m = SUBSYS.exec(line))) {
      if (!device) {
        out.problems.push({ line: i + 1, reason: 'subsystem line outside a device' });
        continue;
      }
      device.subsystems.push({ subsystemVendorId: m[1].toLowerCase(), subsystemId: m[2].toLowerCase(), name: m[3] });
    } else if ((m = DEVICE.exec(line))) {
      if (!vendor) {
        out.problems.push({ line: i + 1, reason: 'device line outside a vendor' });
        continue;
      }
      const id = m[1].toLowerCase();
      if (vendor.devices.has(id)) {
        out.problems.push({ line: i + 1, reason: `duplicate device ${vendor.id}:${id}` });
        device = vendor.devices.get(id)!;
        continue;
      }
      device = { id, name: m[2], subsystems: [] };
      vendor.devices.set(id, device);
    } else if ((m = VENDOR.exec(line))) {
      const id = m[1].toLowerCase();
      device = null;
      if (out.vendors.has(id)) {
        out.problems.push({ line: i + 1, reason: `duplicate vendor ${id}` });
        vendor = out.vendors.get(id)!;
        continue;
      }
      vendor = { id, name: m[2], devices: new Map() };
      out.vendors.set(id, vendor);
    } else {
      out.problems.push({ line: i + 1, reason: `unrecognised line: ${JSON.stringify(line.slice(0, 80))}` });
    }
  }
  return out;
}

export async function loadHwIds(path: string, kind: 'pci' | 'usb'): Promise<HwIds> {
  return parseHwIds(await readFile(path, 'utf8'), path, kind);
}

/** Vendor and product names for one device, as libosinfo shows them for a pcisig/usb id. */
export function lookup(ids: HwIds | null, vendorId: string, productId: string): { vendor?: string; product?: string } {
  const v = ids?.vendors.get(vendorId);
  if (!v) return {};
  return { vendor: v.name, product: v.devices.get(productId)?.name };
}
