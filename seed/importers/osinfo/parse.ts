// Reads an osinfo-db tree (the Debian package's /usr/share/osinfo, a built osinfo-db or an
// extracted release tarball) into plain data, with libosinfo's loader semantics:
// - every *.xml below the root is read; its <libosinfo> document says what the entities are;
// - `<entity>.d/*.xml` files extend the entity of `<entity>.xml` and are applied after it, in name order;
// - a single-valued property given again replaces the earlier value; lists (short ids, relations,
//   device links, media ...) accumulate;
// - a device listed both supported and `supported="false"` is unsupported (libosinfo removes a
//   device that any link in the OS's ancestry marks unsupported).
// A malformed file is reported (path and reason) and none of its content is used.
import { readdir, readFile, stat } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseXml, childText, childrenNamed, XmlError, type XmlElement } from './xml.ts';
import { at, must } from '../../../src/util/must.ts';

export interface Problem {
  path: string;
  reason: string;
  /** error: the file (or entity) was skipped; warning: a value was not usable and left out. */
  severity: 'error' | 'warning';
}

export interface OsResources {
  cpus?: number;
  cpuHz?: string;
  ramBytes?: string;
  storageBytes?: string;
}

export interface OsMedia {
  arch: string;
  variants?: string[];
  url?: string;
  kernel?: string;
  initrd?: string;
  live?: boolean;
  installer?: boolean;
  installerReboots?: number;
  installerScript?: boolean;
  iso?: Record<string, string | string[]>;
  installScripts?: string[];
}

export interface OsTree {
  arch: string;
  variants?: string[];
  url?: string;
  kernel?: string;
  initrd?: string;
  bootIso?: string;
  treeinfo?: Record<string, string>;
}

export interface OsImage {
  arch: string;
  format?: string;
  cloudInit?: boolean;
  url?: string;
  variants?: string[];
}

export interface OsDriver {
  arch: string;
  location?: string;
  preInstallable?: boolean;
  signed?: boolean;
  files: string[];
  devices: string[];
}

export interface OsinfoOs {
  id: string;
  files: string[];
  shortIds: string[];
  name?: string;
  vendor?: string;
  version?: string;
  family?: string;
  distro?: string;
  codename?: string;
  releaseStatus?: string;
  releaseDate?: string;
  eolDate?: string;
  logo?: string;
  derivesFrom: string[];
  clones: string[];
  upgrades: string[];
  /** arch -> kind (minimum, recommended, maximum, network-install) -> values */
  resources: Map<string, Map<string, OsResources>>;
  resourcesInherit: string[];
  /** `${arch}|${type}` -> supported */
  firmware: Map<string, { arch: string; type: string; supported: boolean }>;
  /** device id -> supported (false wins) */
  devices: Map<string, boolean>;
  variants: { id: string; name?: string }[];
  media: OsMedia[];
  trees: OsTree[];
  images: OsImage[];
  installScripts: string[];
  drivers: OsDriver[];
  cloudImageUsername?: string;
  kernelUrlArgument?: string;
  custom: Record<string, string[]>;
}

export interface OsinfoDevice {
  id: string;
  files: string[];
  name?: string;
  vendor?: string;
  vendorId?: string;
  product?: string;
  productId?: string;
  subsystem?: string;
  busType?: string;
  class?: string;
}

export interface OsinfoPlatform {
  id: string;
  files: string[];
  shortIds: string[];
  name?: string;
  vendor?: string;
  version?: string;
  releaseDate?: string;
  eolDate?: string;
  derivesFrom: string[];
  upgrades: string[];
  devices: Map<string, boolean>;
}

export interface OsinfoData {
  root: string;
  version: string | null;
  files: number;
  filesSkipped: number;
  oses: Map<string, OsinfoOs>;
  devices: Map<string, OsinfoDevice>;
  platforms: Map<string, OsinfoPlatform>;
  /** Entities libosinfo knows that virtcompat does not store (install scripts, datamaps, deployments). */
  notImported: Record<string, number>;
  /** Elements read but not understood, `os/<name>` -> count. */
  unknownElements: Record<string, number>;
  problems: Problem[];
}

