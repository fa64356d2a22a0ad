// Import bookkeeping: every import leaves one ImportRun row. A successful import writes its row
// inside its own transaction (so the row exists exactly when the data does); a failed one is
// recorded afterwards, with the reason, while the data stays as it was. A killed import leaves
// nothing at all, like the data.
import type { Sql } from '../../src/db/sql.ts';
import { recordChanges, type SyncCounts } from './sync.ts';
import { must } from '../../src/util/must.ts';

export type ImportSource = 'osinfo-db' | 'pci.ids' | 'qemu';

export interface ImportProblem {
  path: string;
  reason: string;
  severity: 'error' | 'warning';
}

export interface ImportSummary {
  runId: number | null;
  source: ImportSource;
  sourceVersion: string | null;
  path: string;
  status: 'OK' | 'FAILED';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Files read and files skipped (malformed), where the source is files. */
  files?: { read: number; skipped: number };
  /** Per table: created / updated / unchanged / deleted / kept (owned by curated or vendor data). */
  counts: Record<string, SyncCounts>;
  /** Entities appended to the change feed. */
  changes: number;
  problems: ImportProblem[];
  /** Things read but deliberately not stored, with how many (install scripts, unknown elements ...). */
  notImported: Record<string, number>;
  message?: string;
}

/** A failure carrying what the import had found so far, for the summary. */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    message: string,
    readonly problems: ImportProblem[] = [],
    readonly code = 'IMPORT_FAILED',
  ) {
    super(message);
  }
}

export async function recordRun(
  sql: Sql,
  s: Pick<
    ImportSummary,
    'source' | 'sourceVersion' | 'path' | 'status' | 'startedAt' | 'finishedAt' | 'counts' | 'changes' | 'files' | 'problems' | 'message'
  >,
): Promise<number> {
  const counts = {
    tables: s.counts,
    changes: s.changes,
    ...(s.files ? { files: s.files } : {}),
    problems: s.problems.length,
  };
  const [row] = await sql.query<{ id: number }>(
    `INSERT INTO "ImportRun" (source, "sourceVersion", path, "startedAt", "finishedAt", status, counts, message)
     VALUES ($1, $2, $3, $4::timestamptz AT TIME ZONE 'UTC', $5::timestamptz AT TIME ZONE 'UTC', $6, $7::jsonb, $8) RETURNING id`,
    [s.source, s.sourceVersion, s.path, s.startedAt, s.finishedAt, s.status, JSON.stringify(counts), s.message ?? problemText(s.problems)],
  );
  return Number(must(row, 'the id INSERT .. RETURNING gives').id);
}

function problemText(problems: ImportProblem[]): string | null {
  if (problems.length === 0) return null;
  const head = problems.slice(0, 20).map((p) => `${p.severity}: ${p.path}: ${p.reason}`);
  return head.join('\n') + (problems.length > 20 ? `\n... and ${problems.length - 20} more` : '');
}

