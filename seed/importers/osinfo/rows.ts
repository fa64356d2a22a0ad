// osinfo data -> virtcompat rows. Pure: no I/O, so the mapping is tested on its own.
import type { OsinfoData, OsinfoOs, OsinfoPlatform, Problem } from './parse.ts';
import {
  classify,
  identityFromUri,
  kindOf,
  type BusIdentity,
  type DeviceClass,
  type DeviceKind,
  type ParavirtInterface,
} from '../devices.ts';
import { lookup, type HwIds } from '../hwids.ts';
import { at, captures, must } from '../../../src/util/must.ts';

export const SOURCE = 'osinfo-db';

export interface GuestOSRow {
  id: string;
  shortIds: string[];
  name: string;
  vendor: string | null;
  family: string | null;
  distro: string | null;
  version: string | null;
  codename: string | null;
  architectures: string[];
  releaseStatus: 'RELEASED' | 'PRERELEASE' | 'SNAPSHOT' | 'ROLLING';
  releaseDate: string | null;
  eolDate: string | null;
  derivesFromId: string | null;
  extraDerivesFromIds: string[];
  extraClonedFromIds: string[];
  clonedFromId: string | null;
  upgradesId: string | null;
  cloudInit: boolean | null;
  media: Record<string, unknown> | null;
  source: string;
  sourceVersion: string | null;
  sourceRef: string | null;
}

export interface ResourcesRow {
  guestId: string;
  arch: string;
  kind: 'MINIMUM' | 'RECOMMENDED' | 'MAXIMUM' | 'NETWORK_INSTALL';
  cpus: number | null;
  cpuHz: string | null;
  ramBytes: string | null;
  storageBytes: string | null;
  source: string;
}

export interface FirmwareRow {
  guestId: string;
  arch: string;
  type: 'BIOS' | 'UEFI';
  supported: boolean;
  secureBoot: boolean | null;
  source: string;
}

export interface GuestDeviceRow {
  guestId: string;
  deviceId: string;
  supported: boolean;
  driverSource: 'INBOX' | 'ADDON';
  driverName: string | null;
  notes: string | null;
  source: string;
  sourceVersion: string | null;
}

export interface DeviceRow {
  id: string;
  name: string;
  vendorName: string | null;
  bus: string;
  vendorId: string | null;
  productId: string | null;
  subsystemVendorId: string | null;
  subsystemId: string | null;
  class: DeviceClass;
  rawClass: string | null;
  kind: DeviceKind;
  paravirtInterface: ParavirtInterface;
  description: string | null;
  source: string;
  sourceVersion: string | null;
  sourceRef: string | null;
}

export interface ReleaseRow {
  id: string;
  hypervisorKey: string;
  hypervisorId: string; // filled in by the importer once the hypervisor row is known
  version: string;
  versionOrder: number;
  name: string;
  releaseDate: string | null;
  eolDate: string | null;
  machineTypes: string[];
  firmware: string[];
  vfio: boolean;
  sriov: boolean;
  notes: string | null;
  source: string;
  sourceRef: string | null;
}

export interface ReleaseDeviceRow {
  releaseId: string;
  deviceId: string;
  model: string;
  supported: boolean;
  notes: string | null;
  sourceRef: string | null;
}

export interface OsinfoRows {
  guests: GuestOSRow[];
  resources: ResourcesRow[];
  firmware: FirmwareRow[];
  guestDevices: GuestDeviceRow[];
  devices: DeviceRow[];
  releases: ReleaseRow[];
  releaseDevices: ReleaseDeviceRow[];
  problems: Problem[];
}

const RESOURCE_KIND: Record<string, ResourcesRow['kind']> = {
  minimum: 'MINIMUM',
  recommended: 'RECOMMENDED',
  maximum: 'MAXIMUM',
  'network-install': 'NETWORK_INSTALL',
};

const RELEASE_STATUS: Record<string, GuestOSRow['releaseStatus']> = {
  released: 'RELEASED',
  prerelease: 'PRERELEASE',
  snapshot: 'SNAPSHOT',
  rolling: 'ROLLING',
};

const FIRMWARE: Record<string, FirmwareRow['type']> = { bios: 'BIOS', efi: 'UEFI' };

/** osinfo platform namespaces -> hypervisor key; `upstream` platforms keep their plain version. */
export const PLATFORM_HYPERVISOR: Readonly<Record<string, { key: string; upstream: boolean }>> = {
  'qemu.org': { key: 'kvm', upstream: true },
  'linux-kvm.org': { key: 'kvm', upstream: false },
  'xen.org': { key: 'xen', upstream: true },
  'redhat.com': { key: 'xen', upstream: false },
};

