// `virtcompat export osinfo DIR`: the catalogue as an osinfo-db tree libosinfo loads
// (OSINFO_SYSTEM_DIR=DIR osinfo-query os). Written from the database, so curated and
// vendor-submitted facts are included where the format can hold them:
// - every GuestOS (any source) as os/<host>/<name>.xml with its short ids, relations (all parents,
//   including every derives-from and clones parent), dates, resources, firmware, install media,
//   trees, images, variants, drivers, and its device links (supported="false" kept);
//   ADDON device rows not already described by an osinfo <driver> become a <driver> of their own;
// - the devices those links use and every device not from pci.ids, as device/<host>/<name>.xml;
// - every HypervisorRelease as a platform with the devices it presents;
// - accepted, current compatibility records with a positive status (certified, supported, works)
//   as deployments: OS + platform + the tested devices.
// What the format has no place for (notes, driver versions, Secure Boot flags, paravirt features,
// host features, review data) is counted in the result; virtcompat/catalogue.xml, in virtcompat's
// own namespace, holds every catalogue row with its sources, so `import osinfo` of the export gives
// the catalogue back as it was (test/export-roundtrip.test.ts compares content digests).
// File names follow libosinfo's rule (osinfo_loader_check_id): the id without http://, its path
// after the host with every character other than [A-Za-z0-9._-] turned into '-'.
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Sql } from '../../../src/db/sql.ts';
import { CLASS_TO_OSINFO, type DeviceClass } from '../devices.ts';
import { parsePlatformNotes } from './rows.ts';
import type { OsDriver, OsImage, OsMedia, OsTree } from './parse.ts';
import { catalogueVersion } from '../runs.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { must } from '../../../src/util/must.ts';
import { CATALOGUE_FILE, catalogueXml } from './catalogue-xml.ts';