export interface ParseProgress {
  (done: number, total: number, entities: number): void;
}

/** Finds the data root: the directory itself, or the single sub-directory of an extracted tarball. */
export async function findRoot(path: string): Promise<string> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new Error(`${path}: no such file or directory`);
  if (!st.isDirectory()) throw new Error(`${path}: not a directory (give the osinfo-db data directory or an extracted release tarball)`);
  const looksLikeRoot = (p: string) => ['os', 'device', 'platform'].some((d) => existsSync(join(p, d)));
  if (looksLikeRoot(path)) return path;
  if (existsSync(join(path, 'data', 'os'))) {
    throw new Error(`${path}: looks like an osinfo-db source checkout (data/*.xml.in); build it first or give the built data directory`);
  }
  const subdirs = (await readdir(path, { withFileTypes: true })).filter((d) => d.isDirectory());
  const [only] = subdirs;
  if (subdirs.length === 1 && only && looksLikeRoot(join(path, only.name))) return join(path, only.name);
  throw new Error(`${path}: no osinfo data here (expected os/, device/ or platform/ directories)`);
}

export function readVersion(root: string): string | null {
  const p = join(root, 'VERSION');
  if (!existsSync(p)) return null;
  const v = readFileSync(p, 'utf8').trim();
  return v || null;
}

/** Every *.xml file below root, masters before their `.d/` extensions, in a stable order. */
export async function listXmlFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string) {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      // virtcompat/ beside an exported tree holds virtcompat's own catalogue (catalogue-xml.ts), not osinfo data.
      if (d.isDirectory() && !(dir === root && d.name === 'virtcompat')) await walk(p);
      else if (d.isFile() && d.name.endsWith('.xml')) out.push(relative(root, p).split(sep).join('/'));
    }
  }
  await walk(root);
  const sortKey = (rel: string) => {
    const parts = rel.split('/');
    const dir = parts.slice(0, -1);
    const last = dir.at(-1) ?? '';
    if (last.endsWith('.d')) {
      // a/b.d/c.xml sorts right after a/b.xml
      return [...dir.slice(0, -1), `${last.slice(0, -2)}.xml`].join('/') + '\u0001' + at(parts, -1);
    }
    return rel;
  };
  return out.sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

const addUnique = (list: string[], v: string | undefined) => {
  if (v && !list.includes(v)) list.push(v);
};

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return v === 'true';
}

function newOs(id: string): OsinfoOs {
  return {
    id,
    files: [],
    shortIds: [],
    derivesFrom: [],
    clones: [],
    upgrades: [],
    resources: new Map(),
    resourcesInherit: [],
    firmware: new Map(),
    devices: new Map(),
    variants: [],
    media: [],
    trees: [],
    images: [],
    installScripts: [],
    drivers: [],
    custom: {},
  };
}

const OS_SCALARS: Record<string, keyof OsinfoOs> = {
  name: 'name',
  vendor: 'vendor',
  version: 'version',
  family: 'family',
  distro: 'distro',
  codename: 'codename',
  'release-status': 'releaseStatus',
  'release-date': 'releaseDate',
  'eol-date': 'eolDate',
  logo: 'logo',
  'cloud-image-username': 'cloudImageUsername',
  'kernel-url-argument': 'kernelUrlArgument',
};

const PLATFORM_SCALARS: Record<string, 'name' | 'vendor' | 'version' | 'releaseDate' | 'eolDate'> = {
  name: 'name',
  vendor: 'vendor',
  version: 'version',
  'release-date': 'releaseDate',
  'eol-date': 'eolDate',
};

const RESOURCE_FIELDS: Record<string, keyof OsResources> = {
  'n-cpus': 'cpus',
  cpu: 'cpuHz',
  ram: 'ramBytes',
  storage: 'storageBytes',
};

