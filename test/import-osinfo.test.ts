// `import osinfo` on real osinfo-db files: counts, idempotence, a newer release, protection of
// curated and vendor rows, malformed files, --strict, and agreement with libosinfo.
import { describe, it, beforeAll, afterAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import type { Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { readOsinfo } from '../seed/importers/osinfo/parse.ts';
import { buildRows, inheritedDevices } from '../seed/importers/osinfo/rows.ts';
import { compareWithLibosinfo, findPython, libosinfoDump } from '../seed/importers/osinfo/libosinfo.ts';
import { catalogueVersion, listImportRuns, type ImportSummary } from '../seed/importers/runs.ts';
import { fingerprint, fullOsinfo, idsForShortIds, osinfoSubset, OSINFO, REPRESENTATIVE_SHORT_IDS } from './import-support.ts';
import { at, must } from '../src/util/must.ts';

const NO_HW = { pciIds: null, usbIds: null } as const;

const totals = (s: ImportSummary, table: string) => must(s.counts[table], `${table} counts`);

describe('osinfo mapping (no database)', () => {
  it('reads the whole installed osinfo-db with libosinfo semantics', async () => {
    const data = await fullOsinfo();
    assert.ok(data.oses.size > 700, `only ${data.oses.size} OS`);
    assert.equal(data.problems.length, 0, JSON.stringify(data.problems.slice(0, 3)));
    assert.equal(data.filesSkipped, 0);
    // .d extension files are merged into their OS: win-10's add-on drivers
    const win10 = data.oses.get('http://microsoft.com/win/10')!;
    assert.ok(win10.files.some((f) => f.includes('win-10.d/')));
    assert.ok(win10.drivers.length >= 2);
    assert.deepEqual(win10.shortIds, ['win10']);
    // explicit removal
    assert.equal(data.oses.get('http://ubuntu.com/ubuntu/22.04')!.devices.get('http://pcisig.com/pci/1af4/1050'), false);
    // several parents
    assert.equal(data.oses.get('http://univention.de/ucs/5.0')!.derivesFrom.length, 2);
  });

  it('maps devices: osinfo class kept raw, kind and paravirt interface from the bus ids', async () => {
    const data = await fullOsinfo();
    const rows = buildRows(data, { pci: null, usb: null });
    const dev = (id: string) => rows.devices.find((d) => d.id === id)!;
    assert.deepEqual(
      (({ class: c, rawClass, kind, paravirtInterface, bus, vendorId, productId }) => ({
        c,
        rawClass,
        kind,
        paravirtInterface,
        bus,
        vendorId,
        productId,
      }))(dev('http://pcisig.com/pci/1af4/1041')),
      {
        c: 'NETWORK',
        rawClass: 'net',
        kind: 'PARAVIRTUAL',
        paravirtInterface: 'VIRTIO_1_0',
        bus: 'pci',
        vendorId: '1af4',
        productId: '1041',
      },
    );
    assert.equal(dev('http://pcisig.com/pci/1af4/1000').paravirtInterface, 'VIRTIO_TRANSITIONAL');
    assert.equal(dev('http://pcisig.com/pci/1af4/1004').class, 'STORAGE_CONTROLLER'); // virtio-scsi, osinfo "block"
    assert.equal(dev('http://pcisig.com/pci/1af4/1001').class, 'STORAGE'); // virtio-blk
    assert.equal(dev('http://pcisig.com/pci/1000/0012').class, 'STORAGE_CONTROLLER'); // LSI, osinfo "block"
    assert.equal(dev('http://pcisig.com/pci/8086/100e').kind, 'EMULATED');
    assert.equal(dev('http://pcisig.com/pci/15ad/0710').paravirtInterface, 'VMWARE_PV');
    assert.deepEqual([dev('http://xen.org/xen/vif').kind, dev('http://xen.org/xen/vif').paravirtInterface], ['PARAVIRTUAL', 'XEN_PV']);
    assert.equal(dev('http://xen.org/xen/vtpm').class, 'TPM'); // no osinfo class; Xen front-end name
    assert.equal(dev('http://qemu.org/chipset/x86/q35').rawClass, 'chipset');
    // add-on drivers: virtio on Windows 10 is ADDON; qxl is inbox already through win-95, so no ADDON row hides it
    const w10 = rows.guestDevices.filter((g) => g.guestId === 'http://microsoft.com/win/10');
    assert.equal(w10.find((g) => g.deviceId === 'http://pcisig.com/pci/1af4/1041')?.driverSource, 'ADDON');
    assert.equal(
      w10.find((g) => g.deviceId === 'http://pcisig.com/pci/1b36/0100'),
      undefined,
    );
    assert.ok(inheritedDevices(data, 'http://microsoft.com/win/10').has('http://pcisig.com/pci/1b36/0100'));
  });
});

for (const kind of testTargets()) {
  describe(`import osinfo on ${kind}`, () => {
    let t: TestDatabase;
    let db: Database;
    let subset: Awaited<ReturnType<typeof osinfoSubset>>;
    let representative: string[];
    beforeAll(async () => {
      t = await freshDatabase(kind);
      db = await t.open();
      await migrate(db);
      representative = await idsForShortIds(REPRESENTATIVE_SHORT_IDS);
      subset = await osinfoSubset(representative);
    });
    afterAll(async () => {
      await db?.close();
      await t?.drop();
      subset?.cleanup();
    });

    it('imports a real subset, then a second import changes nothing', async () => {
      const first = await importOsinfo(db, { path: subset.dir, ...NO_HW });
      assert.equal(first.status, 'OK');
      assert.equal(first.sourceVersion, readFileSync(join(OSINFO, 'VERSION'), 'utf8').trim());
      assert.equal(totals(first, 'GuestOS').created, subset.oses.size);
      assert.deepEqual(first.problems, []);
      assert.ok(first.changes >= subset.oses.size);
      const { n } = at(await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS" WHERE source = 'osinfo-db'`), 0);
      assert.equal(n, subset.oses.size);

      const before = await fingerprint(db.sql);
      const second = await importOsinfo(db, { path: subset.dir, ...NO_HW });
      for (const [table, c] of Object.entries(second.counts)) {
        assert.equal(c.created + c.updated + c.deleted, 0, `${table} changed on re-import: ${JSON.stringify(c)}`);
      }
      assert.equal(second.changes, 0);
      const after = await fingerprint(db.sql);
      for (const table of Object.keys(before)) {
        if (table === 'ImportRun') continue; // the second run is recorded, nothing else
        assert.equal(after[table], before[table], `${table} changed`);
      }
      const runs = await listImportRuns(db.sql);
      assert.deepEqual(
        runs.slice(0, 2).map((r) => [r.source, r.status]),
        [
          ['osinfo-db', 'OK'],
          ['osinfo-db', 'OK'],
        ],
      );
      const v = await catalogueVersion(db.sql);
      assert.match(v.label, /^osinfo-db@\d+\+changes#\d+$/);
    });

    it('stores what osinfo says: relations, dates, resources, firmware with removals, media facts', async () => {
      const [win11] = await db.sql.query<Record<string, unknown>>(
        `SELECT "derivesFromId", "upgradesId", "releaseDate"::text AS rd, family, distro, architectures, "shortIds", source, "sourceVersion", "sourceRef"
           FROM "GuestOS" WHERE id = 'http://microsoft.com/win/11'`,
      );
      assert.deepEqual(
        { ...win11 },
        {
          derivesFromId: 'http://microsoft.com/win/10',
          upgradesId: 'http://microsoft.com/win/10',
          rd: '2021-10-05',
          family: 'winnt',
          distro: 'win',
          architectures: ['x86_64'],
          shortIds: ['win11'],
          source: 'osinfo-db',
          sourceVersion: readFileSync(join(OSINFO, 'VERSION'), 'utf8').trim(),
          sourceRef: 'os/microsoft.com/win-11.xml',
        },
      );
      const fw = await db.sql.query<{ arch: string; type: string; supported: boolean }>(
        `SELECT arch, type::text AS type, supported FROM "GuestOSFirmware" WHERE "guestId" = 'http://microsoft.com/win/11' ORDER BY type`,
      );
      assert.deepEqual(
        fw.map((r) => ({ ...r })),
        [
          { arch: 'x86_64', type: 'BIOS', supported: false },
          { arch: 'x86_64', type: 'UEFI', supported: true },
        ],
      );
      const [res] = await db.sql.query<{ cpus: number; ram: string }>(
        `SELECT cpus, "ramBytes"::text AS ram FROM "GuestOSResources" WHERE "guestId" = 'http://microsoft.com/win/11' AND kind = 'MINIMUM' AND arch = 'x86_64'`,
      );
      assert.deepEqual({ ...res }, { cpus: 2, ram: '4294967296' });
      const removal = at(
        await db.sql.query<{ supported: boolean }>(
          `SELECT supported FROM "GuestOSDevice" WHERE "guestId" = 'http://ubuntu.com/ubuntu/22.04' AND "deviceId" = 'http://pcisig.com/pci/1af4/1050'`,
        ),
        0,
        'removal',
      );
      assert.equal(removal.supported, false);
      const deb = at(
        await db.sql.query<{ cloudInit: boolean; media: Record<string, unknown> }>(
          `SELECT "cloudInit", media FROM "GuestOS" WHERE id = 'http://debian.org/debian/11'`,
        ),
        0,
        'deb',
      );
      assert.equal(deb.cloudInit, true);
      assert.ok(Array.isArray(deb.media.trees) && (deb.media.trees as unknown[]).length > 0);
      assert.ok((deb.media.images as { cloudInit?: boolean }[]).some((i) => i.cloudInit));
      const ucs = at(
        await db.sql.query<{ derivesFromId: string; extraDerivesFromIds: string[] }>(
          `SELECT "derivesFromId", "extraDerivesFromIds" FROM "GuestOS" WHERE id = 'http://univention.de/ucs/5.0'`,
        ),
        0,
        'ucs',
      );
      assert.equal(ucs.derivesFromId, 'http://univention.de/ucs/4.4');
      assert.deepEqual(ucs.extraDerivesFromIds, ['http://debian.org/debian/10']);
      const platforms = await db.sql.query<{ id: string; version: string; key: string }>(
        `SELECT r.id, r.version, h.key FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId" WHERE r.id IN ('http://qemu.org/qemu/2.3.0', 'http://linux-kvm.org/qemu-kvm/1.2.0', 'http://xen.org/xen/4.1.0') ORDER BY r.id`,
      );
      assert.deepEqual(
        platforms.map((p) => ({ ...p })),
        [
          { id: 'http://linux-kvm.org/qemu-kvm/1.2.0', version: 'qemu-kvm-1.2.0', key: 'kvm' },
          { id: 'http://qemu.org/qemu/2.3.0', version: '2.3.0', key: 'kvm' },
          { id: 'http://xen.org/xen/4.1.0', version: '4.1.0', key: 'xen' },
        ],
      );
    });

    it('effective devices equal libosinfo for the representative OSes', {
      skip: skipWith(!findPython() && 'python3-gi with Libosinfo missing'),
    }, async () => {
      const dump = await libosinfoDump(subset.dir, representative);
      assert.deepEqual(dump.missing, []);
      const agreement = await compareWithLibosinfo(db.sql, dump, representative);
      // Every parent is followed (ucs 5.0 derives from ucs 4.4 and debian 10), as libosinfo does.
      assert.deepEqual(agreement.disagreements, []);
      assert.equal(agreement.agree, representative.length);
    });

    it('a newer release updates what changed, adds what is new, drops stale osinfo facts, keeps retired OSes', async () => {
      const next = await osinfoSubset(representative);
      try {
        const f = (rel: string) => join(next.dir, rel);
        const edit = (rel: string, fn: (s: string) => string) => writeFileSync(f(rel), fn(readFileSync(f(rel), 'utf8')));
        writeFileSync(f('VERSION'), '20991231');
        // a changed name
        edit('os/debian.org/debian-11.xml', (s) => s.replace('<name>Debian 11</name>', '<name>Debian GNU/Linux 11</name>'));
        // a new device link, and a device link gone: debian 11 lists virtio-gpu and virtio-fs
        edit('os/debian.org/debian-11.xml', (s) =>
          s.replace('<device id="http://pcisig.com/pci/1af4/105a"/>', '<device id="http://pcisig.com/pci/1af4/1053"/>'),
        );
        // a removal turned into support
        edit('os/ubuntu.com/ubuntu-22.04.xml', (s) => s.replace('1af4/1050" supported="false"', '1af4/1050" supported="true"'));
        // an OS retired from the release, and a new one
        const retired = 'http://oracle.com/solaris/11';
        rmSync(f('os/oracle.com/solaris-11.xml'));
        mkdirSync(f('os/example.org'), { recursive: true });
        writeFileSync(
          f('os/example.org/exampleos-1.xml'),
          `<?xml version="1.0"?>\n<libosinfo version="0.0.1"><os id="http://example.org/exampleos/1"><short-id>exampleos1</short-id><name>Example OS 1</name>` +
            `<derives-from id="http://debian.org/debian/11"/><release-date>2099-01-02</release-date></os></libosinfo>\n`,
        );
        const s = await importOsinfo(db, { path: next.dir, ...NO_HW });
        assert.deepEqual(s.problems, []);
        assert.equal(s.sourceVersion, '20991231');
        assert.deepEqual(totals(s, 'GuestOS'), { created: 1, updated: 1, unchanged: subset.oses.size - 2, deleted: 0, kept: 0 });
        const gd = totals(s, 'GuestOSDevice');
        assert.deepEqual([gd.created, gd.updated, gd.deleted], [1, 1, 1]);
        const deb = at(
          await db.sql.query<{ name: string; sourceVersion: string }>(
            `SELECT name, "sourceVersion" FROM "GuestOS" WHERE id = 'http://debian.org/debian/11'`,
          ),
          0,
          'deb',
        );
        assert.deepEqual({ ...deb }, { name: 'Debian GNU/Linux 11', sourceVersion: '20991231' });
        const unchangedRow = at(
          await db.sql.query<{ sourceVersion: string }>(`SELECT "sourceVersion" FROM "GuestOS" WHERE id = 'http://debian.org/debian/10'`),
          0,
          'unchangedRow',
        );
        assert.notEqual(unchangedRow.sourceVersion, '20991231', 'an unchanged row keeps the release it was last taken from');
        const links = await db.sql.query<{ deviceId: string }>(
          `SELECT "deviceId" FROM "GuestOSDevice" WHERE "guestId" = 'http://debian.org/debian/11' ORDER BY 1`,
        );
        assert.ok(links.some((l) => l.deviceId.endsWith('/1053')));
        assert.ok(!links.some((l) => l.deviceId.endsWith('/105a')));
        const kept = at(await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS" WHERE id = $1`, [retired]), 0, 'kept');
        assert.equal(kept.n, 1, 'an OS the release no longer has is kept');
        const changes = await db.sql.query<{ entityId: string }>(
          `SELECT "entityId" FROM "Change" WHERE data->>'sourceVersion' = '20991231' ORDER BY 1`,
        );
        assert.deepEqual(
          changes.map((c) => c.entityId),
          [
            'http://debian.org/debian/11',
            'http://example.org/exampleos/1',
            'http://pcisig.com/pci/1af4/1053',
            'http://ubuntu.com/ubuntu/22.04',
          ],
        );
        // and back to the installed release: everything that changed changes back
        const back = await importOsinfo(db, { path: subset.dir, ...NO_HW });
        assert.deepEqual([totals(back, 'GuestOS').updated, totals(back, 'GuestOS').created], [1, 0]);
      } finally {
        next.cleanup();
      }
    });

    it('never overwrites vendor-submitted rows', async () => {
      await db.sql.query(`INSERT INTO "Vendor" (id, name, "updatedAt") VALUES ('acme', 'ACME', now()) ON CONFLICT DO NOTHING`);
      // a vendor owns one of osinfo's links and adds one of its own, and owns a device (a curated device
      // osinfo-db has becomes osinfo-db's: test/catalogue-merge.test.ts)
      const link = at(
        await db.sql.query<{ guestId: string; deviceId: string }>(
          `SELECT "guestId", "deviceId" FROM "GuestOSDevice" WHERE source = 'osinfo-db' AND "driverSource" = 'INBOX' AND supported ORDER BY 1, 2 LIMIT 1`,
        ),
        0,
        'link',
      );
      const g = link.guestId;
      await db.sql.query(
        `UPDATE "GuestOSDevice" SET source = 'vendor:acme', notes = 'tested by ACME' WHERE "guestId" = $1 AND "deviceId" = $2`,
        [g, link.deviceId],
      );
      await db.sql.query(
        `INSERT INTO "GuestOSDevice" ("guestId", "deviceId", supported, source) VALUES ($1, 'http://pcisig.com/pci/8086/25ab', false, 'vendor:acme')`,
        [g],
      );
      await db.sql.query(
        `UPDATE "Device" SET source = 'vendor:acme', name = 'virtio-net (ACME)' WHERE id = 'http://pcisig.com/pci/1af4/1000'`,
      );
      await db.sql.query(`UPDATE "GuestOS" SET source = 'vendor:acme', name = 'Debian 9 by ACME' WHERE id = 'http://debian.org/debian/9'`);
      const before = await fingerprint(db.sql);
      const s = await importOsinfo(db, { path: subset.dir, ...NO_HW });
      assert.equal(totals(s, 'GuestOSDevice').kept, 1);
      assert.equal(totals(s, 'Device').kept, 1);
      assert.equal(totals(s, 'GuestOS').kept, 1);
      for (const [table, c] of Object.entries(s.counts))
        assert.equal(c.created + c.updated + c.deleted, 0, `${table}: ${JSON.stringify(c)}`);
      const after = await fingerprint(db.sql);
      for (const table of ['GuestOS', 'GuestOSDevice', 'Device']) assert.equal(after[table], before[table], table);
      const rows = await db.sql.query<{ deviceId: string; source: string }>(
        `SELECT "deviceId", source FROM "GuestOSDevice" WHERE "guestId" = $1 AND source LIKE 'vendor:%' ORDER BY 1`,
        [g],
      );
      assert.equal(rows.length, 2, 'the vendor link osinfo does not have is not deleted');
    });

    it('reports a malformed file with its path and reason, skips it, and refuses under --strict', async () => {
      const bad = await osinfoSubset(await idsForShortIds(['debian11']));
      try {
        const broken = 'os/debian.org/debian-11.xml';
        writeFileSync(join(bad.dir, broken), readFileSync(join(bad.dir, broken), 'utf8').slice(0, 400));
        mkdirSync(join(bad.dir, 'os/example.org'), { recursive: true });
        writeFileSync(join(bad.dir, 'os/example.org/noid.xml'), '<libosinfo version="0.0.1"><os><name>no id</name></os></libosinfo>');
        const before = await fingerprint(db.sql);
        await assert.rejects(
          importOsinfo(db, { path: bad.dir, strict: true, ...NO_HW }),
          (err: Error & { code?: string; summary?: ImportSummary }) => {
            assert.equal(err.code, 'IMPORT_STRICT');
            assert.equal(err.summary?.status, 'FAILED');
            return true;
          },
        );
        const afterStrict = await fingerprint(db.sql);
        for (const table of Object.keys(before)) if (table !== 'ImportRun') assert.equal(afterStrict[table], before[table], table);
        const run = at(await listImportRuns(db.sql, 1), 0, 'run');
        assert.equal(run.status, 'FAILED');
        assert.match(run.message ?? '', /--strict/);

        const s = await importOsinfo(db, { path: bad.dir, ...NO_HW });
        assert.equal(s.files?.skipped, 2);
        const byPath = new Map(s.problems.map((p) => [p.path, p]));
        assert.match(byPath.get(broken)!.reason, /malformed XML: \d+:\d+/);
        assert.match(byPath.get('os/example.org/noid.xml')!.reason, /<os> without an id/);
        // debian 11 itself was skipped, not half-read: the row from the earlier import is untouched
        const deb = at(
          await db.sql.query<{ name: string }>(`SELECT name FROM "GuestOS" WHERE id = 'http://debian.org/debian/11'`),
          0,
          'deb',
        );
        assert.equal(deb.name, 'Debian 11');
      } finally {
        bad.cleanup();
      }
    });

    it('accepts an extracted release tarball layout (one directory holding the data)', async () => {
      const outer = await osinfoSubset(await idsForShortIds(['alpinelinux3.17']));
      try {
        const inner = join(outer.dir, 'osinfo-db-20221130');
        mkdirSync(inner);
        for (const sub of ['os', 'device', 'platform', 'VERSION']) {
          cpSync(join(outer.dir, sub), join(inner, sub), { recursive: true });
          rmSync(join(outer.dir, sub), { recursive: true, force: true });
        }
        const s = await importOsinfo(db, { path: outer.dir, ...NO_HW });
        assert.equal(s.path, inner);
        assert.equal(s.status, 'OK');
        await assert.rejects(importOsinfo(db, { path: join(outer.dir, 'nope'), ...NO_HW }), /no such file or directory/);
      } finally {
        outer.cleanup();
      }
    });
  });
}

describe('full osinfo-db import', () => {
  it('imports all of /usr/share/osinfo into PGlite and agrees with libosinfo', {
    skip: skipWith(!findPython() && 'python3-gi with Libosinfo missing'),
  }, async () => {
    const t = await freshDatabase('pglite');
    const db = await t.open();
    try {
      await migrate(db);
      const s = await importOsinfo(db, {});
      const data = await readOsinfo(OSINFO);
      assert.equal(must(s.counts.GuestOS, 'GuestOS counts').created, data.oses.size);
      assert.deepEqual(s.problems, []);
      const dump = await libosinfoDump(OSINFO);
      const a = await compareWithLibosinfo(db.sql, dump);
      assert.equal(a.total, data.oses.size);
      for (const d of a.disagreements) {
        const os = data.oses.get(d.id)!;
        assert.ok(os.derivesFrom.length + os.clones.length > 1 && d.extra.length === 0, `${d.id}: ${JSON.stringify(d)}`);
      }
      // libosinfo reads pci.ids too: the devices osinfo only refers to carry its names
      const [virtio] = await db.sql.query<{ vendorName: string; description: string }>(
        `SELECT "vendorName", description FROM "Device" WHERE id = 'http://pcisig.com/pci/1af4/1041'`,
      );
      assert.deepEqual({ ...virtio }, { vendorName: 'Red Hat, Inc.', description: 'Virtio 1.0 network device' });
    } finally {
      await db.close();
      await t.drop();
    }
  });
});
