// Xen xl.cfg (xl.cfg(5)) → InspectedVm. PURE.
//
// Grammar, from Xen's own parser (tools/libs/util/libxlu_cfg_l.l and libxlu_cfg_y.y): statements
// `IDENT = value` or `IDENT += value`, ended by a newline or `;`; IDENT is [a-z][._0-9a-z]*; a value is a
// 'single' or "double" quoted string (backslash escapes), a number ([0-9][0-9a-fx]*), or a list [ v, v, ]
// that may span lines and end with a comma; `#` starts a comment to the end of the line.
// Disk specs follow xl-disk-configuration(5): positional target, format, vdev, access, and key=value
// parameters in any order; `target=` takes the rest of the spec. Network specs: xl-network-configuration(5).
import type { DiskBus, InspectedDisk, InspectedNic, InspectedVm } from './types.ts';
import { inspectedVm } from './vm.ts';
import { malformed } from './errors.ts';

export type XlValue = string | XlValue[];
export interface XlSetting {
  key: string;
  value: XlValue;
  line: number;
}

/** The settings in file order; a repeated key's later value wins (`+=` appends to a list). */
export function parseXl(text: string): Map<string, XlSetting> {
  const out = new Map<string, XlSetting>();
  let pos = 0;
  let line = 1;
  const peek = () => text[pos];
  const fail = (msg: string): never => {
    throw malformed('xl', line, msg);
  };
  const skipBlank = (newlines: boolean) => {
    for (;;) {
      const c = peek();
      if (c === ' ' || c === '\t' || c === '\r') pos++;
      else if (c === '#') while (pos < text.length && peek() !== '\n') pos++;
      else if (newlines && c === '\n') {
        pos++;
        line++;
      } else return;
    }
  };
  const readString = (): string => {
    const quote = peek();
    pos++;
    let s = '';
    for (;;) {
      const c = peek();
      if (c === undefined || c === '\n') fail(`unterminated string (opened with ${quote})`);
      pos++;
      if (c === quote) return s;
      if (c === '\\') {
        const e = peek();
        pos++;
        s += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
      } else s += c;
    }
  };
  const readValue = (): XlValue => {
    skipBlank(false);
    const c = peek();
    if (c === '"' || c === "'") return readString();
    if (c !== undefined && /[0-9]/.test(c)) {
      const m = /^[0-9][0-9a-fx]*/.exec(text.slice(pos));
      pos += m?.[0].length ?? 0;
      return m?.[0] ?? '';
    }
    if (c === '[') {
      pos++;
      const list: XlValue[] = [];
      for (;;) {
        skipBlank(true);
        if (peek() === ']') {
          pos++;
          return list;
        }
        list.push(readValue());
        skipBlank(true);
        const sep = peek();
        if (sep === ',') pos++;
        else if (sep !== ']') fail(`expected ',' or ']' in a list, found ${describe(sep)}`);
      }
    }
    return fail(`expected a quoted string, a number or a [list], found ${describe(c)}`);
  };
  for (;;) {
    skipBlank(true);
    if (pos >= text.length) break;
    if (peek() === ';') {
      pos++;
      continue;
    }
    const m = /^[a-z][._0-9a-z]*/.exec(text.slice(pos));
    if (!m) fail(`expected a setting name, found ${describe(peek())}`);
    const key = m?.[0] ?? '';
    const at = line;
    pos += key.length;
    skipBlank(false);
    let append = false;
    if (text.startsWith('+=', pos)) {
      append = true;
      pos += 2;
    } else if (peek() === '=') pos++;
    else fail(`expected '=' after '${key}', found ${describe(peek())}`);
    const value = readValue();
    skipBlank(false);
    const end = peek();
    if (end !== undefined && end !== '\n' && end !== ';') fail(`unexpected ${describe(end)} after the value of '${key}'`);
    const prev = out.get(key);
    if (append && prev && Array.isArray(prev.value) && Array.isArray(value)) prev.value.push(...value);
    else out.set(key, { key, value, line: at });
  }
  return out;
}

const describe = (c: string | undefined) => (c === undefined ? 'the end of the file' : c === '\n' ? 'the end of the line' : `'${c}'`);

