// Reads on streaming replicas, writes on the primary. Each replica's position is read every
// `pollMs`: the WAL it has replayed (every write, pending submissions included) and the newest
// change-feed sequence number in it (the feed is replicated like every table). A read that must
// reflect a write (read-your-writes: the caller's last write, or the position it says it has seen)
// goes to a replica that has replayed that far, else to the primary.
// A replica that fails a read with a connection-class error (or a recovery conflict) is marked down
// and the read is run again on the primary, so losing a replica costs its callers nothing but
// latency; the poll brings it back once it answers.
import type pg from 'pg';
import type { Database } from './index.ts';
import { classifySqlState, classifyDbError } from './classify.ts';
import { pgSql, type Sql } from './sql.ts';

export interface ReplicaStatus {
  name: string;
  /** Where it is, without credentials. */
  description: string;
  up: boolean;
  /** Newest change-feed sequence number replayed, as last polled. */
  position: string;
  /** WAL replayed, as last polled (`0/3000148`). */
  lsn: string;
  lastError?: string;
}

/** Where a read went: `primary` or the replica's name (`replica-1` ...). */
export type ReadTarget = string;

export interface ReadView {
  target: ReadTarget;
  /** Reads on the chosen database, falling back to the primary; transactions always on the primary. */
  sql: Sql;
}

/** What a read must reflect: a change-feed position and a WAL position on the primary. */
export interface ReadFloor {
  seq?: bigint;
  lsn?: bigint;
}

/** `0/3000148` → a number that orders like the WAL. */
export function parseLsn(text: string): bigint | undefined {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  return m?.[1] && m[2] ? (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`) : undefined;
}

export interface ReadRouter {
  /** The database for a read that must reflect `floor` (nothing: any replica that is up). */
  route(floor?: ReadFloor): ReadView;
  status(): ReplicaStatus[];
  /** Counts of reads served per target since start (for /readyz, logs and tests). */
  served(): Record<ReadTarget, number>;
  /** Resolves after every replica has been polled once. */
  ready: Promise<void>;
  close(): Promise<void>;
}

interface Replica extends ReplicaStatus {
  pool?: pg.Pool;
  sql?: Sql;
  seq: bigint;
  walLsn: bigint;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgresql://<unparseable url>';
  }
}

/** A replica answer that should be asked of the primary instead. */
function replicaFault(err: unknown): boolean {
  if (classifyDbError(err)?.kind === 'UNAVAILABLE') return true;
  const code = (err as { code?: unknown }).code;
  // 40001 here is "canceling statement due to conflict with recovery"; 25006 a write sent to a standby.
  return typeof code === 'string' && (code === '40001' || code === '25006' || classifySqlState(code) === 'UNAVAILABLE');
}

export function createReadRouter(
  primary: Database,
  urls: readonly string[],
  opts: { pollMs: number; poolSize: number; statementTimeoutMs?: number },
): ReadRouter {
  const replicas: Replica[] = urls.map((url, i) => ({
    name: `replica-${i + 1}`,
    description: `PostgreSQL ${redact(url)}`,
    up: false,
    position: '0',
    lsn: '0/0',
    seq: 0n,
    walLsn: 0n,
  }));
  const served: Record<string, number> = { primary: 0 };
  for (const r of replicas) served[r.name] = 0;
  let next = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const markDown = (r: Replica, err: unknown) => {
    r.up = false;
    r.lastError = err instanceof Error ? err.message : String(err);
  };

  const poll = async () => {
    await Promise.all(
      replicas.map(async (r) => {
        if (!r.sql) return;
        try {
          const [row] = await r.sql.query<{ seq: string; lsn: string | null }>(
            `SELECT coalesce(max(seq), 0)::text AS seq, pg_last_wal_replay_lsn()::text AS lsn FROM "Change"`,
          );
          r.seq = BigInt(row?.seq ?? '0');
          r.position = r.seq.toString();
          // Null on a server that is not a standby: it holds everything it has, so nothing is missing.
          r.lsn = row?.lsn ?? 'primary';
          r.walLsn = row?.lsn ? (parseLsn(row.lsn) ?? 0n) : BigInt('0xFFFFFFFFFFFFFFFF');
          r.up = true;
          r.lastError = undefined;
        } catch (err) {
          markDown(r, err);
        }
      }),
    );
  };

  const ready = (async () => {
    if (replicas.length === 0) return;
    const { default: pgModule } = await import('pg');
    urls.forEach((url, i) => {
      const r = replicas[i];
      if (!r) return;
      const pool = new pgModule.Pool({
        connectionString: url,
        max: opts.poolSize,
        idleTimeoutMillis: 30_000,
        // A lost replica must not hold a read for long: the primary answers instead.
        connectionTimeoutMillis: 2_000,
        keepAlive: true,
        ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
      });
      pool.on('error', () => {});
      pool.on('connect', (c) => c.on('error', () => {}));
      r.pool = pool;
      r.sql = pgSql(pool);
    });
    await poll();
    const tick = async () => {
      if (closed) return;
      await poll();
      if (!closed) {
        timer = setTimeout(tick, opts.pollMs);
        timer.unref();
      }
    };
    timer = setTimeout(tick, opts.pollMs);
    timer.unref();
  })();
  ready.catch(() => {});

  const primaryView = (): ReadView => ({
    target: 'primary',
    sql: {
      query(text, params) {
        served.primary = (served.primary ?? 0) + 1;
        return primary.sql.query(text, params);
      },
      transaction: (fn) => primary.sql.transaction(fn),
    },
  });

  return {
    ready,
    route(floor = {}) {
      const seq = floor.seq ?? 0n;
      const lsn = floor.lsn ?? 0n;
      const candidates = replicas.filter((r) => r.up && r.sql && r.seq >= seq && r.walLsn >= lsn);
      if (candidates.length === 0) return primaryView();
      const r = candidates[next++ % candidates.length];
      if (!r?.sql) return primaryView();
      const rsql = r.sql;
      return {
        target: r.name,
        sql: {
          async query(text, params) {
            if (r.up) {
              try {
                const rows = await rsql.query(text, params);
                served[r.name] = (served[r.name] ?? 0) + 1;
                return rows as never;
              } catch (err) {
                if (!replicaFault(err)) throw err;
                markDown(r, err);
              }
            }
            served.primary = (served.primary ?? 0) + 1;
            return primary.sql.query(text, params);
          },
          transaction: (fn) => primary.sql.transaction(fn),
        },
      };
    },
    status: () =>
      replicas.map(({ name, description, up, position, lsn, lastError }) => ({ name, description, up, position, lsn, lastError })),
    served: () => ({ ...served }),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready;
      await Promise.allSettled(replicas.map((r) => r.pool?.end()));
    },
  };
}
