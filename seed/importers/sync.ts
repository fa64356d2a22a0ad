// Set-based synchronisation of one table with the rows an importer computed:
// 1. load: the rows travel once, as column arrays through unnest, into a temporary table;
// 2. plan: one read-only statement counts what is new, changed-and-owned, stale-and-owned,
//    unchanged and kept (changed but someone else's). Change detection is PostgreSQL's
//    (`IS DISTINCT FROM` on the compared columns), the same on PostgreSQL and PGlite whatever the
//    drivers return;
// 3. write, only when the plan found something: one statement whose data-modifying CTEs insert,
//    update and delete, returning the change-feed entities.
// A no-change re-import therefore executes no INSERT/UPDATE/DELETE on catalogue tables: no row
// versions, no updatedAt bumps, no Change rows, no statement triggers. Measured in
// bench/import.ts against INSERT .. ON CONFLICT DO UPDATE (see the figures in the README).
import type { Sql } from '../../src/db/sql.ts';
import { appendChanges } from '../../src/catalogue/changes.ts';
import { InvariantError, must } from '../../src/util/must.ts';

export type ColumnType = 'text' | 'int4' | 'int8' | 'bool' | 'date' | 'jsonb' | 'text[]' | { enum: string } | { enumArray: string };

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export interface TableSpec<R> {
  /** Table name as Prisma created it (quoted in SQL). */
  table: string;
  /** Primary-key (or unique) columns identifying a row. */
  key: string[];
  /** Every column the importer writes, key columns included. */
  columns: ColumnSpec[];
  /** Columns whose difference makes an update; others (sourceVersion...) are written only along with a change. */
  compare: string[];
  /** Sets "updatedAt" = now() on insert and update (Prisma @updatedAt has no database default). */
  updatedAt?: boolean;
  /**
   * SQL predicate over the existing row (alias `t`) saying this importer owns it: only owned rows
   * are updated or deleted. $OWN is replaced by the parameter holding `own`.
   */
  owned: string;
  /** Predicate (same form as `owned`) for the rows the scope may delete; default `owned`. */
  prunable?: string;
  own: readonly string[];
  /** Delete owned rows whose `column` is one of `values` and which the source no longer has. */
  scope?: { column: string; values: readonly string[] };
  /** Change-feed entity of a row (SQL expressions over the row's columns, unqualified). */
  change?: { entityType: string; entityId: string };
  /** Reads a column's value out of a computed row. */
  get(row: R, column: string): unknown;
}

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Rows the source has but which belong to someone else (curated, vendor:*): left as they are. */
  kept: number;
}

