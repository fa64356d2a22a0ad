// A content digest of the catalogue: every fact of every catalogue table as canonical JSON, rows
// sorted, without what a database generates (timestamps, serial and random ids) or derives (the
// ancestry closure) and without bookkeeping (audit log, change feed, import runs, idempotency keys,
// API keys, web sessions). Two catalogues with equal digests hold the same facts with the same sources, whatever
// order they were written in. Tables are found in the database itself, so a table added later is
// covered without being listed here; EXCLUDED_TABLES says what is left out and why.
import { createHash } from 'node:crypto';
import type { Sql } from '../db/sql.ts';

/** Tables that hold no catalogue fact. */
export const EXCLUDED_TABLES: Readonly<Record<string, string>> = {
  _prisma_migrations: 'migration bookkeeping',
  AuditEntry: 'who did what, when',
  Change: 'the change feed: sequence numbers and times',
  ImportRun: 'import bookkeeping',
  IdempotencyKey: 'request bookkeeping',
  ApiKey: 'credentials',
  WebSession: 'credentials: web sign-in sessions (a sealed API key, the hash of a cookie token)',
  GuestOSAncestor: 'derived from GuestOS by a trigger',
};

/** Columns that are not facts: set by the database when a row is written. */
const TIMESTAMP_COLUMNS = ['createdAt', 'updatedAt', 'reviewedAt'];
/** Ids the database or a random generator makes, per table; the facts they point at are kept another way. */
const GENERATED_COLUMNS: Readonly<Record<string, string[]>> = {
  // Vendor records get random UUIDs; a record is its content, and whether something supersedes it.
  CompatibilityRecord: ['id', 'supersedesId', 'proposedSupersedesId', 'submittedByKeyId', 'reviewedByKeyId'],
};

export interface CatalogueDigest {
  /** sha256 over every table's digest. */
  digest: string;
  tables: Record<string, { rows: number; digest: string }>;
}

/**
 * Tables that hold catalogue facts: digested, exported to virtcompat/catalogue.xml and restored from it.
 * Every table of the database is in this list or in EXCLUDED_TABLES: a new table is a decision (a
 * credential left off both lists would otherwise travel in every export), and until it is made,
 * digests and exports refuse to run.
 */
export const CATALOGUE_TABLES: readonly string[] = [
  'CatalogueCorrection',
  'CompatibilityRecord',
  'Device',
  'DeviceEquivalenceGroup',
  'DeviceEquivalenceMember',
  'DriverBuild',
  'DriverBuildGuest',
  'DriverPackage',
  'GuestOS',
  'GuestOSDevice',
  'GuestOSFirmware',
  'GuestOSResources',
  'GuestParavirtSupport',
  'HardwareFeature',
  'Hypervisor',
  'HypervisorRelease',
  'HypervisorReleaseDevice',
  'HypervisorReleaseHostFeature',
  'HypervisorReleaseParavirt',
  'KnownIssue',
  'ParavirtAnswerFeature',
  'ParavirtFeature',
  'ParavirtRuleSet',
  'PciSubsystem',
  'PciVendor',
  'Vendor',
];

/** A table of the database that is on neither list: digests and exports refuse to guess. */
export class UnclassifiedTableError extends Error {
  readonly code = 'UNCLASSIFIED_TABLE';
  constructor(readonly tables: string[]) {
    super(
      `table ${tables.map((t) => `"${t}"`).join(', ')} is neither a catalogue table nor excluded: add it to CATALOGUE_TABLES or EXCLUDED_TABLES in src/catalogue/digest.ts`,
    );
  }
}

/** The catalogue tables of the connected database, in name order. */
export async function catalogueTables(sql: Sql): Promise<string[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const names = rows.map((r) => r.name);
  const unclassified = names.filter((n) => !(n in EXCLUDED_TABLES) && !CATALOGUE_TABLES.includes(n));
  if (unclassified.length > 0) throw new UnclassifiedTableError(unclassified);
  return names.filter((n) => !(n in EXCLUDED_TABLES));
}

/** One table's facts: each row as canonical JSON (jsonb's text form: keys in a fixed order), sorted. */
export async function tableFacts(sql: Sql, table: string): Promise<string[]> {
  const drop = [...TIMESTAMP_COLUMNS, ...(GENERATED_COLUMNS[table] ?? [])];
  const extra =
    table === 'CompatibilityRecord'
      ? ` || jsonb_build_object('superseded', EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = x.id))`
      : '';
  const rows = await sql.query<{ r: string }>(
    `SELECT ((to_jsonb(x) - $1::text[])${extra})::text AS r FROM "${table.replace(/"/g, '""')}" x`,
    [drop],
  );
  return rows.map((r) => r.r).sort();
}

export async function catalogueDigest(sql: Sql): Promise<CatalogueDigest> {
  const tables: CatalogueDigest['tables'] = {};
  const all = createHash('sha256');
  for (const t of await catalogueTables(sql)) {
    const facts = await tableFacts(sql, t);
    const h = createHash('sha256');
    for (const f of facts) h.update(f).update('\n');
    const digest = h.digest('hex');
    tables[t] = { rows: facts.length, digest };
    all.update(`${t}\t${facts.length}\t${digest}\n`);
  }
  return { digest: all.digest('hex'), tables };
}

/** The tables whose facts differ between two digests (for a readable test failure). */
export function digestDifferences(a: CatalogueDigest, b: CatalogueDigest): string[] {
  const names = [...new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])].sort();
  return names
    .filter((n) => a.tables[n]?.digest !== b.tables[n]?.digest)
    .map((n) => `${n}: ${a.tables[n]?.rows ?? 'absent'} rows vs ${b.tables[n]?.rows ?? 'absent'} rows`);
}
