// Real databases for tests: the embedded PGlite always; PostgreSQL too when DATABASE_URL is set,
// with a fresh database created on that server per call and dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database, type DatabaseTarget } from '../../src/db/index.ts';

export type TargetKind = 'pglite' | 'postgres';

/** The database kinds this run covers: pglite always, postgres when DATABASE_URL is set. */
export function testTargets(): TargetKind[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  target: DatabaseTarget;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given kind. */
export async function freshDatabase(kind: TargetKind): Promise<TestDatabase> {
  const name = `vc_test_${randomBytes(6).toString('hex')}`;
  if (kind === 'pglite') {
    const target: DatabaseTarget = { kind: 'pglite', dataDir: `memory://${name}` };
    return { target, open: () => openDatabase(target), async drop() {} };
  }
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const target: DatabaseTarget = { kind: 'postgres', url: url.toString(), poolSize: 5 };
  return {
    target,
    open: () => openDatabase(target),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