export interface ExportResult {
  dir: string;
  files: number;
  oses: number;
  devices: number;
  platforms: number;
  deployments: number;
  /** Facts the osinfo format cannot hold, by kind (all of them are in virtcompat/catalogue.xml). */
  notExported: Record<string, number>;
  /** Rows per table in virtcompat/catalogue.xml. */
  catalogueRows: Record<string, number>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const attr = (s: string) => esc(s).replace(/"/g, '&quot;');

class Xml {
  private out: string[] = [];
  private depth = 0;
  open(name: string, attrs: Record<string, string | number | boolean | undefined | null> = {}, selfClose = false) {
    const a = Object.entries(attrs)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
      .join('');
    this.out.push(`${'  '.repeat(this.depth)}<${name}${a}${selfClose ? '/' : ''}>`);
    if (!selfClose) this.depth++;
    return this;
  }
  close(name: string) {
    this.depth--;
    this.out.push(`${'  '.repeat(this.depth)}</${name}>`);
    return this;
  }
  leaf(name: string, text: string | number | null | undefined, attrs: Record<string, string | undefined> = {}) {
    if (text === null || text === undefined || text === '') return this;
    const a = Object.entries(attrs)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
      .join('');
    this.out.push(`${'  '.repeat(this.depth)}<${name}${a}>${esc(String(text))}</${name}>`);
    return this;
  }
  comment(text: string) {
    this.out.push(`${'  '.repeat(this.depth)}<!-- ${text.replace(/--/g, '- -')} -->`);
    return this;
  }
  toString() {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${this.out.join('\n')}\n`;
  }
}

/** libosinfo's expected file for an entity id (osinfo_loader_check_id). */
export function entityPath(type: string, id: string): string {
  const suffix = id.startsWith('http://') ? id.slice('http://'.length) : id.replace(/^[a-z]+:\/\//, '');
  let sep = false;
  let out = '';
  for (const ch of suffix) {
    if (ch === '/' && !sep) {
      sep = true;
      out += '/';
    } else if (/[A-Za-z0-9._-]/.test(ch)) out += ch;
    else out += '-';
  }
  return `${type}/${out}.xml`;
}

interface GuestRow {
  id: string;
  shortIds: string[] | null;
  name: string;
  vendor: string | null;
  family: string | null;
  distro: string | null;
  version: string | null;
  codename: string | null;
  releaseStatus: string;
  releaseDate: string | null;
  eolDate: string | null;
  derivesFromId: string | null;
  extraDerivesFromIds: string[];
  extraClonedFromIds: string[];
  clonedFromId: string | null;
  upgradesId: string | null;
  media: Record<string, unknown> | null;
  source: string;
  sourceVersion: string | null;
}

const KIND_TAG: Record<string, string> = {
  MINIMUM: 'minimum',
  RECOMMENDED: 'recommended',
  MAXIMUM: 'maximum',
  NETWORK_INSTALL: 'network-install',
};
const KIND_ORDER = ['MINIMUM', 'RECOMMENDED', 'MAXIMUM', 'NETWORK_INSTALL'];

/** The entries of DIR an export owns: --force replaces these and leaves anything else alone. */
export const EXPORT_ENTRIES = ['os', 'device', 'platform', 'deployment', 'virtcompat', 'VERSION'] as const;

/** A DIR that is not empty, without --force; thrown before anything is read or written. */
export class ExportDirError extends Error {
  override name = 'ExportDirError';
  readonly code = 'EXPORT_DIR_NOT_EMPTY';
}

/** Throws ExportDirError when dir has entries and force is not set. */
export async function checkExportDir(dir: string, force: boolean): Promise<void> {
  if (!existsSync(dir) || force) return;
  if ((await readdir(dir)).length > 0) {
    throw new ExportDirError(
      `${dir} is not empty; give an empty or new directory, or --force to replace its os/, device/, platform/, deployment/ and virtcompat/ trees`,
    );
  }
}

/**
 * Puts the tree written in `fresh` (a sibling of dir, same filesystem) in place of dir's export
 * entries by renames: a new or empty dir becomes the fresh tree in one rename; otherwise each old
 * entry is moved aside (to `old`, also a sibling) and the fresh one renamed in, and a failed rename
 * puts back what was moved. The old tree is deleted only once the new one is in place.
 */
async function swapIn(fresh: string, dir: string, old: string): Promise<void> {
  if (!existsSync(dir) || (await readdir(dir)).length === 0) {
    if (existsSync(dir)) await rmdir(dir);
    await rename(fresh, dir);
    return;
  }
  await mkdir(old);
  const moved: string[] = [];
  const placed: string[] = [];
  try {
    for (const name of EXPORT_ENTRIES) {
      if (existsSync(join(dir, name))) {
        await rename(join(dir, name), join(old, name));
        moved.push(name);
      }
      if (existsSync(join(fresh, name))) {
        await rename(join(fresh, name), join(dir, name));
        placed.push(name);
      }
    }
  } catch (err) {
    for (const name of placed) await rename(join(dir, name), join(fresh, name)).catch(() => {});
    for (const name of moved) await rename(join(old, name), join(dir, name)).catch(() => {});
    throw err;
  }
  await rm(old, { recursive: true, force: true });
  await rm(fresh, { recursive: true, force: true });
}

/**
 * Reads the catalogue in one read-only snapshot, writes the tree beside DIR and swaps it in (see
 * swapIn): a failure before the swap, reading or writing, leaves DIR as it was.
 */
export async function exportOsinfo(sql: Sql, dir: string, opts: { force?: boolean; progress?: Progress } = {}): Promise<ExportResult> {
  const progress = opts.progress ?? silentProgress;
  await checkExportDir(dir, !!opts.force);
  progress.phase('reading the catalogue');
  const notExported: Record<string, number> = {};
  const skip = (k: string, n = 1) => {
    if (n > 0) notExported[k] = (notExported[k] ?? 0) + n;
  };
  const files = new Map<string, string>();
  let catalogueRows: Record<string, number> = {};

  // One consistent snapshot of everything we read.
  await sql.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const guests = await tx.query<GuestRow>(
      `SELECT id, "shortIds", name, vendor, family, distro, version, codename, "releaseStatus"::text AS "releaseStatus",
              "releaseDate"::text AS "releaseDate", "eolDate"::text AS "eolDate", "derivesFromId", "clonedFromId", "upgradesId", "extraDerivesFromIds", "extraClonedFromIds",
              media, source, "sourceVersion"
         FROM "GuestOS" ORDER BY id`,
    );
    const resources = await tx.query<{
      guestId: string;
      arch: string;
      kind: string;
      cpus: number | null;
      cpuHz: string | null;
      ramBytes: string | null;
      storageBytes: string | null;
    }>(
      `SELECT "guestId", arch, kind::text AS kind, cpus, "cpuHz"::text AS "cpuHz", "ramBytes"::text AS "ramBytes", "storageBytes"::text AS "storageBytes"
         FROM "GuestOSResources" ORDER BY "guestId", arch, kind`,
    );
    const firmware = await tx.query<{ guestId: string; arch: string; type: string; supported: boolean; secureBoot: boolean | null }>(
      `SELECT "guestId", arch, type::text AS type, supported, "secureBoot" FROM "GuestOSFirmware" ORDER BY "guestId", arch, type`,
    );
    const links = await tx.query<{
      guestId: string;
      deviceId: string;
      supported: boolean;
      driverSource: string;
      driverName: string | null;
      minDriverVersion: string | null;
      notes: string | null;
      source: string;
    }>(
      `SELECT "guestId", "deviceId", supported, "driverSource"::text AS "driverSource", "driverName", "minDriverVersion", notes, source
         FROM "GuestOSDevice" ORDER BY "guestId", "deviceId"`,
    );
    const paravirt = await countOf(tx, `SELECT count(*)::int AS n FROM "GuestParavirtSupport"`);
    skip('guest paravirt support rows', Number(paravirt));

    const byGuest = <T extends { guestId: string }>(rows: T[]) => {
      const m = new Map<string, T[]>();
      for (const r of rows) (m.get(r.guestId) ?? m.set(r.guestId, []).get(r.guestId)!).push(r);
      return m;
    };
    const resBy = byGuest(resources);
    const fwBy = byGuest(firmware);
    const linkBy = byGuest(links);
    const usedDevices = new Set<string>();

    for (const g of guests) {
      const media = (g.media ?? {}) as Record<string, unknown>;
      const x = new Xml().open('libosinfo', { version: '0.0.1' });
      x.comment(`exported by virtcompat; source ${g.source}${g.sourceVersion ? ` ${g.sourceVersion}` : ''}`);
      x.open('os', { id: g.id });
      for (const s of g.shortIds ?? []) x.leaf('short-id', s);
      x.leaf('name', g.name);
      x.leaf('version', g.version);
      x.leaf('vendor', g.vendor);
      x.leaf('family', g.family);
      x.leaf('distro', g.distro);
      x.leaf('codename', g.codename);
      if (g.releaseStatus !== 'RELEASED') x.leaf('release-status', g.releaseStatus.toLowerCase());
      for (const u of [g.upgradesId, ...((media.extraUpgrades as string[]) ?? [])]) if (u) x.open('upgrades', { id: u }, true);
      for (const d of [g.derivesFromId, ...g.extraDerivesFromIds]) if (d) x.open('derives-from', { id: d }, true);
      for (const c of [g.clonedFromId, ...g.extraClonedFromIds]) if (c) x.open('clones', { id: c }, true);
      x.leaf('release-date', g.releaseDate);
      x.leaf('eol-date', g.eolDate);
      x.leaf('logo', media.logo as string | undefined);
      for (const v of (media.variants as { id: string; name?: string }[]) ?? []) {
        x.open('variant', { id: v.id });
        x.leaf('name', v.name);
        x.close('variant');
      }
      for (const m of (media.media as OsMedia[]) ?? []) writeMedia(x, m);
      for (const t of (media.trees as OsTree[]) ?? []) writeTree(x, t);
      for (const i of (media.images as OsImage[]) ?? []) writeImage(x, i);
      // resources: one element per architecture, inherit="true" kept
      const inherit = new Set((media.resourcesInherit as string[]) ?? []);
      const res = resBy.get(g.id) ?? [];
      const arches = [...new Set([...res.map((r) => r.arch), ...inherit])];
      for (const arch of arches) {
        const kinds = res.filter((r) => r.arch === arch).sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
        if (kinds.length === 0) {
          x.open('resources', { arch, inherit: 'true' }, true);
          continue;
        }
        x.open('resources', { arch, inherit: inherit.has(arch) ? 'true' : undefined });
        for (const r of kinds) {
          const tag = must(KIND_TAG[r.kind], `an osinfo element for resource kind ${r.kind}`);
          x.open(tag);
          x.leaf('n-cpus', r.cpus);
          x.leaf('cpu', r.cpuHz);
          x.leaf('ram', r.ramBytes);
          x.leaf('storage', r.storageBytes);
          x.close(tag);
        }
        x.close('resources');
      }
      for (const f of fwBy.get(g.id) ?? []) {
        x.open('firmware', { arch: f.arch, type: f.type === 'UEFI' ? 'efi' : 'bios', supported: f.supported ? undefined : 'false' }, true);
        if (f.secureBoot !== null) skip('firmware Secure Boot flags');
      }
      const glinks = linkBy.get(g.id) ?? [];
      const inbox = glinks.filter((l) => l.driverSource === 'INBOX' || !l.supported);
      if (inbox.length) {
        x.open('devices');
        for (const l of inbox) {
          x.open('device', { id: l.deviceId, supported: l.supported ? undefined : 'false' }, true);
          usedDevices.add(l.deviceId);
        }
        x.close('devices');
      }
      const drivers = (media.drivers as OsDriver[]) ?? [];
      for (const d of drivers) {
        writeDriver(x, d);
        for (const dev of d.devices) usedDevices.add(dev);
      }
      const covered = new Set(drivers.flatMap((d) => d.devices));
      const extraAddon = glinks.filter((l) => l.driverSource === 'ADDON' && l.supported && !covered.has(l.deviceId));
      if (extraAddon.length) {
        // Add-on drivers the database knows without osinfo's file list: one <driver> holding their devices.
        x.open('driver', { 'pre-installable': 'false' });
        for (const l of extraAddon) {
          x.open('device', { id: l.deviceId }, true);
          usedDevices.add(l.deviceId);
        }
        x.close('driver');
      }
      for (const l of glinks) {
        if (l.notes && l.source !== 'osinfo-db') skip('device support notes');
        if (l.driverName) skip('driver names');
        if (l.minDriverVersion) skip('minimum driver versions');
      }
      // Install scripts are not imported (templates, not catalogue facts), so references to them
      // would dangle: counted instead of written.
      skip('install script references (scripts are not imported)', ((media.installScripts as string[]) ?? []).length);
      for (const m of (media.media as OsMedia[]) ?? [])
        skip('install script references (scripts are not imported)', m.installScripts?.length ?? 0);
      x.leaf('cloud-image-username', media.cloudImageUsername as string | undefined);
      x.leaf('kernel-url-argument', media.kernelUrlArgument as string | undefined);
      for (const [k, vs] of Object.entries((media.custom as Record<string, string[]>) ?? {})) for (const v of vs) x.leaf(k, v);
      x.close('os').close('libosinfo');
      files.set(entityPath('os', g.id), x.toString());
    }

    // platforms
    const releases = await tx.query<{
      id: string;
      version: string;
      name: string;
      releaseDate: string | null;
      eolDate: string | null;
      notes: string | null;
      source: string;
      hkey: string;
      hvendor: string | null;
    }>(
      `SELECT r.id, r.version, r.name, r."releaseDate"::text AS "releaseDate", r."eolDate"::text AS "eolDate", r.notes, r.source,
              h.key AS hkey, h.vendor AS hvendor
         FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId" ORDER BY r.id`,
    );
    const relDevices = await tx.query<{ releaseId: string; deviceId: string; supported: boolean }>(
      `SELECT "releaseId", "deviceId", supported FROM "HypervisorReleaseDevice" ORDER BY "releaseId", "deviceId"`,
    );
    const hostFeatures = await countOf(
      tx,
      `SELECT (SELECT count(*) FROM "HypervisorReleaseHostFeature") + (SELECT count(*) FROM "HypervisorReleaseParavirt") AS n`,
    );
    skip('hypervisor paravirt and host feature rows', Number(hostFeatures));
    for (const r of releases) {
      const meta = parsePlatformNotes(r.notes);
      const shortId = meta.shortIds[0] ?? `${r.hkey}-${r.version}`;
      const version = r.version === shortId ? (r.id.split('/').pop() ?? r.version) : r.version;
      const x = new Xml().open('libosinfo', { version: '0.0.1' });
      x.comment(`exported by virtcompat; source ${r.source}`);
      x.open('platform', { id: r.id });
      for (const s of meta.shortIds.length ? meta.shortIds : [shortId]) x.leaf('short-id', s);
      x.leaf('name', r.name);
      x.leaf('vendor', meta.vendor ?? r.hvendor);
      x.leaf('version', version);
      x.leaf('release-date', r.releaseDate);
      x.leaf('eol-date', r.eolDate);
      for (const u of meta.upgrades) x.open('upgrades', { id: u }, true);
      for (const d of meta.derivesFrom) x.open('derives-from', { id: d }, true);
      const devs = relDevices.filter((d) => d.releaseId === r.id);
      if (devs.length) {
        x.open('devices');
        for (const d of devs) {
          x.open('device', { id: d.deviceId, supported: d.supported ? undefined : 'false' }, true);
          usedDevices.add(d.deviceId);
        }
        x.close('devices');
      }
      x.close('platform').close('libosinfo');
      files.set(entityPath('platform', r.id), x.toString());
    }

    // deployments: current (not superseded), accepted, positive records
    const records = await tx.query<{
      id: string;
      guestId: string;
      hypervisorReleaseId: string;
      status: string;
      testedDevices: string[] | null;
      submitterVendorId: string | null;
    }>(
      `SELECT c.id, c."guestId", c."hypervisorReleaseId", c.status::text AS status, c."testedDevices", c."submitterVendorId"
         FROM "CompatibilityRecord" c
        WHERE c."reviewState" = 'ACCEPTED' AND c.status IN ('CERTIFIED', 'SUPPORTED', 'WORKS')
          AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" n WHERE n."supersedesId" = c.id)
        ORDER BY c.id`,
    );
    const otherRecords = await countOf(tx, `SELECT count(*)::int AS n FROM "CompatibilityRecord"`);
    skip('compatibility records without a positive accepted current status', Number(otherRecords) - records.length);
    const knownDevices = new Set((await tx.query<{ id: string }>(`SELECT id FROM "Device"`)).map((d) => d.id));
    for (const c of records) {
      const id = `http://virtcompat.org/compatibility/${c.id}`;
      const x = new Xml().open('libosinfo', { version: '0.0.1' });
      x.comment(
        `exported by virtcompat: compatibility record ${c.id}, ${c.status.toLowerCase()}${c.submitterVendorId ? `, submitted by ${c.submitterVendorId}` : ''}`,
      );
      x.open('deployment', { id });
      x.open('os', { id: c.guestId }, true);
      x.open('platform', { id: c.hypervisorReleaseId }, true);
      const tested = (c.testedDevices ?? []).filter((d) => knownDevices.has(d));
      if (tested.length) {
        x.open('devices');
        for (const d of tested) {
          x.open('device', { id: d }, true);
          usedDevices.add(d);
        }
        x.close('devices');
      }
      x.close('deployment').close('libosinfo');
      files.set(entityPath('deployment', id), x.toString());
    }

    // devices: those used above, and every device that did not come from pci.ids alone
    const devices = await tx.query<{
      id: string;
      name: string;
      vendorName: string | null;
      bus: string;
      vendorId: string | null;
      productId: string | null;
      class: DeviceClass;
      rawClass: string | null;
      description: string | null;
      source: string;
    }>(
      `SELECT id, name, "vendorName", bus, "vendorId", "productId", class::text AS class, "rawClass", description, source
         FROM "Device" WHERE source <> 'pci.ids' OR id = ANY($1::text[]) ORDER BY id`,
      [[...usedDevices]],
    );
    for (const d of devices) {
      const x = new Xml().open('libosinfo', { version: '0.0.1' });
      x.comment(`exported by virtcompat; source ${d.source}`);
      x.open('device', { id: d.id });
      x.leaf('name', d.name);
      x.leaf('class', d.rawClass && /^[a-z.]+$/.test(d.rawClass) && d.source === 'osinfo-db' ? d.rawClass : CLASS_TO_OSINFO[d.class]);
      x.leaf('bus-type', d.bus);
      x.leaf('vendor', d.vendorName);
      x.leaf('vendor-id', d.vendorId);
      x.leaf('product', d.description);
      x.leaf('product-id', d.productId);
      x.close('device').close('libosinfo');
      files.set(entityPath('device', d.id), x.toString());
    }
    const version = await catalogueVersion(tx);
    files.set('VERSION', version.label);
    // Everything, sources included, in virtcompat's namespace: what the elements above cannot hold
    // comes back on import (catalogue-xml.ts), so nothing above is lost for virtcompat.
    const catalogue = await catalogueXml(tx, files);
    files.set(CATALOGUE_FILE, catalogue.text);
    catalogueRows = catalogue.rows;
  });

