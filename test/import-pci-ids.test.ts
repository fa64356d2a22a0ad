// `import pci-ids` on the real pci.ids: vendors, devices and subsystems, idempotence, the
// precedence against osinfo-db and curated rows, malformed lines.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import type { Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { importPciIds } from '../seed/importers/pci-ids.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { loadHwIds, parseHwIds } from '../seed/importers/hwids.ts';
import type { ImportSummary } from '../seed/importers/runs.ts';
import { fingerprint, idsForShortIds, osinfoSubset, pciIdsSubset, writeTemp, PCI_IDS } from './import-support.ts';
import { at, must } from '../src/util/must.ts';

describe('pci.ids parser', () => {
  it('reads vendors, devices and subsystems and stops at the class section', async () => {
    const ids = await loadHwIds(PCI_IDS, 'pci');
    assert.deepEqual(ids.problems, []);
    assert.match(ids.version ?? '', /^\d{4}\.\d{2}\.\d{2}$/);
    const redhat = ids.vendors.get('1af4')!;
    assert.equal(redhat.name, 'Red Hat, Inc.');
    assert.equal(redhat.devices.get('1041')?.name, 'Virtio 1.0 network device');
    assert.ok(
      redhat.devices
        .get('1000')!
        .subsystems.some((s) => s.subsystemVendorId === '01de' && s.subsystemId === 'fffb' && s.name === 'Propolis Virtio network device'),
    );
    // "C 02  Network controller" and its lines are not vendor 0002 or devices
    assert.equal(ids.vendors.get('c 02'), undefined);
  });

  it('reports lines it cannot read, with their numbers', () => {
    const ids = parseHwIds(
      '1af4  Red Hat, Inc.\n\t1000  Virtio network device\n\tzzzz nonsense\n\t\t1af4 0001  Virtio network device\n',
      'x',
      'pci',
    );
    assert.deepEqual(ids.problems, [{ line: 3, reason: 'unrecognised line: "\\tzzzz nonsense"' }]);
    assert.equal(ids.vendors.get('1af4')!.devices.get('1000')!.subsystems.length, 1);
  });
});

