// Migrations with Prisma's official schema engine, compiled to wasm and driven through the driver
// adapter, so they run offline on PostgreSQL and on PGlite alike. `_prisma_migrations` is kept as
// `prisma migrate deploy` keeps it. A database whose history failed or came from elsewhere stops
// the service with a clear message: it is never silently "fixed".
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { Database } from './index.ts';
import { DatabaseError } from './errors.ts';
import { must } from '../util/must.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MIGRATIONS_DIR = join(ROOT, 'prisma', 'migrations');
export const SCHEMA_PATH = join(ROOT, 'prisma', 'schema.prisma');

type Bg = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
type Engine = Awaited<ReturnType<Bg['SchemaEngine']['new']>>;

let wasmReady: Promise<Bg> | undefined;

/** The wasm file is built for bundlers: instantiate it against its JS glue by hand. */
function loadWasm(): Promise<Bg> {
  wasmReady ??= (async () => {
    const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = fileURLToPath(import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg')).replace(/\.js$/, '.wasm');
    // The engine arms timers (lock and query timeouts) that would hold a finished CLI or test open
    // for ten seconds; unref them so they only fire while something else keeps the process alive.
    const imports: Record<string, unknown> = { ...bg };
    for (const name of Object.keys(bg)) {
      if (name.startsWith('__wbg_setTimeout_')) {
        imports[name] = (fn: () => void, ms: number) => {
          const t = setTimeout(fn, ms >>> 0);
          t.unref();
          return t;
        };
      }
    }
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { './schema_engine_bg.js': imports as never });
    (bg as unknown as { __wbg_set_wasm(x: unknown): void }).__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
    return bg;
  })();
  return wasmReady;
}

async function withEngine<T>(db: Database, fn: (engine: Engine, schema: string) => Promise<T>): Promise<T> {
  const bg = await loadWasm();
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  const adapter = db.migrationAdapter();
  const factory = bindMigrationAwareSqlAdapterFactory(adapter.factory);
  const engine = await bg.SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, factory);
  try {
    return await fn(engine, schema);
  } finally {
    engine.free();
    await adapter.release();
  }
}

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export function localMigrations(dir = MIGRATIONS_DIR): LocalMigration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

function migrationList(dir: string) {
  const lockPath = join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: localMigrations(dir).map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: m.sql } },
    })),
  };
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: string | null;
  rolled_back_at: string | null;
  logs: string | null;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/** Reads `_prisma_migrations` and compares it with prisma/migrations; throws on a history we must not touch. */
export async function checkHistory(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationStatus> {
  const local = localMigrations(dir);
  const [state] = await db.sql.query<{ has_table: boolean; user_tables: number }>(
    `select to_regclass('public._prisma_migrations') is not null as has_table,
            (select count(*)::int from information_schema.tables
              where table_schema = 'public' and table_name <> '_prisma_migrations') as user_tables`,
  );
  const { has_table, user_tables } = must(state, 'the one row a select without FROM returns');
  if (!has_table) {
    if (user_tables > 0) {
      throw new DatabaseError(
        'SCHEMA_NOT_EMPTY',
        `${db.description} has ${user_tables} tables but no migration history (_prisma_migrations); it is not a virtcompat database. Use an empty database.`,
      );
    }
    return { applied: [], pending: local.map((m) => m.name) };
  }
  const rows = await db.sql.query<AppliedRow>(
    `select migration_name, checksum, finished_at::text, rolled_back_at::text, logs
       from _prisma_migrations order by started_at, migration_name`,
  );
  const byName = new Map(local.map((m) => [m.name, m]));
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    throw new DatabaseError(
      'MIGRATION_HISTORY_FAILED',
      `migration ${failed.map((r) => r.migration_name).join(', ')} failed on ${db.description} and was not rolled back` +
        (failed[0]?.logs ? ` (${failed[0].logs.split('\n')[0]})` : '') +
        '. Repair the database by hand, then mark it rolled back; the service will not do it for you.',
    );
  }
  const live = rows.filter((r) => r.rolled_back_at === null);
  const foreign = live.filter((r) => !byName.has(r.migration_name));
  if (foreign.length > 0) {
    throw new DatabaseError(
      'MIGRATION_HISTORY_FOREIGN',
      `${db.description} has migrations this version of virtcompat does not know: ${foreign.map((r) => r.migration_name).join(', ')}. ` +
        'It was migrated by another (newer?) version; refusing to start.',
    );
  }
  const modified = live.filter((r) => byName.get(r.migration_name)!.checksum !== r.checksum);
  if (modified.length > 0) {
    throw new DatabaseError(
      'MIGRATION_MODIFIED',
      `migration ${modified.map((r) => r.migration_name).join(', ')} was changed after it was applied to ${db.description}; refusing to start.`,
    );
  }
  const applied = new Set(live.map((r) => r.migration_name));
  return { applied: [...applied], pending: local.filter((m) => !applied.has(m.name)).map((m) => m.name) };
}

/** Applies pending migrations; returns the names it applied. */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const status = await checkHistory(db, dir);
  if (status.pending.length === 0) return [];
  try {
    const out = await withEngine(db, (engine) =>
      engine.applyMigrations({ migrationsList: migrationList(dir), filters: { externalTables: [], externalEnums: [] } }),
    );
    return out.appliedMigrationNames;
  } catch (err) {
    throw new DatabaseError('MIGRATION_FAILED', `applying migrations to ${db.description} failed: ${errorText(err)}`, {
      cause: err,
    });
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/**
 * Development: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes the
 * committed migrations to prisma/schema.prisma (a shadow database replays them). Returns null when
 * there is nothing to do.
 */
export async function createMigration(db: Database, name: string, dir = MIGRATIONS_DIR): Promise<string | null> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error('migration name: lower-case letters, digits and _ only');
  const script = await withEngine(db, async (engine, schema) => {
    const res = await engine.diff({
      from: localMigrations(dir).length ? { tag: 'migrations', ...migrationList(dir) } : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      exitCode: null,
      shadowDatabaseUrl: null,
      filters: { externalTables: [], externalEnums: [] },
    } as never);
    return (res as { stdout: string }).stdout;
  });
  if (!script.trim() || /^-- This is an empty migration\.\s*$/.test(script.trim())) return null;
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const path = join(dir, `${stamp}_${name}`);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'migration.sql'), script);
  const lock = join(dir, 'migration_lock.toml');
  if (!existsSync(lock)) {
    writeFileSync(
      lock,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return path;
}