// Deprecated prefixes before the target (xl-disk-configuration(5) "Deprecated Parameters, Prefixes And
// Syntaxes"; libxlu_disk_l.l): a format prefix sets the format, a script prefix the script, the others are
// ignored; any of them switches to the old positional order target, vdev[:devtype], access.
const FORMAT_PREFIX = /^(raw|qcow2?|vhd):/;
const OTHER_PREFIX = /^(iscsi|e?nbd|drbd|tapdisk|tap2?|aio|ioemu|file|phy):/;

/** One xl disk spec → its parameters (xl-disk-configuration(5), in libxlu_disk_l.l's order of rules). */
export function parseDiskSpec(spec: string): Record<string, string> {
  const p: Record<string, string> = {};
  let deprecated = false;
  let rest = spec;
  const vdevAndType = (part: string) => {
    const colon = part.lastIndexOf(':');
    if (colon === -1) return false;
    p.vdev = part.slice(0, colon);
    const type = part.slice(colon + 1);
    if (type !== 'cdrom' && type !== 'disk') throw new Error(`unknown deprecated device type '${type}' in disk spec '${spec}'`);
    p.devtype = type;
    return true;
  };
  while (rest.length > 0) {
    rest = rest.replace(/^\s+/, '');
    if (rest.startsWith('target=')) {
      p.target = rest.slice('target='.length);
      break;
    }
    const comma = rest.indexOf(',');
    let part = (comma === -1 ? rest : rest.slice(0, comma)).trim();
    rest = comma === -1 ? '' : rest.slice(comma + 1);
    const kv = /^([a-z][a-z0-9_-]*)=(.*)$/i.exec(part);
    if (kv) p[(kv[1] ?? '').toLowerCase()] = kv[2] ?? '';
    else if (part === 'cdrom') p.devtype = 'cdrom';
    else if (/^(backend-type|direct-io-safe|discard|no-discard|colo)$/.test(part)) p[part] = '';
    else if (p.target === undefined) {
      for (;;) {
        const f = FORMAT_PREFIX.exec(part) ?? OTHER_PREFIX.exec(part);
        if (!f) break;
        deprecated = true;
        if (FORMAT_PREFIX.test(part)) p.format = f[1] ?? '';
        part = part.slice((f[0] ?? '').length);
      }
      p.target = part;
    } else if (!deprecated && p.format === undefined) {
      if (p.target === '' && vdevAndType(part)) p.format = 'empty';
      else p.format = part;
    } else if (p.vdev === undefined) {
      if (!vdevAndType(part)) p.vdev = part;
    } else if (p.access === undefined) p.access = part;
    else throw new Error(`too many positional parameters in disk spec '${spec}'`);
  }
  // An empty value means the default (xl-disk-configuration: "or if it is specified with an empty value").
  for (const k of ['format', 'vdev', 'access', 'target']) if (p[k] === '') delete p[k];
  return p;
}

export function parseVifSpec(spec: string): Record<string, string> {
  const p: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const kv = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/i.exec(part);
    if (kv) p[(kv[1] ?? '').toLowerCase()] = kv[2] ?? '';
  }
  return p;
}

// The settings read into the result (viridian and bios into platform); all others are listed as unknown.
const READ_KEYS = new Set(['name', 'type', 'builder', 'memory', 'vcpus', 'disk', 'vif', 'bios', 'viridian', 'vtpm', 'boot']);

