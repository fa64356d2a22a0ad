// `virtcompat import qemu`: the installed QEMU's own facts as data. Runs `<binary> --version`,
// `-machine help`, `-cpu help` and `-device help`, and records a HypervisorRelease of the 'kvm'
// hypervisor for that exact version (id http://virtcompat.org/hypervisor/kvm/qemu-<version>, plus
// `-<arch>` for a non-x86_64 binary) with its machine types, and one HypervisorReleaseDevice per
// catalogue device one of its device models presents (qemu-models.ts). Models whose device is not
// in the catalogue yet (import osinfo / pci-ids first) are counted, not invented.
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import type { Database } from '../../src/db/index.ts';
import type { Sql } from '../../src/db/sql.ts';
import { syncTable, type TableSpec } from './sync.ts';
import { ensureHypervisors, releaseDeviceSpec, releaseSpec } from './tables.ts';
import { versionOrder, type ReleaseDeviceRow, type ReleaseRow } from './osinfo/rows.ts';
import { QEMU_DEVICE_MODELS, QEMU_MACHINE_DEVICES } from './qemu-models.ts';
import { ImportError, runImport, type ImportProblem, type ImportSummary } from './runs.ts';
import { silentProgress, type Progress } from './progress.ts';
import { at, captures } from '../../src/util/must.ts';

export const SOURCE = 'qemu';
export const DEFAULT_QEMU_BINARY = 'qemu-system-x86_64';

export interface QemuVersion {
  version: string;
  /** Distribution package version, e.g. "Debian 1:7.2+dfsg-7+deb12u18+b3". */
  package: string | null;
  raw: string;
}

export interface QemuMachine {
  name: string;
  description: string;
  aliasOf?: string;
  isDefault?: boolean;
  deprecated?: boolean;
}

export interface QemuDeviceModel {
  name: string;
  bus?: string;
  alias?: string;
  desc?: string;
  category: string;
}

export interface QemuFacts {
  binary: string;
  arch: string;
  version: QemuVersion;
  machines: QemuMachine[];
  cpus: { name: string; description: string }[];
  devices: QemuDeviceModel[];
}

export function parseVersion(text: string): QemuVersion {
  const m = /QEMU emulator version (\d+\.\d+(?:\.\d+)?)(?:\s*\(([^)]*)\))?/.exec(text);
  const firstLine = at(text.split('\n'), 0);
  if (!m) throw new ImportError(`cannot read a QEMU version from: ${JSON.stringify(firstLine)}`, [], 'IMPORT_BAD_OUTPUT');
  const [version] = captures(m, 1);
  return { version, package: m[2]?.trim() || null, raw: firstLine.trim() };
}

export function parseMachines(text: string): QemuMachine[] {
  const out: QemuMachine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || /^Supported machines are:/.test(line)) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const [name, rest] = captures(m, 2);
    let desc = rest;
    const mach: QemuMachine = { name, description: '' };
    const alias = /\(alias of ([^)]+)\)/.exec(desc);
    if (alias) [mach.aliasOf] = captures(alias, 1);
    if (/\(default\)/.test(desc)) mach.isDefault = true;
    if (/\(deprecated\)/.test(desc)) mach.deprecated = true;
    desc = desc.replace(/\s*\((alias of [^)]+|default|deprecated)\)/g, '').trim();
    mach.description = desc;
    out.push(mach);
  }
  return out;
}

export function parseCpus(text: string): { name: string; description: string }[] {
  const out: { name: string; description: string }[] = [];
  let inList = false;
  for (const line of text.split('\n')) {
    if (/^Available CPUs:/.test(line)) {
      inList = true;
      continue;
    }
    if (!inList) continue;
    if (!line.trim()) break; // the CPUID flag list follows after a blank line
    // x86: "x86 Broadwell-v1          Intel Core Processor (Broadwell)"; other targets: "  cortex-a53".
    const m = /^\S/.test(line) ? /^\S+\s+(\S+)\s*(.*)$/.exec(line) : /^\s+(\S+)\s*(.*)$/.exec(line);
    if (m) {
      const [name, description] = captures(m, 2);
      out.push({ name, description: description.trim() });
    }
  }
  return out;
}

