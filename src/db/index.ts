// Builds the database handle: a PostgreSQL pool or an embedded PGlite in a data folder, with one
// Prisma client (through the matching driver adapter) and one raw SQL interface over the same
// connections. The rest of the code never knows which one it got. The Prisma client, and its
// generated module, are loaded on the first read of `db.prisma` (the service's reads and writes go
// through `sql`; a client nobody uses costs memory for its whole life).
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
// Each driver is loaded when a database of its kind is opened: a CLI command pays for one (PGlite
// alone takes a second to load), not both.
import type pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Config } from '../config/index.ts';
import { DatabaseError } from './errors.ts';
import { pgliteSql, pgSql, type Sql } from './sql.ts';

export type DatabaseTarget = Config['database'];

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly sql: Sql;
  /** The Prisma client, built (its module loaded) on the first read. */
  readonly prisma: Promise<PrismaClient>;
  /** Adapter factory for the wasm schema engine (migrations), with the function that releases it. */
  readonly migrationAdapter: () => { factory: SqlMigrationAwareDriverAdapterFactory; release(): Promise<void> };
  /** Where the data is, with no secrets, for logs. */
  readonly description: string;
  close(): Promise<void>;
}

async function loadPg(): Promise<typeof pg> {
  const { default: pgModule } = await import('pg');
  // DATE columns come back as 'YYYY-MM-DD' strings, not local-midnight Date objects.
  pgModule.types.setTypeParser(1082, (v) => v);
  // int8 (counts, bigserial): numbers; our values stay far below 2^53.
  pgModule.types.setTypeParser(20, (v) => Number(v));
  return pgModule;
}

/** A value built on first use; `built` is what was built so far (undefined until then). */
export function lazy<T>(build: () => T): { get(): T; readonly built: T | undefined } {
  let value: T | undefined;
  return {
    get: () => (value ??= build()),
    get built() {
      return value;
    },
  };
}

/** A Prisma client on `adapter`; the generated client's module is loaded on the first call. */
async function prismaClient(adapter: SqlDriverAdapterFactory): Promise<PrismaClient> {
  const { PrismaClient } = await import('../generated/prisma/client.ts');
  return new PrismaClient({ adapter });
}

/** Disconnects a client that was asked for; one whose build failed has nothing to disconnect. */
async function disconnect(client: Promise<PrismaClient> | undefined): Promise<void> {
  await client?.then((c) => c.$disconnect()).catch(() => {});
}

function ignoreClientError(): void {
  // See openPostgres: the failing statement reports the error; this only keeps the process alive.
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

/**
 * The same database with its SQL interface replaced (a replica's reads, a statement counter, a
 * cancellable view). Everything else, the lazily built Prisma client included, is the original's:
 * spreading `{ ...db }` would read the `prisma` getter and build the client for nothing.
 */
export function withSql(db: Database, sql: Sql): Database {
  return Object.create(db, { sql: { value: sql, enumerable: true } }) as Database;
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'postgres'
    ? openPostgres(target.url, target.poolSize, target.statementTimeoutMs ?? 0)
    : openPglite(target.dataDir);
}

/**
 * Both driver adapters run migration scripts unsafely: @prisma/adapter-pg splits the script on
 * every ';' (inside comments and PL/pgSQL bodies too) and sends the pieces outside a transaction,
 * so a function definition breaks and a failure leaves a half-applied migration; the PGlite
 * adapter starts `exec` without awaiting it, so errors are lost and the engine records a failed
 * migration as applied. Send the script whole and wait for it: PostgreSQL (and PGlite) run a
 * multi-statement simple query as one implicit transaction.
 */
function wholeScriptAdapter<F extends SqlMigrationAwareDriverAdapterFactory>(factory: F, run: (script: string) => Promise<unknown>): F {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    adapter.executeScript = async (script: string) => {
      try {
        await run(script);
      } catch (error) {
        (adapter as unknown as { onError(e: unknown): never }).onError(error);
      }
    };
    return adapter;
  };
  return factory;
}