  // Beside DIR, so the final renames stay on one filesystem; hidden, so nothing mistakes it for a tree.
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const fresh = await mkdtemp(join(parent, `.${basename(dir)}.export-new-`));
  const old = `${fresh.replace(/export-new-/, 'export-old-')}`;
  try {
    progress.phase('writing', files.size);
    let done = 0;
    for (const [rel, text] of files) {
      const p = join(fresh, rel);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, text);
      progress.tick(++done, files.size);
    }
    progress.step(`replacing the tree in ${dir}`);
    await swapIn(fresh, dir, old);
  } catch (err) {
    await rm(fresh, { recursive: true, force: true });
    progress.end();
    throw err;
  }
  progress.end();
  const count = (prefix: string) => [...files.keys()].filter((k) => k.startsWith(prefix)).length;
  return {
    dir,
    files: files.size,
    oses: count('os/'),
    devices: count('device/'),
    platforms: count('platform/'),
    deployments: count('deployment/'),
    notExported,
    catalogueRows,
  };
}

function writeMedia(x: Xml, m: OsMedia) {
  x.open('media', {
    arch: m.arch,
    live: m.live === undefined ? undefined : String(m.live),
    installer: m.installer === undefined ? undefined : String(m.installer),
    'installer-reboots': m.installerReboots,
    'installer-script': m.installerScript === undefined ? undefined : String(m.installerScript),
  });
  for (const v of m.variants ?? []) x.open('variant', { id: v }, true);
  x.leaf('url', m.url);
  if (m.iso) {
    x.open('iso');
    for (const [k, v] of Object.entries(m.iso)) {
      if (k === 'l10n-language') for (const l of v as string[]) x.leaf('l10n-language', l);
      else if (k === 'l10n-language-regex')
        x.leaf('l10n-language', v as string, { regex: 'true', 'l10n-language-map': m.iso['l10n-language-map'] as string | undefined });
      else if (k !== 'l10n-language-map') x.leaf(k, v as string);
    }
    x.close('iso');
  }
  x.leaf('kernel', m.kernel);
  x.leaf('initrd', m.initrd);
  x.close('media');
}

