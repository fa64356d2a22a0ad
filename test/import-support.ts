// Shared by the importer tests (test/import-*.test.ts, test/export-*.test.ts): real osinfo-db
// subsets copied to a temporary directory, databases for in-process and CLI runs, table
// fingerprints to prove "nothing changed", and a CLI runner.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readOsinfo, type OsinfoData } from '../seed/importers/osinfo/parse.ts';
import type { Sql } from '../src/db/sql.ts';
import { at, captures } from '../src/util/must.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OSINFO = '/usr/share/osinfo';
export const PCI_IDS = '/usr/share/misc/pci.ids';

/**
 * OSes the normal suite checks against libosinfo: long inheritance chains (Fedora, RHEL and its
 * clones, Debian, Ubuntu), Windows desktop and server with add-on drivers, the supported="false"
 * removal (Ubuntu 22.04) and what inherits it (22.10), an explicit supported="true" (linux-2022),
 * several parents (Windows XP, UCS 5.0), resources inherit="true" (rocky-8-unknown), BSDs, Solaris.
 */
export const REPRESENTATIVE_SHORT_IDS = [
  'win11',
  'win10',
  'win8.1',
  'win7',
  'winxp',
  'win2k22',
  'win2k19',
  'win95',
  'rhel9.1',
  'rhel8.6',
  'rhel7.9',
  'rhel6.10',
  'centos-stream9',
  'rocky9',
  'almalinux9',
  'centos7.0',
  'rocky8-unknown',
  'fedora37',
  'fedora-rawhide',
  'silverblue37',
  'debian11',
  'debian10',
  'debiantesting',
  'ubuntu22.04',
  'ubuntu22.10',
  'ubuntu20.04',
  'linux2022',
  'ucs5.0',
  'opensuse15.4',
  'opensusetumbleweed',
  'freebsd13.1',
  'alpinelinux3.17',
  'solaris11',
  'mageia8',
  'gentoo',
];

let full: Promise<OsinfoData> | undefined;
export function fullOsinfo(): Promise<OsinfoData> {
  full ??= readOsinfo(OSINFO);
  return full;
}

export async function idsForShortIds(shortIds: readonly string[]): Promise<string[]> {
  const data = await fullOsinfo();
  return shortIds.map((s) => {
    const os = [...data.oses.values()].find((o) => o.shortIds.includes(s));
    if (!os) throw new Error(`no OS with short id ${s} in ${OSINFO}`);
    return os.id;
  });
}

/** The OSes and everything they derive from, clone or upgrade, transitively. */
export async function closure(ids: readonly string[]): Promise<Set<string>> {
  const data = await fullOsinfo();
  const out = new Set<string>();
  const stack = [...ids];
  while (stack.length) {
    const id = stack.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    const os = data.oses.get(id);
    if (!os) throw new Error(`unknown OS ${id}`);
    stack.push(...os.derivesFrom, ...os.clones, ...os.upgrades);
  }
  return out;
}

/**
 * A real osinfo-db subset in a fresh temporary directory: the OS files (with their .d extensions)
 * of `ids` and their ancestry, every device and platform file, VERSION. Returns the directory.
 */
export async function osinfoSubset(ids: readonly string[]): Promise<{ dir: string; oses: Set<string>; cleanup(): void }> {
  const data = await fullOsinfo();
  const oses = await closure(ids);
  const dir = mkdtempSync(join(tmpdir(), 'vc-osinfo-'));
  for (const id of oses) {
    for (const f of data.oses.get(id)!.files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      cpSync(join(OSINFO, f), join(dir, f));
    }
  }
  for (const sub of ['device', 'platform']) cpSync(join(OSINFO, sub), join(dir, sub), { recursive: true });
  if (existsSync(join(OSINFO, 'VERSION'))) cpSync(join(OSINFO, 'VERSION'), join(dir, 'VERSION'));
  return { dir, oses, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Lines of the real pci.ids for a few vendors, with the header, as a small pci.ids. */
export function pciIdsSubset(vendors: readonly string[]): string {
  const lines = readFileSync(PCI_IDS, 'utf8').split('\n');
  const out: string[] = [];
  let keep = false;
  for (const line of lines) {
    if (line.startsWith('#') && out.length < 40 && !keep) {
      out.push(line);
      continue;
    }
    const v = /^([0-9a-f]{4})\s/.exec(line);
    if (v) keep = vendors.includes(captures(v, 1)[0]);
    else if (/^[A-Z]+ /.test(line)) keep = false;
    if (keep) out.push(line);
  }
  return out.join('\n') + '\n';
}

export function writeTemp(name: string, text: string): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vc-file-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const FINGERPRINT_TABLES = [
  'GuestOS',
  'GuestOSResources',
  'GuestOSFirmware',
  'GuestOSDevice',
  'Device',
  'Hypervisor',
  'HypervisorRelease',
  'HypervisorReleaseDevice',
  'PciVendor',
  'PciSubsystem',
  'ImportRun',
  'Change',
];

/** Row count and an md5 over the sorted rows of every table an import writes. */
export async function fingerprint(sql: Sql): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of FINGERPRINT_TABLES) {
    const r = at(
      await sql.query<{ n: number; h: string | null }>(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(x.t, '|' ORDER BY x.t), '')) AS h FROM (SELECT r::text AS t FROM "${t}" r) x`,
      ),
      0,
      'r',
    );
    out[t] = `${r.n}:${r.h}`;
  }
  return out;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `virtcompat ...` as a separate process. `onStderrLine` may kill it. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  onStderrLine?: (line: string, kill: (sig: NodeJS.Signals) => void) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env };
    const child = spawn(process.execPath, [join(ROOT, 'bin/virtcompat.mjs'), ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      const s = b.toString();
      stderr += s;
      if (!onStderrLine) return;
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) onStderrLine(l, (sig) => child.kill(sig));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A database a separate CLI process can use: a PGlite data folder, or a fresh PostgreSQL database. */
export interface CliDatabase {
  kind: 'pglite' | 'postgres';
  env: Record<string, string>;
  target: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; poolSize: number };
  drop(): Promise<void>;
}

export async function cliDatabase(kind: 'pglite' | 'postgres'): Promise<CliDatabase> {
  if (kind === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'vc-data-'));
    return {
      kind,
      env: { DATA_DIR: dataDir },
      target: { kind: 'pglite', dataDir },
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  const name = `vc_import_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    kind,
    env: { DATABASE_URL: url.toString() },
    target: { kind: 'postgres', url: url.toString(), poolSize: 4 },
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function tempDir(prefix = 'vc-tmp-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
