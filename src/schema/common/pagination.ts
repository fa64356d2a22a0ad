// Relay cursor pagination by keyset: `ORDER BY <sort>, id` and a cursor holding the last row's
// sort value and id, so pages stay stable while rows are added and cost no OFFSET scan.
import { appError, ErrorCode, badInput } from '../../errors.ts';
import { prepared, type Sql } from '../../db/sql.ts';
import { must } from '../../util/must.ts';

export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Keyset {
  /** SQL expression of the sort key (never NULL: wrap in COALESCE). */
  expr: string;
  /** How to read the sort key back from a row. */
  value: (row: Record<string, unknown>) => string;
  direction: 'ASC' | 'DESC';
}

export function pageSize(first: number | null | undefined, fallback = 20): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${n}`, 'first');
  }
  return n;
}

export function encodeCursor(sortValue: string, id: string): string {
  return Buffer.from(JSON.stringify([sortValue, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // A NUL byte could never have been issued (PostgreSQL text cannot hold one) and must not reach it.
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      !`${v[0]}${v[1]}`.includes('\u0000')
    ) {
      return [v[0], v[1]];
    }
  } catch {
    // fall through
  }
  throw appError(ErrorCode.BAD_CURSOR, `cursor ${JSON.stringify(cursor.slice(0, 80))} is not one this service issued`);
}

const MAX_BIGINT = 9223372036854775807n;

/**
 * A sequence cursor (the audit log's and the change feed's: a bigint id as decimal digits), checked
 * here so a value PostgreSQL would refuse (not digits, or past the bigint range) is BAD_CURSOR
 * before any SQL runs. Null or empty: from the start, '0'.
 */
export function decodeSeqCursor(after: string | null | undefined): string {
  if (after == null || after === '') return '0';
  if (!/^\d{1,19}$/.test(after) || BigInt(after) > MAX_BIGINT) {
    throw appError(ErrorCode.BAD_CURSOR, `cursor ${JSON.stringify(after.slice(0, 40))} is not one this service issued`);
  }
  return after;
}

/** Builds WHERE/ORDER/LIMIT for a keyset page; params are appended to `params`. */
export function keysetClause(
  keyset: Keyset,
  idExpr: string,
  args: PageArgs,
  params: unknown[],
  fallback = 20,
): { where: string | null; order: string; limit: string; size: number } {
  const size = pageSize(args.first, fallback);
  const op = keyset.direction === 'ASC' ? '>' : '<';
  let where: string | null = null;
  if (args.after) {
    const [v, id] = decodeCursor(args.after);
    params.push(v, id);
    where = `(${keyset.expr}, ${idExpr}) ${op} ($${params.length - 1}::text, $${params.length}::text)`;
  }
  return {
    where,
    order: `ORDER BY ${keyset.expr} ${keyset.direction}, ${idExpr} ${keyset.direction}`,
    limit: `LIMIT ${size + 1}`,
    size,
  };
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

export function toConnection<T extends { id: string }>(
  rows: T[],
  size: number,
  keyset: Keyset,
  hadCursor: boolean,
  count: () => Promise<number>,
): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyset.value(node as Record<string, unknown>), node.id), node }));
  let memo: Promise<number> | undefined;
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (memo ??= count()),
  };
}

/** Collects WHERE conditions with bound parameters. */
export class Where {
  readonly conds: string[] = [];
  constructor(readonly params: unknown[] = []) {}
  /** Adds a condition; `$?` in the text is replaced by the bound parameter's placeholder. */
  add(cond: string, ...values: unknown[]): this {
    let text = cond;
    for (const v of values) {
      this.params.push(v);
      text = text.replace('$?', `$${this.params.length}`);
    }
    this.conds.push(text);
    return this;
  }
  sql(extra: Array<string | null> = []): string {
    const all = [...this.conds, ...extra.filter((x): x is string => !!x)];
    return all.length ? `WHERE ${all.join(' AND ')}` : '';
  }
}

/**
 * What is joined to a page's rows in the page's own statement (the guest list's device counts):
 * the page is the CTE `page` (its ids: `SELECT id FROM page`), `ctes` follow it, `select` adds
 * columns to each row from `join`, and `take` turns such a row into the node (dropping the added
 * columns and the page's ordinal `pageOrd`).
 */
export interface PageJoin<T> {
  ctes: string;
  select: string;
  join: string;
  take(row: Record<string, unknown>): T;
}

/**
 * One page of `SELECT <select> FROM <from>` under the filter in `where`, ordered by the keyset,
 * with totalCount counted lazily under the same filter. `prime` sees each row (loader priming).
 * `join` adds facts about the page's rows in the same statement; `prepare` runs the statement
 * prepared (for texts that vary only with the sort and page size, never with a filter's values).
 */
export async function keysetPage<T extends { id: string }>(
  sql: Sql,
  q: {
    select: string;
    from: string;
    idExpr: string;
    where: Where;
    keyset: Keyset;
    args: PageArgs;
    fallback?: number;
    join?: PageJoin<T>;
    prepare?: boolean;
  },
  prime?: (row: T) => void,
): Promise<Connection<T>> {
  const countParams = [...q.where.params];
  const countSql = `SELECT count(*)::int AS n FROM ${q.from} ${q.where.sql()}`;
  const page = keysetClause(q.keyset, q.idExpr, q.args, q.where.params, q.fallback);
  const from = `FROM ${q.from} ${q.where.sql([page.where])} ${page.order} ${page.limit}`;
  const text = q.join
    ? `WITH page AS (SELECT ${q.select}, row_number() OVER (${page.order})::int AS "pageOrd" ${from}), ${q.join.ctes}
       SELECT page.*, ${q.join.select} FROM page ${q.join.join} ORDER BY page."pageOrd"`
    : `SELECT ${q.select} ${from}`;
  const found = await sql.query<T>(q.prepare ? prepared(text) : text, q.where.params);
  const join = q.join;
  const rows = join ? found.map((r) => join.take(r as unknown as Record<string, unknown>)) : found;
  if (prime) for (const r of rows) prime(r);
  return toConnection(rows, page.size, q.keyset, !!q.args.after, async () => {
    const { n } = must((await sql.query<{ n: number }>(countSql, countParams))[0], 'a count(*) row');
    return n;
  });
}
