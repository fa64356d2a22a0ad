// A lossless round trip: the catalogue (curated seed and osinfo-db) exported as osinfo XML and
// imported into a fresh database has the same content digest (src/catalogue/digest.ts): every
// platform, deployment (compatibility record), paravirt row, correction, owner and source comes
// back, through virtcompat/catalogue.xml where osinfo-db has no element. On the embedded PGlite,
// and on PostgreSQL when DATABASE_URL is set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { catalogueDigest, digestDifferences, type CatalogueDigest } from '../src/catalogue/digest.ts';
import { applyCuratedSeed } from '../seed/load.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { exportOsinfo } from '../seed/importers/osinfo/export.ts';
import { CATALOGUE_FILE } from '../seed/importers/osinfo/catalogue-xml.ts';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import { skipWith } from './helpers/skip.ts';

const OSINFO = '/usr/share/osinfo';
const NO_HW = { pciIds: null, usbIds: null } as const;

const COUNTS = `SELECT (SELECT count(*)::int FROM "GuestOS") AS guests,
                       (SELECT count(*)::int FROM "HypervisorRelease") AS platforms,
                       (SELECT count(*)::int FROM "CompatibilityRecord") AS records,
                       (SELECT count(*)::int FROM "GuestParavirtSupport") + (SELECT count(*)::int FROM "HypervisorReleaseParavirt") AS paravirt,
                       (SELECT count(*)::int FROM "CatalogueCorrection") AS corrections`;

for (const kind of testTargets()) {
  describe(`export osinfo, then import into a fresh ${kind} database`, {
    skip: skipWith(!existsSync(OSINFO) && `${OSINFO} missing (apt: osinfo-db)`),
  }, () => {
    const targets: TestDatabase[] = [];
    const dirs: string[] = [];
    let source: Database;
    let copy: Database;
    let before: CatalogueDigest;
    let dir: string;

    beforeAll(async () => {
      const open = async () => {
        const t = await freshDatabase(kind);
        targets.push(t);
        const db = await t.open();
        await migrate(db);
        return db;
      };
      source = await open();
      await applyCuratedSeed(source);
      await importOsinfo(source, NO_HW);
      before = await catalogueDigest(source.sql);
      const parent = mkdtempSync(join(tmpdir(), 'vc-roundtrip-'));
      dirs.push(parent);
      dir = join(parent, 'export');
      await exportOsinfo(source.sql, dir);
      copy = await open();
    }, 600_000);
    afterAll(async () => {
      await source?.close();
      await copy?.close();
      for (const t of targets) await t.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('gives back the same catalogue: equal content digests and counts', async () => {
      const s = await importOsinfo(copy, { path: dir, ...NO_HW });
      expect(s.status).toBe('OK');
      expect(s.problems.filter((p) => /after the export/.test(p.reason))).toEqual([]);
      const after = await catalogueDigest(copy.sql);
      expect(digestDifferences(before, after)).toEqual([]);
      expect(after.digest).toBe(before.digest);
      const [a] = await source.sql.query(COUNTS);
      const [b] = await copy.sql.query(COUNTS);
      expect(b).toEqual(a);
      expect(a).toMatchObject({ records: expect.any(Number) });
      expect((a as { platforms: number }).platforms).toBeGreaterThan(90);
      expect((a as { paravirt: number }).paravirt).toBeGreaterThan(0);
      console.log(`round trip on ${kind}: ${JSON.stringify(b)}`);
    }, 300_000);

    it('is idempotent: importing the export again writes nothing', async () => {
      const s = await importOsinfo(copy, { path: dir, ...NO_HW });
      const written = Object.values(s.counts).reduce((n, c) => n + c.created + c.updated + c.deleted, 0);
      expect(written).toBe(0);
    }, 300_000);

    it('says which files were edited, added or removed after the export, and refuses them under --strict', async () => {
      const edited = join(dirs[0] ?? tmpdir(), 'edited');
      cpSync(dir, edited, { recursive: true });
      const rel = 'os/debian.org/debian-12.xml';
      const file = join(edited, rel);
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(/<name>Debian 12<\/name>/);
      writeFileSync(file, text.replace('<name>Debian 12</name>', '<name>Debian 12 (edited by hand)</name>'));
      mkdirSync(join(edited, 'os/example.org'), { recursive: true });
      writeFileSync(
        join(edited, 'os/example.org/new-1.xml'),
        '<libosinfo version="0.0.1"><os id="http://example.org/new/1"><short-id>new1</short-id><name>New</name></os></libosinfo>\n',
      );
      rmSync(join(edited, 'VERSION'));
      const t = await freshDatabase(kind);
      targets.push(t);
      const db = await t.open();
      try {
        await migrate(db);
        // --strict: the divergence is a problem, so nothing is written.
        await expect(importOsinfo(db, { path: edited, strict: true, ...NO_HW })).rejects.toThrow(/--strict/);
        const [n] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS"`);
        expect(n?.n).toBe(0);
        // Without: the catalogue comes back from catalogue.xml, and each divergence is said.
        const s = await importOsinfo(db, { path: edited, ...NO_HW });
        expect(s.problems.filter((p) => /after the export/.test(p.reason)).map((p) => p.reason.split(';')[0])).toEqual([
          `${rel} was changed after the export`,
          'os/example.org/new-1.xml was added after the export',
          'VERSION was removed after the export',
        ]);
        expect((await catalogueDigest(db.sql)).digest).toBe(before.digest);
      } finally {
        await db.close();
      }
    }, 600_000);

    it('refuses a catalogue file that is not virtcompat XML, naming the file and line, and writes nothing', async () => {
      const bad = join(dirs[0] ?? tmpdir(), 'bad');
      cpSync(dir, bad, { recursive: true });
      const file = join(bad, CATALOGUE_FILE);
      writeFileSync(file, readFileSync(file, 'utf8').replace('<vc:row>{', '<vc:row>{oops'));
      const t = await freshDatabase(kind);
      targets.push(t);
      const db = await t.open();
      try {
        await migrate(db);
        await expect(importOsinfo(db, { path: bad, ...NO_HW })).rejects.toThrow(/catalogue\.xml:\d+: a row of \w+ is not a JSON object/);
        const [n] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS"`);
        expect(n?.n).toBe(0);
      } finally {
        await db.close();
      }
    }, 300_000);
  });
}