const RESOURCE_KINDS = new Set(['minimum', 'recommended', 'maximum', 'network-install']);

class Reader {
  readonly data: OsinfoData;
  constructor(root: string) {
    this.data = {
      root,
      version: readVersion(root),
      files: 0,
      filesSkipped: 0,
      oses: new Map(),
      devices: new Map(),
      platforms: new Map(),
      notImported: {},
      unknownElements: {},
      problems: [],
    };
  }

  private unknown(where: string, el: XmlElement) {
    const k = `${where}/${el.name}`;
    this.data.unknownElements[k] = (this.data.unknownElements[k] ?? 0) + 1;
  }

  private warn(path: string, reason: string) {
    this.data.problems.push({ path, reason, severity: 'warning' });
  }

  /** Checks the whole document before any of it is applied, so a bad file changes nothing. */
  private validate(doc: XmlElement): string | null {
    if (doc.name !== 'libosinfo') return `document element is <${doc.name}>, expected <libosinfo>`;
    for (const el of doc.children) {
      if (['os', 'device', 'platform', 'deployment', 'datamap', 'install-script'].includes(el.name) && !el.attrs.id) {
        return `<${el.name}> without an id (line ${el.line})`;
      }
      if (el.name === 'os' || el.name === 'platform') {
        for (const rel of el.children) {
          if (['derives-from', 'clones', 'upgrades'].includes(rel.name) && !rel.attrs.id)
            return `<${rel.name}> without an id in ${el.attrs.id} (line ${rel.line})`;
        }
        for (const devs of childrenNamed(el, 'devices')) {
          for (const d of childrenNamed(devs, 'device'))
            if (!d.attrs.id) return `<device> link without an id in ${el.attrs.id} (line ${d.line})`;
        }
      }
    }
    return null;
  }

  apply(doc: XmlElement, path: string): number {
    const problem = this.validate(doc);
    if (problem) {
      this.data.problems.push({ path, reason: problem, severity: 'error' });
      this.data.filesSkipped++;
      return 0;
    }
    let n = 0;
    for (const el of doc.children) {
      switch (el.name) {
        case 'os':
          this.os(el, path);
          n++;
          break;
        case 'device':
          this.device(el, path);
          n++;
          break;
        case 'platform':
          this.platform(el, path);
          n++;
          break;
        case 'install-script':
        case 'datamap':
        case 'deployment':
          this.data.notImported[el.name] = (this.data.notImported[el.name] ?? 0) + 1;
          break;
        default:
          this.unknown('libosinfo', el);
      }
    }
    return n;
  }

  private os(el: XmlElement, path: string) {
    const id = idOf(el);
    let os = this.data.oses.get(id);
    if (!os) {
      os = newOs(id);
      this.data.oses.set(id, os);
    }
    addUnique(os.files, path);
    for (const c of el.children) {
      const scalar = OS_SCALARS[c.name];
      if (scalar) {
        const v = c.text.trim();
        if (v) (os as unknown as Record<string, unknown>)[scalar] = v;
        continue;
      }
      switch (c.name) {
        case 'short-id':
          addUnique(os.shortIds, c.text.trim());
          break;
        case 'derives-from':
          addUnique(os.derivesFrom, idOf(c));
          break;
        case 'clones':
          addUnique(os.clones, idOf(c));
          break;
        case 'upgrades':
          addUnique(os.upgrades, idOf(c));
          break;
        case 'devices':
          for (const d of c.children) {
            if (d.name !== 'device') {
              this.unknown('os/devices', d);
              continue;
            }
            const supported = d.attrs.supported !== 'false';
            const devId = idOf(d);
            os.devices.set(devId, (os.devices.get(devId) ?? true) && supported);
          }
          break;
        case 'resources':
          this.resources(os, c, path);
          break;
        case 'firmware': {
          const arch = c.attrs.arch;
          const type = c.attrs.type;
          if (!arch || !type) {
            this.warn(path, `${id}: <firmware> without arch or type (line ${c.line}) left out`);
            break;
          }
          const key = `${arch}|${type}`;
          const supported = c.attrs.supported !== 'false';
          const prev = os.firmware.get(key);
          os.firmware.set(key, { arch, type, supported: (prev?.supported ?? true) && supported });
          break;
        }
        case 'variant':
          if (!c.attrs.id) {
            this.warn(path, `${id}: <variant> without an id (line ${c.line}) left out`);
            break;
          }
          os.variants.push({ id: c.attrs.id, ...(childText(c, 'name') ? { name: childText(c, 'name') } : {}) });
          break;
        case 'media':
          os.media.push(this.media(c));
          break;
        case 'tree':
          os.trees.push(this.tree(c));
          break;
        case 'image':
          os.images.push(this.image(c));
          break;
        case 'installer':
          for (const s of childrenNamed(c, 'script')) {
            if (s.attrs.id) addUnique(os.installScripts, s.attrs.id);
            else this.warn(path, `${id}: <script> without an id (line ${s.line}) left out`);
          }
          break;
        case 'driver':
          os.drivers.push(this.driver(c));
          break;
        default:
          if (c.name.startsWith('x-')) os.custom[c.name] = [...(os.custom[c.name] ?? []), c.text.trim()];
          else this.unknown('os', c);
      }
    }
  }

