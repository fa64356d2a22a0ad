// `export osinfo`: import real osinfo-db files, export, and libosinfo loads the export and sees
// the same OSes with the same effective devices; vendor-submitted facts travel along.
import { describe, it, beforeAll, afterAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import type { Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { exportOsinfo, entityPath } from '../seed/importers/osinfo/export.ts';
import { compareWithLibosinfo, findPython, libosinfoDump, type LibosinfoDump } from '../seed/importers/osinfo/libosinfo.ts';
import { idsForShortIds, osinfoSubset, tempDir, REPRESENTATIVE_SHORT_IDS } from './import-support.ts';
import { at, must } from '../src/util/must.ts';

const NO_HW = { pciIds: null, usbIds: null } as const;
const noPython = !findPython() && 'python3-gi with Libosinfo missing';

function sameView(a: LibosinfoDump, b: LibosinfoDump): string[] {
  const diffs: string[] = [];
  const ids = new Set([...Object.keys(a.oses), ...Object.keys(b.oses)]);
  for (const id of [...ids].sort()) {
    const x = a.oses[id];
    const y = b.oses[id];
    if (!x || !y) {
      diffs.push(`${id}: only in ${x ? 'the original' : 'the export'}`);
      continue;
    }
    // libosinfo repeats a short id once per file that states it (.d extensions); compare as sets
    const norm = (o: typeof x) => ({ ...o, shortIds: [...new Set(o.shortIds)].sort() });
    const nx = norm(x);
    const ny = norm(y);
    for (const k of Object.keys(nx) as (keyof typeof nx)[]) {
      if (JSON.stringify(nx[k]) !== JSON.stringify(ny[k])) diffs.push(`${id} ${k}: ${JSON.stringify(nx[k])} != ${JSON.stringify(ny[k])}`);
    }
  }
  return diffs;
}

it('names files as libosinfo expects them', () => {
  assert.equal(entityPath('os', 'http://debian.org/debian/11'), 'os/debian.org/debian-11.xml');
  assert.equal(entityPath('device', 'http://pcisig.com/pci/1af4/1041'), 'device/pcisig.com/pci-1af4-1041.xml');
  assert.equal(entityPath('os', 'http://microsoft.com/win/2k22'), 'os/microsoft.com/win-2k22.xml');
  assert.equal(
    entityPath('platform', 'http://virtcompat.org/hypervisor/kvm/qemu-7.2'),
    'platform/virtcompat.org/hypervisor-kvm-qemu-7.2.xml',
  );
});

for (const kind of testTargets()) {
  describe(`export osinfo on ${kind}`, { skip: skipWith(noPython) }, () => {
    let t: TestDatabase;
    let db: Database;
    let subset: Awaited<ReturnType<typeof osinfoSubset>>;
    let out: ReturnType<typeof tempDir>;
    beforeAll(async () => {
      t = await freshDatabase(kind);
      db = await t.open();
      await migrate(db);
      subset = await osinfoSubset(await idsForShortIds(REPRESENTATIVE_SHORT_IDS));
      out = tempDir('vc-export-');
      await importOsinfo(db, { path: subset.dir, ...NO_HW });
    });
    afterAll(async () => {
      await db?.close();
      await t?.drop();
      subset?.cleanup();
      out?.cleanup();
    });

    it('round trip: libosinfo sees the same OSes, relations and effective devices in the export', async () => {
      const r = await exportOsinfo(db.sql, join(out.dir, 'a'));
      assert.equal(r.oses, subset.oses.size);
      const original = await libosinfoDump(subset.dir);
      const exported = await libosinfoDump(join(out.dir, 'a'));
      assert.deepEqual(sameView(original, exported), []);
      // libosinfo loads it cleanly: no dangling references, no misplaced files
      const q = spawnSync('osinfo-query', ['os'], {
        env: {
          ...process.env,
          OSINFO_SYSTEM_DIR: join(out.dir, 'a'),
          OSINFO_LOCAL_DIR: join(out.dir, 'none'),
          OSINFO_USER_DIR: join(out.dir, 'none'),
        },
        encoding: 'utf8',
      });
      if (q.error === undefined) {
        assert.equal(q.status, 0);
        assert.equal(q.stderr.trim(), '');
        assert.match(q.stdout, /debian11 +\| Debian 11/);
      }
    });

    it('re-importing the export changes nothing: virtcompat/catalogue.xml carries what the osinfo elements cannot (install-script references too)', async () => {
      const dir = join(out.dir, 'a');
      const withScripts = await db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "GuestOS" WHERE media ? 'installScripts' OR media @> '{"media": [{"installScripts": []}]}' OR jsonb_path_exists(media, '$.media[*].installScripts')`,
      );
      assert.ok(at(withScripts, 0).n > 0);
      const s = await importOsinfo(db, { path: dir, ...NO_HW });
      assert.deepEqual(s.problems, []);
      for (const table of ['GuestOS', 'GuestOSResources', 'GuestOSFirmware', 'GuestOSDevice']) {
        const c = must(s.counts[table], `${table} counts`);
        assert.equal(c.created + c.updated + c.deleted, 0, `${table}: ${JSON.stringify(c)}`);
        assert.ok(c.unchanged > 0, `${table}: ${JSON.stringify(c)}`);
      }
      for (const [table, c] of Object.entries(s.counts))
        assert.equal(c.created + c.updated + c.deleted, 0, `${table}: ${JSON.stringify(c)}`);
      // put the original back for the next test
      await importOsinfo(db, { path: subset.dir, ...NO_HW });
    });

    it('carries vendor-submitted guests, device support, removals and accepted records', async () => {
      await db.sql.query(`INSERT INTO "Vendor" (id, name, "updatedAt") VALUES ('acme', 'ACME Linux', now()) ON CONFLICT DO NOTHING`);
      const vendorOs = 'http://acme.example/acmelinux/1';
      await db.sql.query(
        `INSERT INTO "GuestOS" (id, "shortIds", name, vendor, family, distro, version, "derivesFromId", source, "ownerVendorId", "updatedAt")
         VALUES ($1, '{acmelinux1}', 'ACME Linux 1', 'ACME', 'linux', 'acmelinux', '1', 'http://debian.org/debian/11', 'vendor:acme', 'acme', now())`,
        [vendorOs],
      );
      // removes an inherited device, adds one inbox and one with an add-on driver
      await db.sql.query(
        `INSERT INTO "GuestOSDevice" ("guestId", "deviceId", supported, "driverSource", source) VALUES
           ($1, 'http://pcisig.com/pci/1af4/1050', false, 'INBOX', 'vendor:acme'),
           ($1, 'http://pcisig.com/pci/1af4/1041', true, 'INBOX', 'vendor:acme'),
           ($1, 'http://pcisig.com/pci/8086/25ab', true, 'ADDON', 'vendor:acme')`,
        [vendorOs],
      );
      const rel = at(await db.sql.query<{ id: string }>(`SELECT id FROM "HypervisorRelease" ORDER BY id LIMIT 1`), 0, 'rel');
      await db.sql.query(
        `INSERT INTO "CompatibilityRecord" (id, "guestId", "hypervisorReleaseId", status, "testedDevices", "reviewState", "submitterVendorId", source)
         VALUES ('00000000-0000-4000-8000-000000000001', $1, $2, 'WORKS', '{http://pcisig.com/pci/1af4/1041}', 'ACCEPTED', 'acme', 'vendor:acme')`,
        [vendorOs, rel.id],
      );
      const dir = join(out.dir, 'b');
      const r = await exportOsinfo(db.sql, dir);
      assert.equal(r.deployments, 1);
      const xml = readFileSync(join(dir, entityPath('os', vendorOs)), 'utf8');
      assert.match(xml, /<device id="http:\/\/pcisig.com\/pci\/1af4\/1050" supported="false"\/>/);
      assert.match(xml, /<driver pre-installable="false">\s*<device id="http:\/\/pcisig.com\/pci\/8086\/25ab"\/>/);
      assert.ok(existsSync(join(dir, 'deployment/virtcompat.org/compatibility-00000000-0000-4000-8000-000000000001.xml')));
      const dump = await libosinfoDump(dir, [vendorOs, 'http://debian.org/debian/11']);
      assert.deepEqual(dump.missing, []);
      const agreement = await compareWithLibosinfo(db.sql, dump, [vendorOs, 'http://debian.org/debian/11']);
      assert.deepEqual(agreement.disagreements, []);
      assert.ok(!must(dump.oses[vendorOs], vendorOs).devices.includes('http://pcisig.com/pci/1af4/1050'));
      assert.ok(must(dump.oses[vendorOs], vendorOs).devices.includes('http://pcisig.com/pci/1af4/1041'));
    });

    it('refuses a non-empty directory unless forced', async () => {
      const dir = join(out.dir, 'b');
      await assert.rejects(exportOsinfo(db.sql, dir), /not empty/);
      const r = await exportOsinfo(db.sql, dir, { force: true });
      assert.equal(readdirSync(join(dir, 'os')).length > 0, true);
      assert.ok(r.files > r.oses);
    });
  });
}