function isoDate(v: string | undefined, what: string, os: { id: string; files: string[] }, problems: Problem[]): string | null {
  if (!v) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const [y, mo, day] = m ? captures(m, 3).map(Number) : [];
  const d = y !== undefined && mo !== undefined && day !== undefined ? new Date(Date.UTC(y, mo - 1, day)) : null;
  if (!d || d.getUTCFullYear() !== y || d.getUTCMonth() !== (mo ?? 0) - 1 || d.getUTCDate() !== day) {
    problems.push({
      path: firstFile(os),
      reason: `${os.id}: ${what} ${JSON.stringify(v)} is not a date (YYYY-MM-DD); left out`,
      severity: 'warning',
    });
    return null;
  }
  return v;
}

/**
 * The sort key the curated seed uses for hypervisor releases: major * 1000 + minor (7.2 -> 7002).
 * Patch releases of one minor version share the key.
 */
export function versionOrder(version: string): number {
  const [major = 0, minor = 0] = (version.match(/\d+/g) ?? []).slice(0, 2).map((n) => Math.min(Number(n), 999));
  return Math.min(major, 2_000_000) * 1000 + minor;
}

/** The install media, trees, images and the rest of an OS that has no column of its own. */
export function mediaJson(os: OsinfoOs): Record<string, unknown> | null {
  const m: Record<string, unknown> = {};
  if (os.variants.length) m.variants = os.variants;
  if (os.media.length) m.media = os.media;
  if (os.trees.length) m.trees = os.trees;
  if (os.images.length) m.images = os.images;
  if (os.installScripts.length) m.installScripts = os.installScripts;
  if (os.drivers.length) m.drivers = os.drivers;
  if (os.cloudImageUsername) m.cloudImageUsername = os.cloudImageUsername;
  if (os.kernelUrlArgument) m.kernelUrlArgument = os.kernelUrlArgument;
  if (os.logo) m.logo = os.logo;
  if (os.resourcesInherit.length) m.resourcesInherit = os.resourcesInherit;
  if (os.upgrades.length > 1) m.extraUpgrades = os.upgrades.slice(1);
  if (Object.keys(os.custom).length) m.custom = os.custom;
  return Object.keys(m).length ? m : null;
}

function architectures(os: OsinfoOs): string[] {
  const s = new Set<string>();
  for (const x of [...os.media, ...os.trees, ...os.images, ...os.drivers]) s.add(x.arch);
  for (const a of os.resources.keys()) s.add(a);
  for (const f of os.firmware.values()) s.add(f.arch);
  s.delete('all');
  return [...s].sort();
}

export interface HwLookups {
  pci: HwIds | null;
  usb: HwIds | null;
}

export function deviceRow(id: string, data: OsinfoData, hw: HwLookups): DeviceRow {
  const d = data.devices.get(id);
  const fromUri = identityFromUri(id);
  const ident: BusIdentity = {
    bus: d?.busType ?? fromUri?.bus ?? 'other',
    vendorId: d?.vendorId?.toLowerCase() ?? fromUri?.vendorId ?? null,
    productId: d?.productId?.toLowerCase() ?? fromUri?.productId ?? null,
  };
  const names =
    ident.vendorId && ident.productId && (ident.bus === 'pci' || ident.bus === 'usb')
      ? lookup(ident.bus === 'pci' ? hw.pci : hw.usb, ident.vendorId, ident.productId)
      : {};
  const rawClass = d?.class ?? null;
  const { kind, paravirtInterface } = kindOf(ident, true);
  return {
    id,
    name: d?.name ?? d?.product ?? names.product ?? id,
    vendorName: d?.vendor ?? names.vendor ?? null,
    bus: ident.bus,
    vendorId: ident.vendorId,
    productId: ident.productId,
    subsystemVendorId: null,
    subsystemId: null,
    class: classify(rawClass, ident, { name: d?.name, product: d?.product ?? names.product }),
    rawClass,
    kind,
    paravirtInterface,
    description: d?.product ?? names.product ?? null,
    source: SOURCE,
    sourceVersion: data.version,
    sourceRef: d ? firstFile(d) : null,
  };
}

/**
 * libosinfo's effective devices of an OS from osinfo data alone (osinfo_os_get_all_devices): the
 * union of the device links of the OS and of everything it derives from or clones, transitively,
 * minus every device that any of them marks supported="false".
 */