export function parseDevices(text: string): QemuDeviceModel[] {
  const out: QemuDeviceModel[] = [];
  let category = '';
  for (const line of text.split('\n')) {
    const cat = /^(.+) devices:$/.exec(line.trim());
    if (cat) {
      [category] = captures(cat, 1);
      continue;
    }
    const m = /^name "([^"]+)"(.*)$/.exec(line.trim());
    if (!m) continue;
    const [name, rest] = captures(m, 2);
    const dev: QemuDeviceModel = { name, category };
    const bus = /bus ([^,]+)/.exec(rest);
    const alias = /alias "([^"]+)"/.exec(rest);
    const desc = /desc "([^"]*)"/.exec(rest);
    if (bus) dev.bus = captures(bus, 1)[0].trim();
    if (alias) [dev.alias] = captures(alias, 1);
    if (desc) [dev.desc] = captures(desc, 1);
    out.push(dev);
  }
  return out;
}

function run(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'IMPORT_NOT_FOUND' : 'IMPORT_FAILED';
    throw new ImportError(`cannot run ${binary} ${args.join(' ')}: ${r.error.message}`, [], code);
  }
  if (r.status !== 0) throw new ImportError(`${binary} ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').trim().split('\n')[0]}`);
  return r.stdout;
}

/** Asks the binary. Only I/O here; everything after is pure. */
export function probeQemu(binary = DEFAULT_QEMU_BINARY): QemuFacts {
  const version = parseVersion(run(binary, ['--version']));
  const arch = /qemu-system-([\w-]+)$/.exec(basename(binary))?.[1] ?? 'x86_64';
  return {
    binary,
    arch,
    version,
    machines: parseMachines(run(binary, ['-machine', 'help'])),
    cpus: parseCpus(run(binary, ['-cpu', 'help'])),
    devices: parseDevices(run(binary, ['-device', 'help'])),
  };
}

export function releaseIdFor(facts: Pick<QemuFacts, 'arch' | 'version'>): string {
  return `http://virtcompat.org/hypervisor/kvm/qemu-${facts.version.version}${facts.arch === 'x86_64' ? '' : `-${facts.arch}`}`;
}

export interface QemuRows {
  release: ReleaseRow;
  /** Candidate release devices; rows whose device is not in the catalogue are dropped at write time. */
  devices: ReleaseDeviceRow[];
}

export function buildQemuRows(facts: QemuFacts): QemuRows {
  const id = releaseIdFor(facts);
  const models = new Set(facts.devices.map((d) => d.name));
  const machines = new Set(facts.machines.map((m) => m.name));
  const version = facts.arch === 'x86_64' ? facts.version.version : `${facts.version.version}-${facts.arch}`;
  const sourceRef = `${facts.binary} --version: ${facts.version.raw}`;
  const devices: ReleaseDeviceRow[] = [];
  for (const m of QEMU_DEVICE_MODELS) {
    const model = m.models.find((x) => models.has(x));
    if (!model) continue;
    devices.push({
      releaseId: id,
      deviceId: m.deviceId,
      model,
      supported: true,
      notes: m.notes ?? null,
      sourceRef: `${facts.binary} -device help`,
    });
  }
  for (const m of QEMU_MACHINE_DEVICES) {
    if (!machines.has(m.machine)) continue;
    devices.push({
      releaseId: id,
      deviceId: m.deviceId,
      model: m.machine,
      supported: true,
      notes: m.notes ?? null,
      sourceRef: `${facts.binary} -machine help`,
    });
  }
  const mapped = new Set(devices.map((d) => d.model));
  return {
    release: {
      id,
      hypervisorKey: 'kvm',
      hypervisorId: '',
      version,
      versionOrder: versionOrder(facts.version.version),
      name: `QEMU ${facts.version.version}${facts.version.package ? ` (${facts.version.package})` : ''}${facts.arch === 'x86_64' ? '' : ` ${facts.arch}`}`,
      releaseDate: null,
      eolDate: null,
      machineTypes: facts.machines.map((m) => m.name),
      firmware: [],
      vfio: models.has('vfio-pci'),
      sriov: models.has('vfio-pci'),
      notes:
        `Facts of ${facts.binary} on the importing host: ${facts.machines.length} machine types, ${facts.cpus.length} CPU models, ` +
        `${facts.devices.length} device models (${mapped.size} mapped to catalogue devices). ` +
        `Default machine: ${facts.machines.find((m) => m.isDefault)?.name ?? 'none'}.`,
      source: SOURCE,
      sourceRef,
    },
    devices,
  };
}