async function openPostgres(url: string, poolSize: number, statementTimeoutMs: number): Promise<Database> {
  const [pg, { PrismaPg }] = await Promise.all([loadPg(), import('@prisma/adapter-pg')]);
  // connectionTimeoutMillis: a request waiting for a connection during an outage (or behind a
  // full pool) gets DATABASE_UNAVAILABLE after a bounded wait instead of hanging. keepAlive finds
  // connections whose server vanished without closing them.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    // The server cancels a statement that runs longer (SQLSTATE 57014): a slow or locked database
    // answers 503 with Retry-After instead of holding requests and connections without end.
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // Every client, for its whole life, has an 'error' listener of its own: pg-pool listens only
  // while a client is idle, and a backend that dies while its client is checked out (between two
  // statements of a transaction, or between pool.query's checkout and its statement) would
  // otherwise emit an unhandled 'error' and end the process. The statement in flight still fails
  // on its own, and a dead client handed back is discarded by the pool (it is not queryable).
  pool.on('connect', (client) => client.on('error', ignoreClientError));
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new DatabaseError('DB_UNREACHABLE', `cannot reach PostgreSQL at ${redact(url)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const prisma = lazy(() => prismaClient(new PrismaPg(pool)));
  return {
    kind: 'postgres',
    sql: pgSql(pool),
    get prisma() {
      return prisma.get();
    },
    migrationAdapter: () => {
      // The engine may keep a connection it no longer uses; a short idle timeout closes it.
      const own = new pg.Pool({
        connectionString: url,
        max: 2,
        idleTimeoutMillis: 50,
        allowExitOnIdle: true,
        connectionTimeoutMillis: 10_000,
      });
      // Same as the main pool: a lost idle connection is replaced, never an unhandled 'error'.
      own.on('error', () => {});
      own.on('connect', (client) => client.on('error', ignoreClientError));
      return { factory: wholeScriptAdapter(new PrismaPg(own), (script) => own.query(script)), release: () => own.end() };
    },
    description: `PostgreSQL ${redact(url)}`,
    async close() {
      await disconnect(prisma.built);
      await pool.end();
    },
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite keeps one process per data folder; a second opener would corrupt it. The lock file is
 * created exclusively (O_CREAT|O_EXCL), so of two openers exactly one wins. A lock left by a dead
 * process is taken over by renaming it aside under a name only this process uses (rename is atomic:
 * of two processes recovering the same stale lock only one moves it), then creating afresh.
 */
export function takeLock(dataDir: string): () => void {
  const lock = join(dataDir, 'virtcompat.lock');
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return () => {
        // Remove only our own lock: a stale-lock recovery elsewhere may have replaced it.
        if (readPid(lock) === process.pid) rmSync(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = readPid(lock);
    if (pid === undefined) {
      // Created but not yet written by its owner (or removed meanwhile): look again shortly.
      sleepSync(10 + attempt * 5);
      continue;
    }
    if (pid !== process.pid && pidAlive(pid)) {
      throw new DatabaseError(
        'DB_LOCKED',
        `the embedded database in ${dataDir} is in use by process ${pid}; stop it first, or point DATABASE_URL at a PostgreSQL server for several processes`,
      );
    }
    // Stale (its process is gone) or left by this very process: move it aside and try again. If
    // another process moved it first, the rename fails and the next exclusive create decides.
    const aside = `${lock}.stale.${process.pid}`;
    try {
      renameSync(lock, aside);
      // Another recoverer may have replaced the stale lock with its live one between our read
      // and the rename: then put it back and let the create fail against it.
      const moved = readPid(aside);
      if (moved !== undefined && moved !== pid && moved !== process.pid && pidAlive(moved)) {
        try {
          linkSync(aside, lock);
        } catch {
          // a third process created a lock meanwhile; it holds.
        }
      }
      rmSync(aside, { force: true });
    } catch {
      // gone already
    }
  }
  throw new DatabaseError('DB_LOCKED', `could not take the lock file ${lock}: it keeps changing hands`);
}

function readPid(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function openPglite(dataDir: string): Promise<Database> {
  const memory = dataDir.startsWith('memory://');
  let release = () => {};
  if (!memory) {
    mkdirSync(dataDir, { recursive: true });
    release = takeLock(dataDir);
  }
  let db: PGlite;
  let PrismaPGlite: typeof import('pglite-prisma-adapter').PrismaPGlite;
  try {
    const [{ PGlite }, adapter] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
    PrismaPGlite = adapter.PrismaPGlite;
    db = await PGlite.create(memory ? dataDir : join(dataDir, 'pgdata'));
  } catch (err) {
    release();
    throw new DatabaseError('DB_UNREACHABLE', `cannot open the embedded database in ${dataDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const prisma = lazy(() => prismaClient(new PrismaPGlite(db)));
  return {
    kind: 'pglite',
    sql: pgliteSql(db),
    get prisma() {
      return prisma.get();
    },
    migrationAdapter: () => ({ factory: wholeScriptAdapter(new PrismaPGlite(db), (script) => db.exec(script)), release: async () => {} }),
    description: memory ? `embedded PGlite (${dataDir})` : `embedded PGlite in ${dataDir}`,
    async close() {
      await disconnect(prisma.built);
      await db.close();
      release();
    },
  };
}
