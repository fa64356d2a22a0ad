import { describe, it, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, testTargets } from './helpers/db.ts';
import { openDatabase } from '../src/db/index.ts';
import { checkHistory, localMigrations, migrate } from '../src/db/migrate.ts';
import { DatabaseError } from '../src/db/errors.ts';
import { at } from '../src/util/must.ts';

const expectCode = async (p: Promise<unknown>, code: string, re?: RegExp) => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DatabaseError, `expected DatabaseError, got ${err}`);
    assert.equal(err.code, code);
    if (re) assert.match(err.message, re);
    return true;
  });
};

for (const kind of testTargets()) {
  describe(`migrations on ${kind}`, () => {
    it('applies every committed migration to an empty database, then nothing', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        const names = localMigrations().map((m) => m.name);
        assert.ok(names.length >= 1);
        assert.deepEqual(await migrate(db), names);
        assert.deepEqual(await migrate(db), []);
        const status = await checkHistory(db);
        assert.deepEqual(status.pending, []);
        assert.deepEqual([...status.applied].sort(), names);
        const row = at(await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS"`), 0, 'row');
        assert.equal(row.n, 0);
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('gives a hypervisor release written without machine types or firmware empty lists, and refuses NULL', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        await migrate(db);
        // As the vendor fixtures write one: no machineTypes, no firmware.
        await db.sql.query(`INSERT INTO "Hypervisor" (id, key, name, family, "updatedAt") VALUES ('hv:x', 'x', 'X', 'KVM', now())`);
        await db.sql.query(
          `INSERT INTO "HypervisorRelease" (id, "hypervisorId", version, name, "updatedAt") VALUES ('hv:x:1', 'hv:x', '1', 'X 1', now())`,
        );
        const [r] = await db.sql.query<{ machineTypes: string[]; firmware: string[] }>(
          `SELECT "machineTypes", firmware FROM "HypervisorRelease" WHERE id = 'hv:x:1'`,
        );
        assert.deepEqual({ ...r }, { machineTypes: [], firmware: [] });
        await assert.rejects(db.sql.query(`UPDATE "HypervisorRelease" SET "machineTypes" = NULL WHERE id = 'hv:x:1'`), (err: unknown) => {
          assert.equal((err as { code?: string }).code, '23502', `a not-null violation, got ${err}`);
          return true;
        });
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('builds the Prisma client on the first read of db.prisma, once', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        assert.equal(typeof Object.getOwnPropertyDescriptor(db, 'prisma')?.get, 'function', 'a getter, not a client built at open');
        const client = await db.prisma;
        assert.equal(await db.prisma, client);
        assert.equal(typeof client.$disconnect, 'function');
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('refuses a history with a failed migration, naming it', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        await migrate(db);
        await db.sql.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
           VALUES ('x1', 'abc', '29990101000000_broken', 'ERROR: relation exists', now(), 0)`,
        );
        await expectCode(migrate(db), 'MIGRATION_HISTORY_FAILED', /29990101000000_broken failed.*relation exists/);
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('refuses a history with a migration this version does not know', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        await migrate(db);
        await db.sql.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ('x2', 'abc', '29990101000000_from_the_future', now(), now(), 1)`,
        );
        await expectCode(checkHistory(db), 'MIGRATION_HISTORY_FOREIGN', /from_the_future/);
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('refuses a migration edited after it was applied', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        await migrate(db);
        const first = at(localMigrations(), 0).name;
        await db.sql.query(`UPDATE _prisma_migrations SET checksum = 'tampered' WHERE migration_name = $1`, [first]);
        await expectCode(migrate(db), 'MIGRATION_MODIFIED', new RegExp(first));
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('applies a migration all or nothing, PL/pgSQL bodies and comments with semicolons included', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vc-mig-'));
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        const write = (name: string, sql: string) => {
          mkdirSync(join(dir, name));
          writeFileSync(join(dir, name, 'migration.sql'), sql);
        };
        write(
          '20000101000000_ok',
          `-- a comment; with a semicolon\nCREATE TABLE kept (id int);\n` +
            `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;\n`,
        );
        assert.deepEqual(await migrate(db, dir), ['20000101000000_ok']);
        const { one } = at(await db.sql.query<{ one: number }>(`SELECT f() AS one`), 0);
        assert.equal(one, 1);
        write('20000102000000_bad', `CREATE TABLE half (id int);\nSELECT * FROM no_such_table;\n`);
        await expectCode(migrate(db, dir), 'MIGRATION_FAILED', /no_such_table/);
        const { half } = at(await db.sql.query<{ half: string | null }>(`SELECT to_regclass('public.half')::text AS half`), 0);
        assert.equal(half, null, 'the failed migration left nothing behind');
        await expectCode(migrate(db, dir), 'MIGRATION_HISTORY_FAILED', /20000102000000_bad/);
      } finally {
        await db.close();
        await t.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a database that holds tables but no migration history', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        await db.sql.query(`CREATE TABLE someone_elses (id int)`);
        await expectCode(migrate(db), 'SCHEMA_NOT_EMPTY', /not a virtcompat database/);
        const row = at(
          await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`),
          0,
          'row',
        );
        assert.equal(row.n, 1, 'nothing was created in a database we refused');
      } finally {
        await db.close();
        await t.drop();
      }
    });
  });
}

describe('embedded database folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps data across reopen', async () => {
    const db = await openDatabase({ kind: 'pglite', dataDir: dir });
    await migrate(db);
    await db.sql.query(`INSERT INTO "Vendor"(id, name, "updatedAt") VALUES ('acme', 'Acme', now())`);
    await db.close();
    const again = await openDatabase({ kind: 'pglite', dataDir: dir });
    try {
      assert.deepEqual(await migrate(again), []);
      const rows = await again.sql.query<{ name: string }>(`SELECT name FROM "Vendor"`);
      assert.deepEqual(rows, [{ name: 'Acme' }]);
    } finally {
      await again.close();
    }
  });

  it('refuses a folder another live process holds', async () => {
    writeFileSync(join(dir, 'virtcompat.lock'), String(process.ppid));
    await expectCode(openDatabase({ kind: 'pglite', dataDir: dir }), 'DB_LOCKED', new RegExp(`process ${process.ppid}`));
    rmSync(join(dir, 'virtcompat.lock'));
  });
});
