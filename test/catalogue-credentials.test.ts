// The catalogue's digest and its export (virtcompat/catalogue.xml) hold catalogue facts only: a web
// sign-in session (a sealed API key, the hash of a cookie token) is a credential, like an API key.
// It is neither digested nor exported, and a catalogue file that still carries such a table (an
// export from before this rule) restores everything else and no session. On the embedded PGlite,
// and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { CATALOGUE_TABLES, catalogueDigest, catalogueTables, UnclassifiedTableError } from '../src/catalogue/digest.ts';
import { catalogueXml, restoreCatalogue } from '../seed/importers/osinfo/catalogue-xml.ts';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';

const SESSION = { id: 'a'.repeat(64), keyId: 'key-1', sealedKey: 'c2VhbGVkLXNlY3JldC1rZXk=' };

for (const kind of testTargets()) {
  describe(`catalogue digest and export leave credentials out (${kind})`, () => {
    let t: TestDatabase;
    let db: Database;
    beforeAll(async () => {
      t = await freshDatabase(kind);
      db = await t.open();
      await migrate(db);
    }, 600_000);
    afterAll(async () => {
      await db?.close();
      await t?.drop();
    });

    const addSession = (id: string) =>
      db.sql.query(`INSERT INTO "WebSession" (id, "keyId", "sealedKey", "expiresAt") VALUES ($1, $2, $3, now() + interval '1 hour')`, [
        id,
        SESSION.keyId,
        SESSION.sealedKey,
      ]);

    it('every table of the migrated database is a catalogue table or excluded, and a new one stops digest and export until it is classified', async () => {
      expect(await catalogueTables(db.sql)).toEqual([...CATALOGUE_TABLES].sort());
      await db.sql.query(`CREATE TABLE "NewBookkeeping" (id text PRIMARY KEY, secret text)`);
      try {
        await expect(catalogueDigest(db.sql)).rejects.toThrow(UnclassifiedTableError);
        await expect(catalogueXml(db.sql)).rejects.toThrow(/"NewBookkeeping" is neither a catalogue table nor excluded/);
      } finally {
        await db.sql.query(`DROP TABLE "NewBookkeeping"`);
      }
      expect((await catalogueDigest(db.sql)).digest).toMatch(/^[0-9a-f]{64}$/);
    });

    it('a web session changes neither the digest nor the export, which does not name it', async () => {
      const before = await catalogueDigest(db.sql);
      await addSession(SESSION.id);
      const after = await catalogueDigest(db.sql);
      expect(after.digest).toBe(before.digest);
      expect(Object.keys(after.tables)).not.toContain('WebSession');
      expect(await catalogueTables(db.sql)).not.toContain('WebSession');
      const { text } = await db.sql.transaction((tx) => catalogueXml(tx));
      expect(text).not.toContain('WebSession');
      expect(text).not.toContain(SESSION.sealedKey);
    });

    it('a catalogue file that carries web sessions restores the rest and no session', async () => {
      const other = 'b'.repeat(64);
      const at = '2026-01-01T00:00:00Z';
      const vendor = { id: 'vendor-cred-test', name: 'Credential Test', kinds: ['OTHER'], createdAt: at, updatedAt: at };
      const tables = new Map<string, string[]>([
        ['Vendor', [JSON.stringify(vendor)]],
        ['WebSession', [JSON.stringify({ ...SESSION, id: other, expiresAt: '2999-01-01T00:00:00Z', createdAt: at })]],
      ]);
      const counts = await db.sql.transaction((tx) => restoreCatalogue(tx, tables, new Set()));
      expect(counts.Vendor?.created).toBe(1);
      expect(counts.WebSession).toBeUndefined();
      const rows = await db.sql.query(`SELECT id FROM "WebSession" WHERE id = $1`, [other]);
      expect(rows).toEqual([]);
    });
  });
}
