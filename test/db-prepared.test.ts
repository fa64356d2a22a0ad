// Prepared statements (src/db/sql.ts): a registered text runs as a named prepared statement on
// PostgreSQL, parsed once per connection, in and out of transactions; an unregistered text leaves
// nothing prepared; the registry stops at MAX_PREPARED; PGlite answers registered texts as any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/index.ts';
import { MAX_PREPARED, prepared, preparedName } from '../src/db/sql.ts';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';

for (const kind of testTargets()) {
  describe(`prepared statements (${kind})`, () => {
    let t: TestDatabase;
    let db: Database;
    beforeAll(async () => {
      t = await freshDatabase(kind);
      // One connection: every statement below runs on the connection the check looks at.
      db = t.target.kind === 'postgres' ? await openDatabase({ ...t.target, poolSize: 1 }) : await t.open();
    });
    afterAll(async () => {
      await db?.close();
      await t?.drop();
    });

    it('answers a registered text, in and out of a transaction, and prepares it once per connection on PostgreSQL', async () => {
      const text = prepared('SELECT $1::int + 1 AS n /* db-prepared.test */');
      expect(preparedName(text)).toMatch(/^vc_\d+$/);
      const plain = 'SELECT $1::int + 2 AS n /* db-prepared.test, not registered */';
      for (let i = 0; i < 3; i++) expect(await db.sql.query(text, [i])).toEqual([{ n: i + 1 }]);
      expect(await db.sql.transaction((tx) => tx.query(text, [10]))).toEqual([{ n: 11 }]);
      expect(await db.sql.query(plain, [1])).toEqual([{ n: 3 }]);
      if (kind !== 'postgres') return;
      const held = await db.sql.query<{ name: string; statement: string }>(
        `SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%db-prepared.test%'`,
      );
      expect(held).toEqual([{ name: preparedName(text), statement: text }]);
    });

    it(`registers at most ${MAX_PREPARED} texts; later ones run unprepared`, async () => {
      for (let i = 0; i < MAX_PREPARED; i++) prepared(`SELECT ${i} AS n /* db-prepared.test filler */`);
      const late = prepared('SELECT 1 AS late /* db-prepared.test */');
      expect(preparedName(late)).toBeUndefined();
      expect(await db.sql.query(late)).toEqual([{ late: 1 }]);
    });
  });
}
