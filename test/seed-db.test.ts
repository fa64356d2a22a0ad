// The curated seed on a real database (embedded PGlite always, PostgreSQL when DATABASE_URL is set):
// applying it twice changes nothing the second time; an edited seed updates in place, supersedes
// compatibility records instead of editing them, prunes dropped child rows and leaves vendor-owned
// rows alone.
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { effectiveDevices } from '../src/catalogue/effective.ts';
import { applyCuratedSeed, DEFAULT_SEED_DIR, SEED_KINDS, SeedValidationError, type SeedSummary } from '../seed/load.ts';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import { at } from '../src/util/must.ts';

const CATALOGUE_TABLES = [
  'Vendor',
  'HardwareFeature',
  'ParavirtFeature',
  'Device',
  'Hypervisor',
  'HypervisorRelease',
  'HypervisorReleaseDevice',
  'HypervisorReleaseParavirt',
  'HypervisorReleaseHostFeature',
  'GuestOS',
  'GuestOSResources',
  'GuestOSFirmware',
  'GuestOSDevice',
  'GuestParavirtSupport',
  'DeviceEquivalenceGroup',
  'DeviceEquivalenceMember',
  'CompatibilityRecord',
  'Change',
  'ImportRun',
];

/** Every row of every catalogue table, as text, in a stable order. */
async function dump(db: Database): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of CATALOGUE_TABLES) {
    const rows = await db.sql.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM "${t}" x`);
    out[t] = rows.map((x) => x.r).sort();
  }
  return out;
}

const total = (s: SeedSummary, field: 'created' | 'updated' | 'deleted' | 'skipped' | 'unchanged') =>
  SEED_KINDS.reduce((n, k) => n + s[k][field], 0);

function editedSeed(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'vc-seed-db-'));
  cpSync(DEFAULT_SEED_DIR, dir, { recursive: true });
  edit(dir);
  return dir;
}

function replaceIn(dir: string, file: string, from: string, to: string) {
  const p = join(dir, file);
  const text = readFileSync(p, 'utf8');
  assert.ok(text.includes(from), `${file} does not contain ${JSON.stringify(from)}`);
  writeFileSync(p, text.replace(from, to));
}

for (const kind of testTargets()) {
  describe(`curated seed on ${kind}`, () => {
    let target: TestDatabase;
    let db: Database;
    let first: SeedSummary;
    const dirs: string[] = [];

    beforeAll(async () => {
      target = await freshDatabase(kind);
      db = await target.open();
      await migrate(db);
      first = await applyCuratedSeed(db);
    });
    afterAll(async () => {
      await db?.close();
      await target?.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('loads everything into an empty database', async () => {
      assert.equal(first.changed, true);
      assert.equal(total(first, 'updated') + total(first, 'deleted') + total(first, 'skipped') + total(first, 'unchanged'), 0);
      // osinfoGuests and osinfoDevices only ever update rows osinfo-db wrote first: none in an empty database.
      const osinfoKinds = new Set(['osinfoGuests', 'osinfoDevices']);
      for (const k of SEED_KINDS) if (!osinfoKinds.has(k)) assert.ok(first[k].created > 0, `${k} created nothing`);
      assert.deepEqual(first.osinfoGuests, { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: 0 });
      assert.deepEqual(first.osinfoDevices, { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: 0 });
      const { n } = at(await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS" WHERE source = 'curated'`), 0);
      assert.equal(n, first.guests.created);
      const runs = await db.sql.query<{ source: string; status: string; sourceVersion: string }>(
        `SELECT source, status, "sourceVersion" FROM "ImportRun"`,
      );
      assert.deepEqual(runs, [{ source: 'seed', status: 'OK', sourceVersion: first.seedVersion }]);
      const { c } = at(await db.sql.query<{ c: number }>(`SELECT count(*)::int AS c FROM "Change"`), 0);
      assert.ok(c > 0);
    });

    it('changes nothing when applied again', async () => {
      const before = await dump(db);
      const again = await applyCuratedSeed(db);
      assert.equal(again.changed, false);
      assert.equal(again.seedVersion, first.seedVersion);
      for (const k of SEED_KINDS) {
        assert.deepEqual(
          { created: again[k].created, updated: again[k].updated, deleted: again[k].deleted },
          { created: 0, updated: 0, deleted: 0 },
          k,
        );
        assert.equal(again[k].unchanged, first[k].created, `${k} unchanged`);
      }
      assert.deepEqual(await dump(db), before);
    });

    it('resolves inheritance as the files say', async () => {
      const rows = await effectiveDevices(
        db.sql,
        ['http://redhat.com/rhel/9.2', 'http://debian.org/debian/4', 'http://ubuntu.com/ubuntu/22.04'],
        { includeRemoved: true },
      );
      const of = (g: string, d: string) => rows.find((r) => r.guestId === g && r.deviceId === d);
      assert.equal(of('http://redhat.com/rhel/9.2', 'http://pcisig.com/pci/1af4/1041')?.fromGuestId, 'http://redhat.com/rhel/9.0');
      assert.equal(of('http://debian.org/debian/4', 'http://pcisig.com/pci/1af4/1000')?.supported, false);
      assert.equal(of('http://ubuntu.com/ubuntu/22.04', 'http://pcisig.com/pci/1af4/1050')?.supported, false);
      assert.ok(
        !rows.some(
          (r) => r.guestId === 'http://debian.org/debian/4' && r.supported && r.deviceId.startsWith('http://pcisig.com/pci/1af4/'),
        ),
      );
    });

    it('updates edited facts, supersedes edited records, prunes dropped rows, spares vendor rows', async () => {
      // A vendor owns one device: the seed must not overwrite it.
      await db.sql.query(
        `UPDATE "Device" SET source = 'vendor:vmware', name = 'VMXNET3 (vendor text)' WHERE id = 'http://pcisig.com/pci/15ad/07b0'`,
      );
      const dir = editedSeed((d) => {
        replaceIn(d, 'devices.yaml', 'name: Realtek RTL8139 Fast Ethernet', 'name: Realtek RTL8139 10/100 Ethernet');
        replaceIn(d, 'devices.yaml', 'name: VMware VMXNET3 Ethernet controller', 'name: VMXNET3 renamed by the seed');
        replaceIn(d, 'compatibility.yaml', 'status: UNSUPPORTED\n    backend: kvm', 'status: BROKEN\n    backend: kvm');
        // Debian 4 no longer lists the NE2000 adapter.
        replaceIn(d, 'guests/debian.yaml', '  - deviceId: http://pcisig.com/pci/10ec/8029\n    driverName: ne2k-pci\n', '');
      });
      dirs.push(dir);
      const s = await applyCuratedSeed(db, { dir });
      assert.equal(s.changed, true);
      assert.deepEqual(s.devices, { created: 0, updated: 1, unchanged: first.devices.created - 2, deleted: 0, skipped: 1 });
      assert.equal(s.guestDevices.deleted, 1);
      assert.equal(s.compatibilityRecords.updated, 1);
      assert.equal(total(s, 'created'), 0);

      const rtl = at(
        await db.sql.query<{ name: string }>(`SELECT name FROM "Device" WHERE id = 'http://pcisig.com/pci/10ec/8139'`),
        0,
        'rtl',
      );
      assert.equal(rtl.name, 'Realtek RTL8139 10/100 Ethernet');
      const vmx = at(
        await db.sql.query<{ name: string }>(`SELECT name FROM "Device" WHERE id = 'http://pcisig.com/pci/15ad/07b0'`),
        0,
        'vmx',
      );
      assert.equal(vmx.name, 'VMXNET3 (vendor text)');
      const recs = await db.sql.query<{ id: string; status: string; supersedesId: string | null }>(
        `SELECT id, status::text, "supersedesId" FROM "CompatibilityRecord" WHERE "guestId" = 'http://debian.org/debian/4' ORDER BY status`,
      );
      assert.equal(recs.length, 2, 'the old record stays as history');
      const [broken, unsupported] = [at(recs, 0), at(recs, 1)];
      assert.equal(broken.status, 'BROKEN');
      assert.equal(unsupported.status, 'UNSUPPORTED');
      assert.equal(broken.supersedesId, unsupported.id);
      const gone = await db.sql.query(
        `SELECT 1 FROM "GuestOSDevice" WHERE "guestId" = 'http://debian.org/debian/4' AND "deviceId" = 'http://pcisig.com/pci/10ec/8029'`,
      );
      assert.equal(gone.length, 0);
      const ops = await db.sql.query<{ op: string }>(
        `SELECT op FROM "Change" WHERE "entityType" = 'CompatibilityRecord' AND "entityId" = $1`,
        [broken.id],
      );
      assert.deepEqual(ops, [{ op: 'SUPERSEDE' }]);

      // The edited seed is now idempotent too.
      const again = await applyCuratedSeed(db, { dir });
      assert.equal(again.changed, false);
      assert.equal(again.devices.skipped, 1);
    });

    it('rejects an invalid seed without touching the database', async () => {
      const before = await dump(db);
      const dir = editedSeed((d) =>
        replaceIn(d, 'hypervisors/xen.yaml', 'sourceRef: https://xenbits.xen.org/docs/4.14-testing/SUPPORT.html\n  devices:', 'devices:'),
      );
      dirs.push(dir);
      await assert.rejects(applyCuratedSeed(db, { dir }), (err: unknown) => {
        assert.ok(err instanceof SeedValidationError);
        assert.match(
          err.message,
          /hypervisors\/xen\.yaml: releases\[0\] \(http:\/\/virtcompat\.org\/hypervisor\/xen\/xen-4\.14\)\.sourceRef/,
        );
        return true;
      });
      assert.deepEqual(await dump(db), before);
    });
  });
}