  private resources(os: OsinfoOs, el: XmlElement, path: string) {
    const arch = el.attrs.arch ?? 'all';
    if (el.attrs.inherit === 'true') addUnique(os.resourcesInherit, arch);
    let perArch = os.resources.get(arch);
    for (const k of el.children) {
      if (!RESOURCE_KINDS.has(k.name)) {
        this.unknown('os/resources', k);
        continue;
      }
      perArch ??= new Map();
      os.resources.set(arch, perArch);
      const r: OsResources = { ...(perArch.get(k.name) ?? {}) };
      for (const f of k.children) {
        const field = RESOURCE_FIELDS[f.name];
        const v = f.text.trim();
        if (!field) {
          this.unknown(`os/resources/${k.name}`, f);
          continue;
        }
        if (!/^\d+$/.test(v)) {
          this.warn(path, `${os.id}: resources ${arch} ${k.name} ${f.name} is not a whole number (${JSON.stringify(v)}), left out`);
          continue;
        }
        if (field === 'cpus') {
          const n = Number(v);
          if (n > 2_147_483_647) {
            this.warn(path, `${os.id}: resources ${arch} ${k.name} n-cpus ${v} is out of range, left out`);
            continue;
          }
          r.cpus = n;
        } else (r as Record<string, unknown>)[field] = v;
      }
      perArch.set(k.name, r);
    }
  }

  private media(el: XmlElement): OsMedia {
    const m: OsMedia = { arch: el.attrs.arch ?? 'all' };
    const variants = childrenNamed(el, 'variant').flatMap((v) => v.attrs.id || []);
    if (variants.length) m.variants = variants;
    for (const k of ['url', 'kernel', 'initrd'] as const) {
      const v = childText(el, k);
      if (v) m[k] = v;
    }
    if (el.attrs.live !== undefined) m.live = bool(el.attrs.live);
    if (el.attrs.installer !== undefined) m.installer = bool(el.attrs.installer);
    if (el.attrs['installer-reboots'] !== undefined) m.installerReboots = Number(el.attrs['installer-reboots']);
    if (el.attrs['installer-script'] !== undefined) m.installerScript = bool(el.attrs['installer-script']);
    const iso = childrenNamed(el, 'iso')[0];
    if (iso) {
      const out: Record<string, string | string[]> = {};
      for (const f of iso.children) {
        const v = f.text.trim();
        if (f.name === 'l10n-language') {
          if (f.attrs.regex === 'true') {
            out['l10n-language-regex'] = v;
            if (f.attrs['l10n-language-map']) out['l10n-language-map'] = f.attrs['l10n-language-map'];
          } else {
            out['l10n-language'] = [...((out['l10n-language'] as string[] | undefined) ?? []), v];
          }
        } else if (['volume-id', 'system-id', 'publisher-id', 'application-id', 'volume-size'].includes(f.name)) {
          out[f.name] = v;
        } else this.unknown('os/media/iso', f);
      }
      m.iso = out;
    }
    const installer = childrenNamed(el, 'installer')[0];
    if (installer) m.installScripts = childrenNamed(installer, 'script').flatMap((s) => s.attrs.id || []);
    for (const c of el.children) {
      if (!['variant', 'url', 'kernel', 'initrd', 'iso', 'installer'].includes(c.name)) this.unknown('os/media', c);
    }
    return m;
  }

