// What the service does to a database before it answers: migrate, load the curated seed if it has
// never been applied, and import osinfo-db (when installed) if it has never been imported. Shared
// by `serve`, the tests and the benchmarks.
//
// Each step is decided by what the database records, not by what it happens to contain: the
// seed's and each import's ImportRun row says it was applied (the seed's, of the files' version). So
// a catalogue that osinfo-db was imported into first still gets the seed, seed files newer than the
// last applied ones are applied, and a restart neither re-seeds nor re-imports.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import type { Progress } from '../../seed/importers/progress.ts';
// The seed's and osinfo-db's code (their YAML, XML and validation) is loaded only when a start needs it:
// a service that has both applied never holds it.
const seedCode = () => import('../../seed/load.ts');
const osinfoCode = () => import('../../seed/importers/osinfo/import.ts');

export interface StartupOptions {
  /** Load the curated seed unless it was applied before (SEED_ON_START). */
  seed: boolean;
  /** Import osinfo-db from `path` unless it was imported before (IMPORT_OSINFO_ON_START, OSINFO_PATH). */
  osinfo?: { enabled: boolean; path: string };
  logger?: Logger;
}

export type OsinfoStep = 'imported' | 'already-imported' | 'not-installed' | 'disabled' | 'failed';

export interface StartupReport {
  migrateMs: number;
  seedMs: number;
  osinfoMs: number;
  seeded: boolean;
  osinfo: OsinfoStep;
}

export interface StartupState {
  /** The seed files as they are now were applied (an ImportRun of their version). */
  seedApplied: boolean;
  osinfoImported: boolean;
  osinfoInstalled: boolean;
}

/** What a start does, from what the database records and what is installed. */
export function decideStartup(
  state: StartupState,
  opts: Pick<StartupOptions, 'seed' | 'osinfo'>,
): { seed: boolean; osinfo: 'import' | Exclude<OsinfoStep, 'imported' | 'failed'> } {
  const seed = opts.seed && !state.seedApplied;
  if (!opts.osinfo?.enabled) return { seed, osinfo: 'disabled' };
  if (state.osinfoImported) return { seed, osinfo: 'already-imported' };
  if (!state.osinfoInstalled) return { seed, osinfo: 'not-installed' };
  return { seed, osinfo: 'import' };
}

async function recorded(db: Database, source: string): Promise<boolean> {
  const [row] = await db.sql.query<{ done: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM "ImportRun" WHERE source = $1 AND status = 'OK') AS done`,
    [source],
  );
  return row?.done === true;
}

/**
 * Whether the seed files as they are now were applied: an OK seed run of their version. A database
 * seeded from older files (or never) is seeded again; the seed is idempotent and merges with
 * osinfo-db in either order (seed/provenance.ts).
 */
async function seedRecorded(db: Database): Promise<boolean> {
  const { loadCuratedSeedFiles, seedVersion } = await seedCode();
  const version = seedVersion(await loadCuratedSeedFiles());
  const [row] = await db.sql.query<{ done: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM "ImportRun" WHERE source = 'seed' AND status = 'OK' AND "sourceVersion" = $1) AS done`,
    [version],
  );
  return row?.done === true;
}

/** Import progress as log lines: each phase, each table, and every quarter of the files read. */
function logProgress(logger: Logger, label: string): Progress {
  let phase = '';
  let last = -1;
  return {
    phase(name, total) {
      phase = name;
      last = -1;
      logger.info(`${label}: ${name}${total !== undefined ? ` (${total})` : ''}`);
    },
    tick(done, total, detail) {
      const quarter = total > 0 ? Math.floor((done / total) * 4) : 4;
      if (quarter === last) return;
      last = quarter;
      logger.info(`${label}: ${phase} ${done}/${total}${detail ? `, ${detail}` : ''}`);
    },
    line: (message) => logger.info(`${label}: ${message}`),
    step: (message) => logger.info(`${label}: ${message}`),
    end() {},
  };
}

export async function prepareDatabase(db: Database, opts: StartupOptions): Promise<StartupReport> {
  const log = opts.logger;
  const t0 = Date.now();
  const applied = await migrate(db);
  if (applied.length) log?.info({ migrations: applied }, `applied ${applied.length} migration(s)`);
  const t1 = Date.now();
  const report: StartupReport = { migrateMs: t1 - t0, seedMs: 0, osinfoMs: 0, seeded: false, osinfo: 'disabled' };

  const plan = decideStartup(
    {
      seedApplied: opts.seed ? await seedRecorded(db) : true,
      osinfoImported: opts.osinfo?.enabled ? await recorded(db, 'osinfo-db') : false,
      osinfoInstalled: opts.osinfo?.enabled ? existsSync(opts.osinfo.path) : false,
    },
    opts,
  );

  if (plan.seed) {
    const summary = await (await seedCode()).applyCuratedSeed(db);
    report.seeded = true;
    log?.info(
      { seed: summary },
      `loaded the curated seed (${summary.guests.created + summary.guests.updated} guests written) in ${summary.durationMs} ms`,
    );
  }
  const t2 = Date.now();
  report.seedMs = t2 - t1;

  // decideStartup only says 'import' or 'not-installed' when opts.osinfo is set.
  const osinfo = { path: opts.osinfo?.path ?? '' };
  if (plan.osinfo === 'import') {
    const { importOsinfo } = await osinfoCode();
    log?.info(`first start: importing osinfo-db from ${osinfo.path} (IMPORT_OSINFO_ON_START=false skips this)`);
    try {
      const s = await importOsinfo(db, { path: osinfo.path, progress: log ? logProgress(log, 'osinfo') : undefined });
      report.osinfo = 'imported';
      const guests = s.counts.GuestOS;
      log?.info(
        { osinfo: { version: s.sourceVersion, runId: s.runId, guests, problems: s.problems.length } },
        `imported osinfo-db ${s.sourceVersion ?? ''} in ${s.durationMs} ms: ${guests ? guests.created + guests.updated + guests.unchanged + guests.kept : 0} guests`,
      );
    } catch (err) {
      // The service still serves the curated seed; the next start tries again (no OK run recorded).
      report.osinfo = 'failed';
      log?.warn(
        { err },
        `importing osinfo-db from ${osinfo.path} failed; serving without it (retried at the next start, or run: virtcompat import osinfo ${osinfo.path})`,
      );
    }
  } else {
    report.osinfo = plan.osinfo;
    if (plan.osinfo === 'not-installed') {
      log?.info(
        `osinfo-db not found at ${osinfo.path}: serving the curated guests only. For ~800 guests install it (Debian: apt-get install osinfo-db) and restart, or run: virtcompat import osinfo PATH`,
      );
    }
  }
  report.osinfoMs = Date.now() - t2;
  return report;
}