export interface SyncResult {
  counts: SyncCounts;
  /** Change-feed entities touched: `${entityType}\u0000${entityId}`. */
  changed: Set<string>;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Arrays travel as one text per row, joined by U+001F, since unnest flattens text[][]. */
const SEP = '\u001f';

function paramType(t: ColumnType): string {
  if (typeof t === 'object') return 'text[]';
  if (t === 'text[]' || t === 'jsonb') return 'text[]';
  return `${t}[]`;
}

function selectExpr(c: ColumnSpec): string {
  const col = `s.${q(c.name)}`;
  if (typeof c.type === 'object' && 'enumArray' in c.type)
    return `string_to_array(${col}, E'\\x1f')::${q(c.type.enumArray)}[] AS ${q(c.name)}`;
  if (typeof c.type === 'object') return `${col}::${q(c.type.enum)} AS ${q(c.name)}`;
  if (c.type === 'text[]') return `string_to_array(${col}, E'\\x1f') AS ${q(c.name)}`;
  if (c.type === 'jsonb') return `${col}::jsonb AS ${q(c.name)}`;
  return `${col} AS ${q(c.name)}`;
}

function encode(t: ColumnType, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (t === 'text[]' || (typeof t === 'object' && 'enumArray' in t)) {
    const arr = v as string[];
    for (const x of arr) if (x.includes(SEP)) throw new Error(`array element contains U+001F: ${JSON.stringify(x)}`);
    return arr.join(SEP);
  }
  if (t === 'jsonb') return JSON.stringify(v);
  if (t === 'int8') return String(v);
  return v;
}

const usesOwn = <R>(spec: TableSpec<R>) => spec.owned.includes('$OWN') || (spec.prunable ?? '').includes('$OWN');

/** The temporary table an import's rows for one table are loaded into, once per sync. */
const srcTable = <R>(spec: TableSpec<R>) => `"vc_src_${spec.table.replace(/\W/g, '_')}"`;

/** Loads the computed rows into a temporary table: the one place the row data is sent. */
export function buildLoadSql<R>(spec: TableSpec<R>): string {
  const cols = spec.columns.map((c) => q(c.name));
  return `CREATE TEMPORARY TABLE ${srcTable(spec)} ON COMMIT DROP AS
    SELECT ${spec.columns.map(selectExpr).join(', ')}
      FROM unnest(${spec.columns.map((c, i) => `$${i + 1}::${paramType(c.type)}`).join(', ')}) AS s(${cols.join(', ')})`;
}

interface SqlParts {
  /** `WITH matched AS (...)`, shared by the plan and the write. */
  head: string;
  src: string;
  keyMatch: (a: string, b: string) => string;
  distinct: string;
  owned: string;
  prunable: string;
  scopeParam: string;
}

function sqlParts<R>(spec: TableSpec<R>): SqlParts {
  const src = srcTable(spec);
  const keyMatch = (a: string, b: string) => spec.key.map((k) => `${a}.${q(k)} = ${b}.${q(k)}`).join(' AND ');
  const cmpT = spec.compare.map((c) => `t.${q(c)}`).join(', ');
  const cmpS = spec.compare.map((c) => `s.${q(c)}`).join(', ');
  // A one-column row constructor is just that column; ROW() keeps the comparison uniform.
  const distinct = `ROW(${cmpT}) IS DISTINCT FROM ROW(${cmpS})`;
  // Parameters: the owner sources (when the predicate uses them), then the scope.
  const ownUsed = usesOwn(spec);
  const owned = spec.owned.replaceAll('$OWN', '$1::text[]');
  const prunable = (spec.prunable ?? spec.owned).replaceAll('$OWN', '$1::text[]');
  const scopeParam = `$${ownUsed ? 2 : 1}::text[]`;
  const head = `WITH matched AS (
    SELECT ${distinct} AS differs, (${owned}) AS owned
      FROM ${src} s JOIN ${q(spec.table)} t ON ${keyMatch('t', 's')}
  )`;
  return { head, src, keyMatch, distinct, owned, prunable, scopeParam };
}

/**
 * Read-only: how many rows the write would create, update and delete, and how many are unchanged
 * or kept. When the first three are zero the write is skipped, so a no-change import executes no
 * INSERT, UPDATE or DELETE on catalogue tables (and fires no statement triggers).
 */
export function buildPlanSql<R>(spec: TableSpec<R>): string {
  const p = sqlParts(spec);
  const t = q(spec.table);
  return `${p.head}
  SELECT (SELECT count(*)::int FROM ${p.src} s WHERE NOT EXISTS (SELECT 1 FROM ${t} t WHERE ${p.keyMatch('t', 's')})) AS created,
         (SELECT count(*)::int FROM matched WHERE differs AND owned) AS updated,
         (SELECT count(*)::int FROM matched WHERE NOT differs) AS unchanged,
         (SELECT count(*)::int FROM matched WHERE differs AND NOT owned) AS kept,
         ${
           spec.scope
             ? `(SELECT count(*)::int FROM ${t} t WHERE t.${q(spec.scope.column)} = ANY(${p.scopeParam}) AND (${p.prunable})
                   AND NOT EXISTS (SELECT 1 FROM ${p.src} s WHERE ${p.keyMatch('t', 's')}))`
             : '0'
         } AS deleted`;
}

export function buildSyncSql<R>(spec: TableSpec<R>): string {
  const p = sqlParts(spec);
  const cols = spec.columns.map((c) => q(c.name));
  const nonKey = spec.columns.filter((c) => !spec.key.includes(c.name));
  const sets = [...nonKey.map((c) => `${q(c.name)} = s.${q(c.name)}`), ...(spec.updatedAt ? [`"updatedAt" = now()`] : [])];
  const ret = (alias?: string) =>
    spec.change
      ? `${lit(spec.change.entityType)}::text AS et, (${alias ? qualify(spec.change.entityId, alias) : spec.change.entityId})::text AS eid`
      : `NULL::text AS et, NULL::text AS eid`;
  const parts: string[] = [];
  parts.push(`${p.head},
  ins AS (
    INSERT INTO ${q(spec.table)} (${cols.join(', ')}${spec.updatedAt ? ', "updatedAt"' : ''})
    SELECT ${cols.map((c) => `s.${c}`).join(', ')}${spec.updatedAt ? ', now()' : ''} FROM ${p.src} s
     WHERE NOT EXISTS (SELECT 1 FROM ${q(spec.table)} t WHERE ${p.keyMatch('t', 's')})
    RETURNING ${ret()}
  )`);
  if (sets.length > 0) {
    parts.push(`,
  upd AS (
    UPDATE ${q(spec.table)} t SET ${sets.join(', ')}
      FROM ${p.src} s
     WHERE ${p.keyMatch('t', 's')} AND ${p.distinct} AND (${p.owned})
    RETURNING ${ret('t')}
  )`);
  }
  if (spec.scope) {
    parts.push(`,
  del AS (
    DELETE FROM ${q(spec.table)} t
     WHERE t.${q(spec.scope.column)} = ANY(${p.scopeParam}) AND (${p.prunable})
       AND NOT EXISTS (SELECT 1 FROM ${p.src} s WHERE ${p.keyMatch('t', 's')})
    RETURNING ${ret('t')}
  )`);
  }
  parts.push(`
  SELECT 'c' AS op, et, eid, 1 AS n FROM ins
  ${sets.length > 0 ? `UNION ALL SELECT 'u', et, eid, 1 FROM upd` : ''}
  ${spec.scope ? `UNION ALL SELECT 'd', et, eid, 1 FROM del` : ''}
  UNION ALL SELECT 'n', NULL, NULL, count(*)::int FROM matched WHERE NOT differs
  UNION ALL SELECT 'k', NULL, NULL, count(*)::int FROM matched WHERE differs AND NOT owned`);
  return parts.join('');
}

/** Qualifies bare quoted column names in an entity-id expression with a table alias. */
function qualify(expr: string, alias: string): string {
  return expr.replace(/(^|[^.\w"])("(?:[^"]|"")+")/g, (_m, pre: string, col: string) => `${pre}${alias}.${col}`);
}

export async function syncTable<R>(tx: Sql, spec: TableSpec<R>, rows: readonly R[]): Promise<SyncResult> {
  const seen = new Set<string>();
  for (const r of rows) {
    const k = spec.key.map((c) => String(spec.get(r, c))).join('\u0000');
    if (seen.has(k)) throw new Error(`${spec.table}: duplicate key ${spec.key.map((c) => `${c}=${String(spec.get(r, c))}`).join(', ')}`);
    seen.add(k);
  }
  const data: unknown[] = spec.columns.map((c) => rows.map((r) => encode(c.type, spec.get(r, c.name))));
  const params: unknown[] = [];
  if (usesOwn(spec)) params.push([...spec.own]);
  if (spec.scope) params.push([...spec.scope.values]);
  await tx.query(`DROP TABLE IF EXISTS ${srcTable(spec)}`);
  await tx.query(buildLoadSql(spec), data);
  await tx.query(`ANALYZE ${srcTable(spec)}`);
  try {
    const plan = must((await tx.query<SyncCounts>(buildPlanSql(spec), params))[0], 'the sync plan row (the plan query returns one row)');
    if (plan.created + plan.updated + plan.deleted === 0) {
      return {
        counts: { created: 0, updated: 0, unchanged: Number(plan.unchanged), deleted: 0, kept: Number(plan.kept) },
        changed: new Set(),
      };
    }
    return collect(await tx.query<{ op: string; et: string | null; eid: string | null; n: number }>(buildSyncSql(spec), params));
  } finally {
    await tx.query(`DROP TABLE IF EXISTS ${srcTable(spec)}`);
  }
}

function collect(out: { op: string; et: string | null; eid: string | null; n: number }[]): SyncResult {
  const counts: SyncCounts = { created: 0, updated: 0, unchanged: 0, deleted: 0, kept: 0 };
  const changed = new Set<string>();
  for (const r of out) {
    const n = Number(r.n);
    if (r.op === 'c') counts.created += n;
    else if (r.op === 'u') counts.updated += n;
    else if (r.op === 'd') counts.deleted += n;
    else if (r.op === 'n') counts.unchanged += n;
    else if (r.op === 'k') counts.kept += n;
    if ((r.op === 'c' || r.op === 'u' || r.op === 'd') && r.et !== null && r.eid !== null) changed.add(`${r.et}\u0000${r.eid}`);
  }
  return { counts, changed };
}

/**
 * Appends one Change row per touched entity, in a stable order, through the service's own
 * appendChanges (its advisory lock hands out sequence numbers in commit order). Call it last in
 * the transaction.
 */
export async function recordChanges(tx: Sql, changed: Iterable<string>, data: Record<string, unknown>): Promise<number> {
  const list = [...new Set(changed)].sort();
  if (list.length === 0) return 0;
  await appendChanges(
    tx,
    list.map((k) => {
      const [entityType, entityId] = k.split('\u0000');
      if (entityType === undefined || entityId === undefined) throw new InvariantError(`change key ${JSON.stringify(k)} is not type\\0id`);
      return { entityType, entityId, op: 'UPSERT' as const, data };
    }),
  );
  return list.length;
}

export function addCounts(a: SyncCounts, b: SyncCounts): SyncCounts {
  return {
    created: a.created + b.created,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    deleted: a.deleted + b.deleted,
    kept: a.kept + b.kept,
  };
}

export const zeroCounts = (): SyncCounts => ({ created: 0, updated: 0, unchanged: 0, deleted: 0, kept: 0 });
