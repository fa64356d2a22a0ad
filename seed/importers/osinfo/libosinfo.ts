// libosinfo as the reference: runs libosinfo_dump.py (Libosinfo through GObject introspection,
// the way virt-install reads osinfo-db) and compares its effective device lists with ours.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../../../src/db/sql.ts';
import { effectiveDevices } from '../../../src/catalogue/effective.ts';
import { must } from '../../../src/util/must.ts';

export const DUMP_SCRIPT = fileURLToPath(new URL('./libosinfo_dump.py', import.meta.url));

export interface LibosinfoOs {
  shortIds: string[];
  name: string;
  derivesFrom: string[];
  clones: string[];
  devices: string[];
}

export interface LibosinfoDump {
  libosinfo: string;
  oses: Record<string, LibosinfoOs>;
  missing: string[];
}

let python: string | null | undefined;

/** A python3 that can import Libosinfo through gi (Debian: python3-gi, gir1.2-libosinfo-1.0), or null. */
export function findPython(): string | null {
  if (python !== undefined) return python;
  python = null;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(candidate, ['-c', "import gi; gi.require_version('Libosinfo', '1.0'); from gi.repository import Libosinfo"], {
      stdio: 'ignore',
    });
    if (r.status === 0) {
      python = candidate;
      break;
    }
  }
  return python;
}

/**
 * libosinfo's view of the osinfo database in `systemDir` (only that directory: the local and user
 * directories are pointed at an empty one so /etc/osinfo or ~/.config/osinfo cannot interfere).
 */
export async function libosinfoDump(systemDir: string, ids: readonly string[] = []): Promise<LibosinfoDump> {
  const py = findPython();
  if (!py) throw new Error('python3 with Libosinfo GObject introspection not found (apt: python3-gi gir1.2-libosinfo-1.0)');
  const empty = mkdtempSync(join(tmpdir(), 'vc-osinfo-empty-'));
  try {
    return await new Promise<LibosinfoDump>((resolve, reject) => {
      const child = spawn(py, [DUMP_SCRIPT, ...ids], {
        env: { ...process.env, OSINFO_SYSTEM_DIR: systemDir, OSINFO_LOCAL_DIR: empty, OSINFO_USER_DIR: empty },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`libosinfo_dump.py exited ${code}: ${Buffer.concat(err).toString().trim()}`));
        try {
          resolve(JSON.parse(Buffer.concat(out).toString()) as LibosinfoDump);
        } catch (e) {
          reject(e);
        }
      });
    });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}

export interface Disagreement {
  id: string;
  /** Devices libosinfo lists that our effective list lacks. */
  missing: string[];
  /** Devices in our effective list that libosinfo does not list. */
  extra: string[];
  /** The OS is in libosinfo's database but not in ours (or the reverse). */
  absent?: 'ours' | 'libosinfo';
}

export interface Agreement {
  total: number;
  agree: number;
  disagreements: Disagreement[];
}

/**
 * Our effective device ids per guest: inheritance resolved by src/catalogue/effective.ts, only
 * supported devices with inbox drivers (libosinfo's get_all_devices() does not include the devices
 * of an OS's add-on <driver> entries, which we keep as driverSource ADDON).
 */
export async function ourEffectiveDevices(sql: Sql, ids: readonly string[]): Promise<Map<string, string[]>> {
  const sourced = await ourSourcedDevices(sql, ids);
  return new Map([...sourced].map(([id, devs]) => [id, [...devs.keys()]]));
}

/** As ourEffectiveDevices, with the source of the row that decides each device (osinfo-db, curated, vendor:<id>). */
export async function ourSourcedDevices(
  sql: Sql,
  ids: readonly string[],
  driverSources: readonly string[] = ['INBOX'],
): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, [string, string][]>(ids.map((id) => [id, []]));
  const present = await sql.query<{ id: string }>(`SELECT id FROM "GuestOS" WHERE id = ANY($1::text[])`, [ids]);
  const have = new Set(present.map((r) => r.id));
  for (const id of ids) if (!have.has(id)) out.delete(id);
  for (const r of await effectiveDevices(sql, [...have])) {
    if (r.supported && driverSources.includes(r.driverSource)) out.get(r.guestId)?.push([r.deviceId, r.source]);
  }
  return new Map([...out].map(([id, devs]) => [id, new Map(devs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))]));
}