  private tree(el: XmlElement): OsTree {
    const t: OsTree = { arch: el.attrs.arch ?? 'all' };
    const variants = childrenNamed(el, 'variant').flatMap((v) => v.attrs.id || []);
    if (variants.length) t.variants = variants;
    for (const [xml, key] of [
      ['url', 'url'],
      ['kernel', 'kernel'],
      ['initrd', 'initrd'],
      ['boot-iso', 'bootIso'],
    ] as const) {
      const v = childText(el, xml);
      if (v) t[key] = v;
    }
    const ti = childrenNamed(el, 'treeinfo')[0];
    if (ti) {
      t.treeinfo = {};
      for (const f of ti.children) {
        if (['family', 'variant', 'version', 'arch'].includes(f.name)) t.treeinfo[f.name] = f.text.trim();
        else this.unknown('os/tree/treeinfo', f);
      }
    }
    for (const c of el.children) {
      if (!['variant', 'url', 'kernel', 'initrd', 'boot-iso', 'treeinfo'].includes(c.name)) this.unknown('os/tree', c);
    }
    return t;
  }

  private image(el: XmlElement): OsImage {
    const i: OsImage = { arch: el.attrs.arch ?? 'all' };
    if (el.attrs.format) i.format = el.attrs.format;
    if (el.attrs['cloud-init'] !== undefined) i.cloudInit = bool(el.attrs['cloud-init']);
    const url = childText(el, 'url');
    if (url) i.url = url;
    const variants = childrenNamed(el, 'variant').flatMap((v) => v.attrs.id || []);
    if (variants.length) i.variants = variants;
    for (const c of el.children) if (!['variant', 'url'].includes(c.name)) this.unknown('os/image', c);
    return i;
  }

  private driver(el: XmlElement): OsDriver {
    const d: OsDriver = { arch: el.attrs.arch ?? 'all', files: [], devices: [] };
    if (el.attrs.location) d.location = el.attrs.location;
    if (el.attrs['pre-installable'] !== undefined) d.preInstallable = bool(el.attrs['pre-installable']);
    if (el.attrs.signed !== undefined) d.signed = bool(el.attrs.signed);
    for (const c of el.children) {
      if (c.name === 'file') d.files.push(c.text.trim());
      else if (c.name === 'device' && c.attrs.id) addUnique(d.devices, c.attrs.id);
      else this.unknown('os/driver', c);
    }
    return d;
  }

  private device(el: XmlElement, path: string) {
    const id = idOf(el);
    let dev = this.data.devices.get(id);
    if (!dev) {
      dev = { id, files: [] };
      this.data.devices.set(id, dev);
    }
    addUnique(dev.files, path);
    const fields: Record<string, keyof OsinfoDevice> = {
      name: 'name',
      vendor: 'vendor',
      'vendor-id': 'vendorId',
      product: 'product',
      'product-id': 'productId',
      subsystem: 'subsystem',
      'bus-type': 'busType',
      class: 'class',
    };
    for (const c of el.children) {
      const f = fields[c.name];
      if (!f) {
        this.unknown('device', c);
        continue;
      }
      const v = c.text.trim();
      if (v) (dev as unknown as Record<string, unknown>)[f] = v;
    }
  }