export function inspectXl(text: string): InspectedVm {
  const s = parseXl(text);
  const notes: string[] = [];
  const str = (k: string): string | undefined => {
    const v = s.get(k)?.value;
    return typeof v === 'string' ? v : undefined;
  };
  const list = (k: string): { items: string[]; line: number } => {
    const e = s.get(k);
    if (!e) return { items: [], line: 0 };
    if (!Array.isArray(e.value)) throw malformed('xl', e.line, `'${k}' must be a [list] of strings`);
    return { items: e.value.map((v) => (typeof v === 'string' ? v : '')), line: e.line };
  };
  const posInt = (k: string): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw malformed('xl', s.get(k)?.line, `'${k}' must be a positive whole number, found '${v}'`);
    return n;
  };

  // type= (Xen 4.10+) or the legacy builder= ("hvm"; default PV).
  const type = str('type') ?? (str('builder') === 'hvm' ? 'hvm' : undefined);
  const platform: Record<string, string> = {};
  if (type) platform.type = type;
  else {
    platform.type = 'pv';
    notes.push('no type= or builder=: a PV guest, xl.cfg(5)’s default on x86');
  }
  if (type && !['pv', 'pvh', 'hvm'].includes(type))
    throw malformed('xl', s.get('type')?.line, `type must be pv, pvh or hvm, found '${type}'`);
  const viridian = s.get('viridian');
  if (viridian) platform.viridian = Array.isArray(viridian.value) ? viridian.value.join(',') : viridian.value;
  const bios = str('bios');
  const firmware = bios === 'ovmf' ? 'uefi' : 'bios';
  if (bios) platform.bios = bios;

  // Defaults: libxl_create.c libxl__domain_build_info_setdefault (max_memkb 32 MiB, one vCPU).
  const memoryMiB = posInt('memory') ?? 32;
  if (!s.has('memory')) notes.push('no memory=: 32 MiB, libxl’s default');
  const cpus = posInt('vcpus') ?? 1;
  if (!s.has('vcpus')) notes.push('no vcpus=: 1 vCPU, libxl’s default');

  const pvLike = platform.type !== 'hvm';
  const disks: InspectedDisk[] = [];
  const diskList = list('disk');
  for (const spec of diskList.items) {
    let p: Record<string, string>;
    try {
      p = parseDiskSpec(spec);
    } catch (err) {
      throw malformed('xl', diskList.line, (err as Error).message);
    }
    if (!p.vdev) throw malformed('xl', diskList.line, `disk spec '${spec}' names no vdev (xl-disk-configuration: mandatory)`);
    const vdev = p.vdev;
    const bus: DiskBus = pvLike || vdev.startsWith('xvd') ? 'xen' : vdev.startsWith('sd') ? 'scsi' : 'ide';
    const d: InspectedDisk = { device: p.devtype === 'cdrom' ? 'cdrom' : 'disk', bus, address: vdev, path: p.target ?? null };
    // xl-disk-configuration: format defaults to raw; an empty CD-ROM has none.
    if (p.format !== 'empty') d.format = p.format ?? 'raw';
    disks.push(d);
  }

  // HVM boot= (xl.cfg(5)): c hard disk, d CD-ROM, n network, tried in the order given; the first drive of
  // each kind gets its position.
  const boot = str('boot');
  if (boot !== undefined && !pvLike) {
    [...boot].forEach((letter, i) => {
      const device = letter === 'c' ? 'disk' : letter === 'd' ? 'cdrom' : undefined;
      if (letter !== 'n' && device === undefined) notes.push(`boot= letter '${letter}' is not c, d or n`);
      const d = disks.find((x) => x.device === device);
      if (d && d.bootOrder === undefined) d.bootOrder = i + 1;
    });
  }

  const nics: InspectedNic[] = [];
  for (const spec of list('vif').items) {
    const p = parseVifSpec(spec);
    const nic: InspectedNic = { mac: p.mac?.toLowerCase() ?? null };
    if (nic.mac) nic.macSource = 'static';
    else notes.push('a vif gives no mac=: xl generates one (00:16:3e:…) at domain creation');
    // PV and PVH guests get netfront; HVM guests an emulated NIC (model=, default rtl8139) plus a PV path.
    const model = pvLike ? 'netfront' : p.type === 'vif' ? 'netfront' : p.model;
    if (model) nic.model = model;
    else notes.push('an HVM vif gives no model=: rtl8139, xl-network-configuration(5)’s default');
    if (p.bridge) nic.network = p.bridge;
    nics.push(nic);
  }
  const tpm = list('vtpm').items.length > 0;

  const unknown = [...s.values()]
    .filter((e) => !READ_KEYS.has(e.key))
    .map((e) => ({ key: e.key, value: Array.isArray(e.value) ? JSON.stringify(e.value) : e.value, line: e.line }));
  notes.push('xl.cfg does not name the guest OS');

  const name = str('name');
  return inspectedVm('xl', name || undefined, {
    guest: { native: null, candidates: [] },
    firmware,
    secureBoot: false,
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