export interface MergedAgreement {
  /** osinfo-db OSes compared. */
  total: number;
  /** OSes missing a device libosinfo resolves from the same files (or missing altogether). */
  lost: Disagreement[];
  /**
   * Devices libosinfo resolves that a nearer row of another source says need an add-on driver (the
   * curated QXL rows of Windows: qxldod comes with virtio-win): still supported, attributed to that row.
   */
  refined: { id: string; deviceId: string; source: string }[];
  /** Inbox devices beyond libosinfo's list, per source of the row that adds them. */
  extrasBySource: Record<string, number>;
  /** Devices beyond libosinfo's list that an osinfo-db row adds: nothing attributes them to another source. */
  unattributed: { id: string; deviceId: string }[];
}

/**
 * The merged catalogue (osinfo-db with the curated seed or vendor data) against libosinfo: for every
 * osinfo-db OS nothing libosinfo resolves is lost, and every device beyond its list comes from a row
 * of another source (curated, vendor:<id>), never from an osinfo-db row.
 */
export async function compareMergedWithLibosinfo(sql: Sql, dump: LibosinfoDump): Promise<MergedAgreement> {
  const wanted = Object.keys(dump.oses).sort();
  const ours = await ourSourcedDevices(sql, wanted);
  const supported = await ourSourcedDevices(sql, wanted, ['INBOX', 'ADDON']);
  const out: MergedAgreement = { total: wanted.length, lost: [], refined: [], extrasBySource: {}, unattributed: [] };
  for (const id of wanted) {
    const lib = must(dump.oses[id], `libosinfo's entry for ${id}`);
    const mine = ours.get(id);
    if (!mine) {
      out.lost.push({ id, missing: lib.devices, extra: [], absent: 'ours' });
      continue;
    }
    const libSet = new Set(lib.devices);
    const all = supported.get(id) ?? new Map<string, string>();
    const missing = lib.devices.filter((d) => !all.has(d));
    const extra = [...mine.keys()].filter((d) => !libSet.has(d));
    if (missing.length) out.lost.push({ id, missing, extra });
    for (const d of lib.devices) {
      const source = all.get(d);
      if (source !== undefined && !mine.has(d)) out.refined.push({ id, deviceId: d, source });
    }
    for (const d of extra) {
      const source = must(mine.get(d), `the source of ${d}`);
      out.extrasBySource[source] = (out.extrasBySource[source] ?? 0) + 1;
      if (source === 'osinfo-db') out.unattributed.push({ id, deviceId: d });
    }
  }
  return out;
}

export async function compareWithLibosinfo(sql: Sql, dump: LibosinfoDump, ids?: readonly string[]): Promise<Agreement> {
  const wanted = ids ?? Object.keys(dump.oses).sort();
  const ours = await ourEffectiveDevices(sql, wanted);
  const disagreements: Disagreement[] = [];
  let agree = 0;
  for (const id of wanted) {
    const lib = dump.oses[id];
    const mine = ours.get(id);
    if (!lib || !mine) {
      disagreements.push({ id, missing: [], extra: [], absent: !lib ? 'libosinfo' : 'ours' });
      continue;
    }
    const libSet = new Set(lib.devices);
    const mineSet = new Set(mine);
    const missing = lib.devices.filter((d) => !mineSet.has(d));
    const extra = mine.filter((d) => !libSet.has(d));
    if (missing.length === 0 && extra.length === 0) agree++;
    else disagreements.push({ id, missing, extra });
  }
  return { total: wanted.length, agree, disagreements };
}