for (const kind of testTargets()) {
  describe(`import pci-ids on ${kind}`, () => {
    let t: TestDatabase;
    let db: Database;
    const small = writeTemp('pci.ids', pciIdsSubset(['1af4', '1b36', '15ad', '5853', '10ec', '1013']));
    beforeAll(async () => {
      t = await freshDatabase(kind);
      db = await t.open();
      await migrate(db);
    });
    afterAll(async () => {
      await db?.close();
      await t?.drop();
      small.cleanup();
    });

    it('imports vendors, devices and subsystems with the osinfo URI scheme; a second import changes nothing', async () => {
      const parsed = await loadHwIds(small.path, 'pci');
      const nDevices = [...parsed.vendors.values()].reduce((n, v) => n + v.devices.size, 0);
      const nSubs = [...parsed.vendors.values()].reduce(
        (n, v) => n + [...v.devices.values()].reduce((m, d) => m + d.subsystems.length, 0),
        0,
      );
      const s = await importPciIds(db, { path: small.path });
      assert.deepEqual(
        [
          must(s.counts.PciVendor, 'PciVendor counts').created,
          must(s.counts.Device, 'Device counts').created,
          must(s.counts.PciSubsystem, 'PciSubsystem counts').created,
        ],
        [6, nDevices, nSubs],
      );
      const [d] = await db.sql.query<Record<string, unknown>>(
        `SELECT name, "vendorName", bus, "vendorId", "productId", class::text AS class, kind::text AS kind, "paravirtInterface"::text AS pv, source, "sourceRef"
           FROM "Device" WHERE id = 'http://pcisig.com/pci/1af4/1041'`,
      );
      assert.deepEqual(
        { ...d },
        {
          name: 'Virtio 1.0 network device',
          vendorName: 'Red Hat, Inc.',
          bus: 'pci',
          vendorId: '1af4',
          productId: '1041',
          class: 'NETWORK',
          kind: 'PARAVIRTUAL',
          pv: 'VIRTIO_1_0',
          source: 'pci.ids',
          sourceRef: 'https://pci-ids.ucw.cz/read/PC/1af4/1041',
        },
      );
      const kinds = await db.sql.query<{ id: string; kind: string; pv: string }>(
        `SELECT id, kind::text AS kind, "paravirtInterface"::text AS pv FROM "Device"
          WHERE id IN ('http://pcisig.com/pci/15ad/07b0', 'http://pcisig.com/pci/5853/0001', 'http://pcisig.com/pci/10ec/8139', 'http://pcisig.com/pci/1b36/000d') ORDER BY id`,
      );
      assert.deepEqual(
        kinds.map((k) => ({ ...k })),
        [
          { id: 'http://pcisig.com/pci/10ec/8139', kind: 'PHYSICAL', pv: 'NONE' },
          { id: 'http://pcisig.com/pci/15ad/07b0', kind: 'PARAVIRTUAL', pv: 'VMWARE_PV' },
          { id: 'http://pcisig.com/pci/1b36/000d', kind: 'EMULATED', pv: 'NONE' },
          { id: 'http://pcisig.com/pci/5853/0001', kind: 'PARAVIRTUAL', pv: 'XEN_PV' },
        ],
      );
      const before = await fingerprint(db.sql);
      const again = await importPciIds(db, { path: small.path });
      for (const [table, c] of Object.entries(again.counts)) assert.equal(c.created + c.updated + c.deleted, 0, table);
      assert.equal(again.changes, 0);
      const after = await fingerprint(db.sql);
      for (const table of Object.keys(before)) if (table !== 'ImportRun') assert.equal(after[table], before[table], table);
    });

    it('osinfo refines pci.ids rows and takes over curated ones it has; pci.ids then leaves osinfo and curated rows alone', async () => {
      // ne2k_pci is osinfo-db's too; the RTL8111 (10ec:8161, in pci.ids) is not.
      await db.sql.query(
        `INSERT INTO "Device" (id, name, bus, "vendorId", "productId", class, kind, source, "updatedAt")
         VALUES ('http://pcisig.com/pci/10ec/8029', 'ne2k_pci (curated)', 'pci', '10ec', '8029', 'NETWORK', 'EMULATED', 'curated', now()),
                ('http://pcisig.com/pci/10ec/8161', 'RTL8111 (curated)', 'pci', '10ec', '8161', 'NETWORK', 'EMULATED', 'curated', now())
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, source = 'curated'`,
      );
      const subset = await osinfoSubset(await idsForShortIds(['debian11']));
      try {
        const o = await importOsinfo(db, { path: subset.dir, pciIds: small.path, usbIds: null });
        assert.ok(must(o.counts.Device, 'Device counts').updated > 0, 'osinfo takes over the pci.ids rows it describes');
        assert.equal(must(o.counts.Device, 'Device counts').kept, 0, 'and the curated row of a device it has (seed/provenance.ts)');
        // The curated name no correction states gives way to osinfo-db's, and the import says so.
        assert.ok(
          o.problems.some((p) => /10ec\/8029: the curated row gives name "ne2k_pci \(curated\)", osinfo-db "ne2k_pci"/.test(p.reason)),
          JSON.stringify(o.problems.map((p) => p.reason)),
        );
      } finally {
        subset.cleanup();
      }
      const [virtio] = await db.sql.query<{ name: string; source: string; rawClass: string; kind: string }>(
        `SELECT name, source, "rawClass", kind::text AS kind FROM "Device" WHERE id = 'http://pcisig.com/pci/1af4/1000'`,
      );
      assert.deepEqual({ ...virtio }, { name: 'virtio-net', source: 'osinfo-db', rawClass: 'net', kind: 'PARAVIRTUAL' });
      const rtl = at(
        await db.sql.query<{ kind: string }>(`SELECT kind::text AS kind FROM "Device" WHERE id = 'http://pcisig.com/pci/10ec/8139'`),
        0,
        'rtl',
      );
      assert.equal(rtl.kind, 'EMULATED', 'osinfo describes rtl8139 as virtual hardware');

      const s = await importPciIds(db, { path: small.path });
      assert.ok(must(s.counts.Device, 'Device counts').kept >= 2);
      assert.equal(must(s.counts.Device, 'Device counts').updated, 0);
      const still = await db.sql.query<{ id: string; name: string; source: string }>(
        `SELECT id, name, source FROM "Device" WHERE id IN ('http://pcisig.com/pci/10ec/8029', 'http://pcisig.com/pci/10ec/8161') ORDER BY id`,
      );
      assert.deepEqual(
        still.map((r) => ({ ...r })),
        [
          { id: 'http://pcisig.com/pci/10ec/8029', name: 'ne2k_pci', source: 'osinfo-db' },
          { id: 'http://pcisig.com/pci/10ec/8161', name: 'RTL8111 (curated)', source: 'curated' },
        ],
      );
    });

    it('reports malformed lines and refuses them under --strict', async () => {
      const bad = writeTemp('pci.ids', pciIdsSubset(['1af4']) + '\tffff  device without vendor?\nnot a line\n');
      try {
        const before = await fingerprint(db.sql);
        await assert.rejects(
          importPciIds(db, { path: bad.path, strict: true }),
          (e: Error & { code?: string; summary?: ImportSummary }) => {
            assert.equal(e.code, 'IMPORT_STRICT');
            assert.match(e.summary!.problems.map((p) => p.reason).join('\n'), /unrecognised line: "not a line"/);
            return true;
          },
        );
        const after = await fingerprint(db.sql);
        for (const table of Object.keys(before)) if (table !== 'ImportRun') assert.equal(after[table], before[table], table);
        const s = await importPciIds(db, { path: bad.path });
        assert.equal(s.problems.length, 1);
        assert.equal(must(s.counts.Device, 'Device counts').created, 1, 'the indented line is a device of the vendor above it (1af4:ffff)');
      } finally {
        bad.cleanup();
      }
    });

    it('imports the whole of the installed pci.ids', async () => {
      const parsed = await loadHwIds(PCI_IDS, 'pci');
      const s = await importPciIds(db, {});
      const { v, d, sub } = at(
        await db.sql.query<{ v: number; d: number; sub: number }>(
          `SELECT (SELECT count(*)::int FROM "PciVendor") AS v, (SELECT count(*)::int FROM "Device" WHERE bus = 'pci') AS d, (SELECT count(*)::int FROM "PciSubsystem") AS sub`,
        ),
        0,
      );
      assert.equal(v, parsed.vendors.size);
      const nDevices = [...parsed.vendors.values()].reduce((n, x) => n + x.devices.size, 0);
      assert.ok(d >= nDevices, `${d} pci devices, pci.ids has ${nDevices}`);
      assert.ok(sub >= 10_000);
      assert.equal(s.sourceVersion, parsed.version);
    });
  });
}
