// Parser for the PCI and USB ID repositories (pci.ids, usb.ids): vendors, devices and (pci.ids)
// subsystems. Only the vendor section is read; the class / HID / language sections that follow it
// are recognised and skipped. Lines that fit no rule are reported with their number, never dropped
// silently.
import { readFile } from 'node:fs/promises';
import { captures } from '../../src/util/must.ts';

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
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || /^\s*$/.test(line)) continue;
    if (line.startsWith('#')) {
      const m = /^#\s*(Version|Date):\s*(.+?)\s*$/.exec(line);
      if (m) {
        const [key, value] = captures(m, 2);
        if (key === 'Version') out.version ??= value;
        else out.date ??= value;
      }
      continue;
    }
    if (otherSection) continue;
    if (OTHER_SECTION.test(line)) {
      otherSection = true;
      continue;
    }
    if (kind === 'usb' && line.startsWith('\t\t')) {
      // usb.ids interface lines under a device are not modelled; they are not errors either.
      continue;
    }
    // Tried in this order: a subsystem line also looks like a device line with more tabs.
    const ss = SUBSYS.exec(line);
    const dev = ss ? null : DEVICE.exec(line);
    const ven = ss || dev ? null : VENDOR.exec(line);
    if (ss) {
      if (!device) {
        out.problems.push({ line: i + 1, reason: 'subsystem line outside a device' });
        continue;
      }
      const [subsystemVendorId, subsystemId, name] = captures(ss, 3);
      device.subsystems.push({ subsystemVendorId: subsystemVendorId.toLowerCase(), subsystemId: subsystemId.toLowerCase(), name });
    } else if (dev) {
      if (!vendor) {
        out.problems.push({ line: i + 1, reason: 'device line outside a vendor' });
        continue;
      }
      const [rawId, name] = captures(dev, 2);
      const id = rawId.toLowerCase();
      const seen = vendor.devices.get(id);
      if (seen) {
        out.problems.push({ line: i + 1, reason: `duplicate device ${vendor.id}:${id}` });
        device = seen;
        continue;
      }
      device = { id, name, subsystems: [] };
      vendor.devices.set(id, device);
    } else if (ven) {
      const [rawId, name] = captures(ven, 2);
      const id = rawId.toLowerCase();
      device = null;
      const seen = out.vendors.get(id);
      if (seen) {
        out.problems.push({ line: i + 1, reason: `duplicate vendor ${id}` });
        vendor = seen;
        continue;
      }
      vendor = { id, name, devices: new Map() };
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