export interface QemuImportOptions {
  binary?: string;
  strict?: boolean;
  progress?: Progress;
  /** Facts already probed (tests); otherwise the binary is asked. */
  facts?: QemuFacts;
}

export async function importQemu(db: Database, opts: QemuImportOptions = {}): Promise<ImportSummary> {
  const progress = opts.progress ?? silentProgress;
  const binary = opts.binary ?? DEFAULT_QEMU_BINARY;
  return runImport(db.sql, { source: 'qemu', path: binary, strict: opts.strict, progress }, async () => {
    progress.phase('asking QEMU');
    const facts = opts.facts ?? probeQemu(binary);
    const rows = buildQemuRows(facts);
    const problems: ImportProblem[] = [];
    if (facts.machines.length === 0) problems.push({ path: binary, reason: '-machine help listed no machine types', severity: 'error' });
    if (facts.devices.length === 0) problems.push({ path: binary, reason: '-device help listed no device models', severity: 'error' });
    const notImported: Record<string, number> = {
      'CPU models (no column yet)': facts.cpus.length,
      'device models without a catalogue device': facts.devices.length - new Set(rows.devices.map((d) => d.model)).size,
    };
    return {
      sourceVersion: facts.version.version,
      path: binary,
      problems,
      notImported,
      async write(tx, counts, changed) {
        const { ids, created } = await ensureHypervisors(tx, ['kvm'], changed);
        counts.Hypervisor = { created, updated: 0, unchanged: 1 - created, deleted: 0, kept: 0 };
        rows.release.hypervisorId = ids.get('kvm')!;
        await checkClash(tx, rows.release);
        const known = await knownDevices(
          tx,
          rows.devices.map((d) => d.deviceId),
        );
        const devices = rows.devices.filter((d) => known.has(d.deviceId));
        const missing = rows.devices.length - devices.length;
        if (missing) {
          notImported['device models whose catalogue device is missing (import osinfo / pci-ids first)'] = missing;
        }
        progress.step(`writing HypervisorRelease ${rows.release.id}`);
        const rel = await syncTable(tx, releaseSpec([SOURCE]) as TableSpec<never>, [rows.release] as never[]);
        counts.HypervisorRelease = rel.counts;
        for (const c of rel.changed) changed.add(c);
        if (rel.counts.kept)
          throw new ImportError(`${rows.release.id} exists and is not QEMU-imported data; not touched`, problems, 'IMPORT_CONFLICT');
        progress.step(`writing HypervisorReleaseDevice: ${devices.length} rows`);
        const dev = await syncTable(tx, releaseDeviceSpec([SOURCE], [rows.release.id]) as TableSpec<never>, devices as never[]);
        counts.HypervisorReleaseDevice = dev.counts;
        for (const c of dev.changed) changed.add(c);
      },
    };
  });
}

async function knownDevices(tx: Sql, ids: string[]): Promise<Set<string>> {
  const rows = await tx.query<{ id: string }>(`SELECT id FROM "Device" WHERE id = ANY($1::text[])`, [ids]);
  return new Set(rows.map((r) => r.id));
}

async function checkClash(tx: Sql, r: ReleaseRow): Promise<void> {
  const rows = await tx.query<{ id: string }>(
    `SELECT id FROM "HypervisorRelease" WHERE "hypervisorId" = $1 AND version = $2 AND id <> $3`,
    [r.hypervisorId, r.version, r.id],
  );
  const [existing] = rows;
  if (existing) throw new ImportError(`kvm release ${r.version} already exists as ${existing.id}; not touched`, [], 'IMPORT_CONFLICT');
}
