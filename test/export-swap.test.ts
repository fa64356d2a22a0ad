// `export osinfo --force` writes the new tree beside DIR and swaps it in by renames: a failure while
// reading or writing leaves the old tree exactly as it was, files of the user's in DIR survive, no
// staging folder is left behind, and the export reports its progress.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import type { Database } from '../src/db/index.ts';
import type { Sql } from '../src/db/sql.ts';
import { migrate } from '../src/db/migrate.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { exportOsinfo } from '../seed/importers/osinfo/export.ts';
import { createProgress } from '../seed/importers/progress.ts';
import { idsForShortIds, osinfoSubset, tempDir } from './import-support.ts';

/** Every file under dir with a hash of its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** The real database, with a fault: its Nth statement fails (as a dropped connection would). */
function failingAt(sql: Sql, n: number): Sql {
  let count = 0;
  const wrap = (s: Sql): Sql => ({
    async query(text, params) {
      if (++count === n) throw new Error(`injected failure at statement ${n}`);
      return s.query(text, params);
    },
    transaction: (fn) => s.transaction((tx) => fn(wrap(tx))),
  });
  return wrap(sql);
}

for (const kind of testTargets()) {
  describe(`export osinfo swaps the tree in (${kind})`, () => {
    let t: TestDatabase;
    let db: Database;
    let subset: Awaited<ReturnType<typeof osinfoSubset>>;
    const out = tempDir('vc-export-swap-');

    beforeAll(async () => {
      t = await freshDatabase(kind);
      db = await t.open();
      await migrate(db);
      subset = await osinfoSubset(await idsForShortIds(['debian11', 'win11']));
      await importOsinfo(db, { path: subset.dir, pciIds: null, usbIds: null });
    }, 180_000);

    afterAll(async () => {
      await db?.close();
      await t?.drop();
      subset?.cleanup();
      out.cleanup();
    });

    const siblings = (dir: string) => readdirSync(dirname(dir)).filter((n) => n.includes('.export-'));

    it('a failed re-export leaves the old tree and the user files as they were', async () => {
      const dir = join(out.dir, 'tree');
      await exportOsinfo(db.sql, dir);
      writeFileSync(join(dir, 'NOTES.txt'), 'mine\n');
      const before = snapshot(dir);
      expect(Object.keys(before).some((k) => k.startsWith('os/'))).toBe(true);

      // Fails while reading (the 3rd statement of the snapshot) ...
      await expect(exportOsinfo(failingAt(db.sql, 3), dir, { force: true })).rejects.toThrow(/injected failure/);
      expect(snapshot(dir)).toEqual(before);
      expect(siblings(dir)).toEqual([]);

      // ... and a successful one replaces the tree, keeping the user's file.
      const r = await exportOsinfo(db.sql, dir, { force: true });
      expect(r.oses).toBeGreaterThan(0);
      const after = snapshot(dir);
      expect(after['NOTES.txt']).toBe(before['NOTES.txt']);
      expect(
        Object.keys(after)
          .filter((k) => k !== 'NOTES.txt')
          .sort(),
      ).toEqual(
        Object.keys(before)
          .filter((k) => k !== 'NOTES.txt')
          .sort(),
      );
      expect(siblings(dir)).toEqual([]);
    });

    it('a new DIR appears whole, with progress on the way', async () => {
      const dir = join(out.dir, 'fresh', 'deeper');
      const err = new PassThrough();
      let text = '';
      err.on('data', (b) => (text += b));
      const r = await exportOsinfo(db.sql, dir, { progress: createProgress(err, 'export') });
      expect(statSync(join(dir, 'VERSION')).isFile()).toBe(true);
      expect(Object.keys(snapshot(dir)).length).toBe(r.files);
      expect(text).toMatch(/^export: reading the catalogue$/m);
      expect(text).toMatch(new RegExp(`^export: writing \\(${r.files}\\)$`, 'm'));
      expect(text).toMatch(new RegExp(`^export: writing ${r.files}/${r.files}`, 'm'));
      expect(text).toMatch(/^export: replacing the tree in /m);
      expect(siblings(dir)).toEqual([]);
    });

    it('refuses a non-empty DIR without --force before reading anything', async () => {
      const dir = join(out.dir, 'tree');
      const before = snapshot(dir);
      await expect(exportOsinfo(failingAt(db.sql, 1), dir)).rejects.toMatchObject({ code: 'EXPORT_DIR_NOT_EMPTY' });
      expect(snapshot(dir)).toEqual(before);
    });
  });
}