/** Serialises imports (one at a time per database), for the rest of the transaction. */
export async function lockImports(tx: Sql): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('virtcompat:import'))`);
}

export interface ImportRunInfo {
  id: number;
  source: string;
  sourceVersion: string | null;
  path: string | null;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  counts: unknown;
  message: string | null;
}

export async function listImportRuns(sql: Sql, limit = 50): Promise<ImportRunInfo[]> {
  const rows = await sql.query<ImportRunInfo>(
    `SELECT id, source, "sourceVersion", path, to_char("startedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
            to_char("finishedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt", status, counts, message
       FROM "ImportRun" ORDER BY "startedAt" DESC, id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export interface CatalogueVersion {
  /** Short label: the data sources and versions in force plus the change-feed position. */
  label: string;
  /** Latest successful import per source. */
  sources: { source: string; sourceVersion: string | null; importedAt: string; runId: number }[];
  /** Highest change-feed sequence number; every write to accepted data moves it. */
  changeSeq: number;
}

/**
 * What data a client sees: the last successful import of each source and the change-feed position.
 * Two reads with the same label saw the same catalogue.
 */
export async function catalogueVersion(sql: Sql): Promise<CatalogueVersion> {
  const sources = await sql.query<{ source: string; sourceVersion: string | null; importedAt: string; runId: number }>(
    `SELECT DISTINCT ON (source) source, "sourceVersion",
            to_char("finishedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "importedAt", id AS "runId"
       FROM "ImportRun" WHERE status = 'OK'
      ORDER BY source, "finishedAt" DESC, id DESC`,
  );
  const [last] = await sql.query<{ seq: string | number | null }>(`SELECT max(seq)::text AS seq FROM "Change"`);
  const changeSeq = last?.seq == null ? 0 : Number(last.seq); // max() over no rows is one NULL row
  const label = [...sources.map((s) => `${s.source}@${s.sourceVersion ?? 'unknown'}`), `changes#${changeSeq}`].join('+');
  return { label, sources: sources.map((s) => ({ ...s, runId: Number(s.runId) })), changeSeq };
}

export interface PreparedImport {
  sourceVersion: string | null;
  /** The path actually read (the data root found under what the user gave). */
  path: string;
  files?: { read: number; skipped: number };
  problems: ImportProblem[];
  notImported: Record<string, number>;
  /** Writes everything inside the import transaction; fills counts, adds change-feed entities. */
  write(tx: Sql, counts: Record<string, SyncCounts>, changed: Set<string>): Promise<void>;
}

/**
 * The frame every importer runs in: prepare (read and map, no database writes), refuse under
 * --strict when there are problems, then one transaction that takes the import lock, writes,
 * appends the change feed and records the ImportRun. A failure records a FAILED run afterwards
 * and rethrows with the summary attached (`err.summary`).
 */
export async function runImport(
  sql: Sql,
  opts: { source: ImportSource; path: string; strict?: boolean; progress: { line(m: string): void; end(): void } },
  prepare: () => Promise<PreparedImport>,
): Promise<ImportSummary> {
  const started = new Date();
  let prepared: PreparedImport | null = null;
  const summaryOf = (
    status: 'OK' | 'FAILED',
    counts: Record<string, SyncCounts>,
    changes: number,
    problems: ImportProblem[],
  ): ImportSummary => {
    const finished = new Date();
    return {
      runId: null,
      source: opts.source,
      sourceVersion: prepared?.sourceVersion ?? null,
      path: prepared?.path ?? opts.path,
      status,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      ...(prepared?.files ? { files: prepared.files } : {}),
      counts,
      changes,
      problems,
      notImported: prepared?.notImported ?? {},
    };
  };
  try {
    prepared = await prepare();
    const p = prepared;
    if (opts.strict && p.problems.length > 0) {
      throw new ImportError(
        `${p.problems.length} problem(s) in ${p.path} and --strict is set; nothing imported`,
        p.problems,
        'IMPORT_STRICT',
      );
    }
    const summary = await sql.transaction(async (tx) => {
      await lockImports(tx);
      opts.progress.line('transaction started');
      const counts: Record<string, SyncCounts> = {};
      const changed = new Set<string>();
      await p.write(tx, counts, changed);
      const changes = await recordChanges(tx, changed, { source: opts.source, sourceVersion: p.sourceVersion });
      const s = summaryOf('OK', counts, changes, p.problems);
      s.runId = await recordRun(tx, s);
      return s;
    });
    opts.progress.line(`committed in ${summary.durationMs} ms`);
    opts.progress.end();
    return summary;
  } catch (err) {
    opts.progress.end();
    let e: ImportError;
    if (err instanceof ImportError) e = err;
    else {
      e = new ImportError((err as Error).message, prepared?.problems ?? []);
      e.cause = err;
    }
    const summary = summaryOf('FAILED', {}, 0, e.problems);
    summary.message = e.message;
    await recordRun(sql, summary).catch(() => {});
    throw Object.assign(e, { summary });
  }
}