  private platform(el: XmlElement, path: string) {
    const id = idOf(el);
    let p = this.data.platforms.get(id);
    if (!p) {
      p = { id, files: [], shortIds: [], derivesFrom: [], upgrades: [], devices: new Map() };
      this.data.platforms.set(id, p);
    }
    addUnique(p.files, path);
    for (const c of el.children) {
      const v = c.text.trim();
      const scalar = PLATFORM_SCALARS[c.name];
      if (scalar) {
        if (v) p[scalar] = v;
        continue;
      }
      switch (c.name) {
        case 'short-id':
          addUnique(p.shortIds, v);
          break;
        case 'derives-from':
          addUnique(p.derivesFrom, idOf(c));
          break;
        case 'upgrades':
          addUnique(p.upgrades, idOf(c));
          break;
        case 'devices':
          for (const d of childrenNamed(c, 'device')) {
            const supported = d.attrs.supported !== 'false';
            const devId = idOf(d);
            p.devices.set(devId, (p.devices.get(devId) ?? true) && supported);
          }
          break;
        default:
          this.unknown('platform', c);
      }
    }
  }
}

/**
 * Reads the tree at `path`. Files are read concurrently and parsed as they arrive; entities are
 * applied in file order so extension files land after their master.
 */
export async function readOsinfo(path: string, onProgress?: ParseProgress): Promise<OsinfoData> {
  const root = await findRoot(path);
  const files = await listXmlFiles(root);
  const reader = new Reader(root);
  reader.data.files = files.length;
  let entities = 0;
  const BATCH = 64;
  for (let i = 0; i < files.length; i += BATCH) {
    const slice = files.slice(i, i + BATCH);
    const texts = await Promise.all(
      slice.map((f) =>
        readFile(join(root, f), 'utf8').then(
          (t) => t,
          (e: Error) => e,
        ),
      ),
    );
    for (const [j, rel] of slice.entries()) {
      const t = at(texts, j);
      if (t instanceof Error) {
        reader.data.problems.push({ path: rel, reason: `cannot read: ${t.message}`, severity: 'error' });
        reader.data.filesSkipped++;
        continue;
      }
      let doc: XmlElement;
      try {
        doc = parseXml(t, rel);
      } catch (err) {
        const msg = err instanceof XmlError ? err.message : String(err);
        reader.data.problems.push({
          path: rel,
          reason: `malformed XML: ${msg.startsWith(rel) ? msg.slice(rel.length + 1) : msg}`,
          severity: 'error',
        });
        reader.data.filesSkipped++;
        continue;
      }
      entities += reader.apply(doc, rel);
    }
    onProgress?.(Math.min(i + BATCH, files.length), files.length, entities);
  }
  checkReferences(reader.data);
  return reader.data;
}

/**
 * References to entities the data does not define. libosinfo invents empty entities for them;
 * virtcompat cannot (foreign keys), so the reference is dropped and reported.
 */
function checkReferences(data: OsinfoData) {
  for (const os of data.oses.values()) {
    for (const list of [os.derivesFrom, os.clones, os.upgrades]) {
      for (const target of [...list].reverse()) {
        if (!data.oses.has(target)) {
          data.problems.push({
            path: at(os.files, 0),
            reason: `${os.id}: refers to undefined OS ${target}; relation left out`,
            severity: 'warning',
          });
          list.splice(list.indexOf(target), 1);
        }
      }
    }
  }
  for (const p of data.platforms.values()) {
    for (const list of [p.derivesFrom, p.upgrades]) {
      for (const target of [...list].reverse()) {
        if (!data.platforms.has(target)) {
          data.problems.push({
            path: at(p.files, 0),
            reason: `${p.id}: refers to undefined platform ${target}; relation left out`,
            severity: 'warning',
          });
          list.splice(list.indexOf(target), 1);
        }
      }
    }
  }
}

/** The id of an element validate() has checked carries one (os, device, platform and their links). */
function idOf(el: XmlElement): string {
  return must(el.attrs.id, `the id of <${el.name}> at line ${el.line}, which validate() checked`);
}