function writeTree(x: Xml, t: OsTree) {
  x.open('tree', { arch: t.arch });
  for (const v of t.variants ?? []) x.open('variant', { id: v }, true);
  x.leaf('url', t.url);
  if (t.treeinfo) {
    x.open('treeinfo');
    for (const [k, v] of Object.entries(t.treeinfo)) x.leaf(k, v);
    x.close('treeinfo');
  }
  x.leaf('kernel', t.kernel);
  x.leaf('initrd', t.initrd);
  x.leaf('boot-iso', t.bootIso);
  x.close('tree');
}

function writeImage(x: Xml, i: OsImage) {
  x.open('image', { arch: i.arch, format: i.format, 'cloud-init': i.cloudInit === undefined ? undefined : String(i.cloudInit) });
  for (const v of i.variants ?? []) x.open('variant', { id: v }, true);
  x.leaf('url', i.url);
  x.close('image');
}

function writeDriver(x: Xml, d: OsDriver) {
  x.open('driver', {
    arch: d.arch,
    location: d.location,
    'pre-installable': d.preInstallable === undefined ? undefined : String(d.preInstallable),
    signed: d.signed === undefined ? undefined : String(d.signed),
  });
  for (const f of d.files) x.leaf('file', f);
  for (const dev of d.devices) x.open('device', { id: dev }, true);
  x.close('driver');
}

/** The one number a `SELECT count(*)::int AS n` answers. */
async function countOf(tx: Sql, sql: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(sql);
  return must(row, `a row from ${sql}`).n;
}