export function inheritedDevices(data: OsinfoData, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [id];
  const all = new Set<string>();
  const removed = new Set<string>();
  while (stack.length) {
    const cur = stack.pop()!;
    if (seen.has(cur)) continue;
    seen.add(cur);
    const os = data.oses.get(cur);
    if (!os) continue;
    for (const [dev, supported] of os.devices) (supported ? all : removed).add(dev);
    stack.push(...os.derivesFrom, ...os.clones);
  }
  for (const d of removed) all.delete(d);
  return all;
}

function driverNote(drv: { preInstallable?: boolean; signed?: boolean; location?: string; arch: string }): string {
  const kind = drv.preInstallable ? 'pre-installable' : 'post-installable';
  const signed = drv.signed === false ? ', unsigned' : '';
  return `${kind} driver (${drv.arch}${signed})${drv.location ? `: ${drv.location}` : ''}`;
}

export function buildRows(data: OsinfoData, hw: HwLookups): OsinfoRows {
  const problems: Problem[] = [];
  const version = data.version;
  const out: OsinfoRows = {
    guests: [],
    resources: [],
    firmware: [],
    guestDevices: [],
    devices: [],
    releases: [],
    releaseDevices: [],
    problems,
  };
  const deviceIds = new Set<string>(data.devices.keys());

  for (const os of [...data.oses.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    let status: GuestOSRow['releaseStatus'] = 'RELEASED';
    if (os.releaseStatus) {
      const s = RELEASE_STATUS[os.releaseStatus];
      if (s) status = s;
      else
        problems.push({
          path: firstFile(os),
          reason: `${os.id}: unknown release-status ${JSON.stringify(os.releaseStatus)}; RELEASED assumed`,
          severity: 'warning',
        });
    }
    if (!os.name) problems.push({ path: firstFile(os), reason: `${os.id}: no <name>; the id is used as name`, severity: 'warning' });
    out.guests.push({
      id: os.id,
      shortIds: os.shortIds,
      name: os.name ?? os.id,
      vendor: os.vendor ?? null,
      family: os.family ?? null,
      distro: os.distro ?? null,
      version: os.version ?? null,
      codename: os.codename ?? null,
      architectures: architectures(os),
      releaseStatus: status,
      releaseDate: isoDate(os.releaseDate, 'release-date', os, problems),
      eolDate: isoDate(os.eolDate, 'eol-date', os, problems),
      derivesFromId: os.derivesFrom[0] ?? null,
      extraDerivesFromIds: os.derivesFrom.slice(1),
      extraClonedFromIds: os.clones.slice(1),
      clonedFromId: os.clones[0] ?? null,
      upgradesId: os.upgrades[0] ?? null,
      cloudInit: os.images.length ? os.images.some((i) => i.cloudInit === true) : null,
      media: mediaJson(os),
      source: SOURCE,
      sourceVersion: version,
      sourceRef: firstFile(os),
    });
    for (const [arch, kinds] of os.resources) {
      for (const [k, r] of kinds) {
        out.resources.push({
          guestId: os.id,
          arch,
          kind: must(RESOURCE_KIND[k], `a resource kind for <${k}>, which the parser admits only from RESOURCE_KINDS`),
          cpus: r.cpus ?? null,
          cpuHz: r.cpuHz ?? null,
          ramBytes: r.ramBytes ?? null,
          storageBytes: r.storageBytes ?? null,
          source: SOURCE,
        });
      }
    }
    for (const f of os.firmware.values()) {
      const type = FIRMWARE[f.type];
      if (!type) {
        problems.push({
          path: firstFile(os),
          reason: `${os.id}: unknown firmware type ${JSON.stringify(f.type)}; left out`,
          severity: 'warning',
        });
        continue;
      }
      out.firmware.push({ guestId: os.id, arch: f.arch, type, supported: f.supported, secureBoot: null, source: SOURCE });
    }
    for (const [dev, supported] of os.devices) {
      deviceIds.add(dev);
      out.guestDevices.push({
        guestId: os.id,
        deviceId: dev,
        supported,
        driverSource: 'INBOX',
        driverName: null,
        notes: null,
        source: SOURCE,
        sourceVersion: version,
      });
    }
    // Devices an add-on driver brings (osinfo <driver>): supported with driverSource ADDON, unless
    // the OS itself says something about the device or already drives it inbox through inheritance
    // (a nearer ADDON row would otherwise hide the inherited inbox answer; the driver itself stays
    // in media.drivers either way).
    const addon = new Map<string, string>();
    const inbox = os.drivers.length ? inheritedDevices(data, os.id) : new Set<string>();
    for (const drv of [...os.drivers].sort((a, b) => (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0))) {
      for (const dev of drv.devices) {
        deviceIds.add(dev);
        if (!os.devices.has(dev) && !inbox.has(dev) && !addon.has(dev)) addon.set(dev, driverNote(drv));
      }
    }
    for (const [dev, note] of addon) {
      out.guestDevices.push({
        guestId: os.id,
        deviceId: dev,
        supported: true,
        driverSource: 'ADDON',
        driverName: null,
        notes: note,
        source: SOURCE,
        sourceVersion: version,
      });
    }
  }

  const releaseKeys = new Map<string, string>();
  for (const p of [...data.platforms.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const rel = releaseRow(p, problems);
    if (!rel) continue;
    const k = `${rel.hypervisorKey}|${rel.version}`;
    if (releaseKeys.has(k)) {
      problems.push({
        path: firstFile(p),
        reason: `${p.id}: same hypervisor version as ${releaseKeys.get(k)}; left out`,
        severity: 'warning',
      });
      continue;
    }
    releaseKeys.set(k, p.id);
    out.releases.push(rel);
    for (const [dev, supported] of p.devices) {
      deviceIds.add(dev);
      const known = data.devices.get(dev);
      out.releaseDevices.push({
        releaseId: p.id,
        deviceId: dev,
        model: known?.name ?? dev,
        supported,
        notes: null,
        sourceRef: firstFile(p),
      });
    }
  }

  for (const id of [...deviceIds].sort()) out.devices.push(deviceRow(id, data, hw));
  return out;
}

function releaseRow(p: OsinfoPlatform, problems: Problem[]): ReleaseRow | null {
  const m = /^[a-z]+:\/\/([^/]+)\//.exec(p.id);
  const ns = m ? PLATFORM_HYPERVISOR[captures(m, 1)[0]] : undefined;
  if (!ns) {
    problems.push({
      path: firstFile(p),
      reason: `${p.id}: no known hypervisor for this platform namespace; left out`,
      severity: 'warning',
    });
    return null;
  }
  const shortId = p.shortIds[0];
  const version = ns.upstream ? (p.version ?? shortId) : (shortId ?? p.version);
  if (!version) {
    problems.push({ path: firstFile(p), reason: `${p.id}: neither version nor short-id; left out`, severity: 'warning' });
    return null;
  }
  const date = (v: string | undefined, what: string) => isoDate(v, what, p, problems);
  return {
    id: p.id,
    hypervisorKey: ns.key,
    hypervisorId: '',
    version,
    versionOrder: versionOrder(p.version ?? version),
    name: p.name ?? version,
    releaseDate: date(p.releaseDate, 'release-date'),
    eolDate: date(p.eolDate, 'eol-date'),
    machineTypes: [],
    firmware: [],
    vfio: false,
    sriov: false,
    notes: platformNotes(p),
    source: SOURCE,
    sourceRef: firstFile(p),
  };
}

/** What the release row has no column for, in a form `export osinfo` reads back (parsePlatformNotes). */
export function platformNotes(p: OsinfoPlatform): string | null {
  const parts: string[] = [];
  if (p.shortIds.length) parts.push(`short-id ${p.shortIds.join(' ')}`);
  if (p.vendor) parts.push(`vendor ${p.vendor}`);
  for (const u of p.upgrades) parts.push(`upgrades ${u}`);
  for (const d of p.derivesFrom) parts.push(`derives-from ${d}`);
  return parts.length ? `osinfo-db platform: ${parts.join('; ')}` : null;
}

export function parsePlatformNotes(notes: string | null): {
  shortIds: string[];
  vendor?: string;
  upgrades: string[];
  derivesFrom: string[];
} {
  const out = { shortIds: [] as string[], vendor: undefined as string | undefined, upgrades: [] as string[], derivesFrom: [] as string[] };
  const m = /^osinfo-db platform: (.*)$/.exec(notes ?? '');
  if (!m) return out;
  for (const part of captures(m, 1)[0].split('; ')) {
    const sp = part.indexOf(' ');
    const k = part.slice(0, sp);
    const v = part.slice(sp + 1);
    if (k === 'short-id') out.shortIds.push(...v.split(' '));
    else if (k === 'vendor') out.vendor = v;
    else if (k === 'upgrades') out.upgrades.push(v);
    else if (k === 'derives-from') out.derivesFrom.push(v);
  }
  return out;
}

/** The file that defined an entity: the parser records it when it creates the entity. */
function firstFile(x: { id: string; files: string[] }): string {
  return at(x.files, 0, `the file that defined ${x.id}`);
}
