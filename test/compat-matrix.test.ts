// Compatibility verdicts per backend, the matrix and its two slices (a guest's row, a release's
// column), and evidence levels, on the real databases: the curated seed for the verdicts and the
// matrix (with synthetic guests to reach 100 rows), the vendor fixtures for submissions.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, testTargets } from './helpers/db.ts';
import { migrate, MIGRATIONS_DIR } from '../src/db/migrate.ts';
import { seededApp, type TestApp } from './helpers/app.ts';
import { vendorApp, loadFixtures, SUBMIT, REVIEW, IDS, goodRecord, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { at } from '../src/util/must.ts';

const VERDICT = `query($g: String!, $r: String!) {
  compatibility(guest: $g, hypervisorRelease: $r) {
    verdict basis evidenceLevel reasons records { id status evidenceLevel }
    conflicts { a { id } b { id } reason }
    backends { backend level basis inherited evidenceLevel records { id status backend evidenceLevel } reasons }
  }
}`;

const CELL = `guest { id } hypervisorRelease { id } level basis evidenceLevel reasons conflicts { reason }
  backends { backend level basis evidenceLevel records { id } }`;
const MATRIX = `query($g: [String!]!, $r: [String!]!) {
  matrix(guests: $g, hypervisorReleases: $r) {
    guests { id } hypervisorReleases { id } cells { ${CELL} } counts { level count }
  }
}`;

for (const kind of testTargets()) {
  describe(`compatibility matrix on ${kind}`, () => {
    let t: TestApp;
    let releases: Array<{ id: string; ref: string }>;
    let guests: string[];

    beforeAll(async () => {
      t = await seededApp(kind);
      // 50 more guests, each deriving from a curated one, so a 100-guest matrix exists.
      await t.db.sql.query(
        `INSERT INTO "GuestOS" (id, "shortIds", name, architectures, "derivesFromId", "updatedAt")
         SELECT 'http://test.example/os/' || n, ARRAY['testos' || n], 'Test OS ' || n, '{x86_64}',
                (SELECT id FROM "GuestOS" WHERE source = 'curated' ORDER BY id OFFSET (n % 40) LIMIT 1), now()
           FROM generate_series(1, 50) AS n`,
      );
      releases = await t.db.sql.query<{ id: string; ref: string }>(
        `SELECT r.id, h.key || ':' || r.version AS ref FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId" ORDER BY r.id`,
      );
      guests = (await t.db.sql.query<{ id: string }>(`SELECT id FROM "GuestOS" ORDER BY id`)).map((g) => g.id);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it('issue 12 item 1: pvscsi and storvsc are disk paths, so Windows 10 is LIKELY on ESXi 8.0 and Hyper-V 2022', async () => {
      const esxi = await t.gql(VERDICT, { g: 'win10', r: 'vmware:8.0' });
      assert.equal(esxi.data.compatibility.verdict, 'LIKELY', JSON.stringify(esxi));
      assert.match(esxi.data.compatibility.reasons.join('\n'), /PVSCSI\) \(storage controller, paravirtual\)/);
      assert.deepEqual(
        esxi.data.compatibility.backends.map((b: { backend: string | null; level: string }) => [b.backend, b.level]),
        [[null, 'LIKELY']],
        'ESXi offers no choice of backend',
      );
      const hv = await t.gql(VERDICT, { g: 'win10', r: 'hyperv:2022' });
      assert.equal(hv.data.compatibility.verdict, 'LIKELY', JSON.stringify(hv));
      assert.match(hv.data.compatibility.reasons.join('\n'), /SCSI Controller \(storage controller, paravirtual\)/);
    });

    it('issue 12 item 1: Windows 11 on Hyper-V 2022 is SUPPORTED as generation 2 and says generation 1 is UNSUPPORTED', async () => {
      const r = await t.gql(VERDICT, { g: 'win11', r: 'hyperv:2022' });
      const v = r.data.compatibility;
      assert.equal(v.verdict, 'SUPPORTED');
      assert.equal(v.evidenceLevel, 'VENDOR_CERTIFIED');
      assert.equal(
        at(v.reasons, 0),
        'backends differ: SUPPORTED as hyperv-gen2; UNSUPPORTED as hyperv-gen1 (use hyperv-gen2, not hyperv-gen1)',
      );
      assert.deepEqual(
        v.backends.map((b: any) => [b.backend, b.level, b.basis, b.inherited, b.evidenceLevel, b.records.map((x: any) => x.backend)]),
        [
          ['hyperv-gen1', 'UNSUPPORTED', 'RECORD', false, 'VENDOR_CERTIFIED', ['hyperv-gen1']],
          ['hyperv-gen2', 'SUPPORTED', 'RECORD', false, 'VENDOR_CERTIFIED', ['hyperv-gen2']],
        ],
      );
    });

    it('a matrix costs the same number of statements at 10 × 6 as at 100 × 24, and its cells are the single verdicts', async () => {
      assert.ok(guests.length >= 100 && releases.length >= 24, `${guests.length} guests, ${releases.length} releases`);
      const run = async (g: string[], r: string[]) => {
        t.statements.count = 0;
        t.statements.texts.length = 0;
        const res = await t.gql(MATRIX, { g, r });
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        return { m: res.data.matrix, statements: t.statements.count };
      };
      const small = await run(
        guests.slice(0, 10),
        releases.slice(0, 6).map((r) => r.ref),
      );
      const big = await run(
        guests.slice(0, 100),
        releases.slice(0, 24).map((r) => r.ref),
      );
      assert.equal(small.m.cells.length, 60);
      assert.equal(big.m.cells.length, 2400);
      assert.equal(big.statements, small.statements, `10×6: ${small.statements} statements, 100×24: ${big.statements}`);
      assert.ok(small.statements <= 10, `${small.statements} statements`);
      assert.equal(
        big.m.counts.reduce((n: number, c: { count: number }) => n + c.count, 0),
        2400,
      );
      // Row-major, and every cell is what `compatibility` says for the pair.
      const win11 = guests.indexOf('http://microsoft.com/win/11');
      const hv = releases.findIndex((r) => r.ref === 'hyperv:2022');
      const m = await t.gql(MATRIX, { g: ['win11', 'win10', 'rhel9.2'], r: ['hyperv:2022', 'vmware:8.0', 'kvm:7.2'] });
      assert.ok(win11 >= 0 && hv >= 0);
      const cells: any[] = m.data.matrix.cells;
      for (const [i, g] of ['win11', 'win10', 'rhel9.2'].entries()) {
        for (const [j, r] of ['hyperv:2022', 'vmware:8.0', 'kvm:7.2'].entries()) {
          const c = at(cells, i * 3 + j);
          const single = (await t.gql(VERDICT, { g, r })).data.compatibility;
          assert.equal(c.level, single.verdict, `${g} on ${r}`);
          assert.deepEqual(c.reasons, single.reasons, `${g} on ${r}`);
        }
      }
      assert.equal(at(cells, 0).level, 'SUPPORTED');
      assert.equal(at(cells, 0).basis, 'RECORD');
      assert.equal(at(cells, 0).evidenceLevel, 'VENDOR_CERTIFIED');
      assert.equal(at(cells, 8).guest.id, 'http://redhat.com/rhel/9.2');
      assert.equal(at(cells, 8).hypervisorRelease.id, 'http://virtcompat.org/hypervisor/kvm/qemu-7.2');
      assert.equal(at(cells, 8).level, 'SUPPORTED');
      assert.equal(at(cells, 8).evidenceLevel, 'GUEST_VENDOR_TESTED');
    });

    it('names what was wrong: an unknown guest or release, too many of either', async () => {
      const g = await t.gql(MATRIX, { g: ['win11', 'win99'], r: ['kvm:8.2'] });
      assert.equal(g.errors?.[0]?.extensions?.code, 'GUEST_OS_NOT_FOUND');
      const r = await t.gql(MATRIX, { g: ['win11'], r: ['kvm:99'] });
      assert.equal(r.errors?.[0]?.extensions?.code, 'HYPERVISOR_RELEASE_NOT_FOUND');
      assert.match(r.errors?.[0]?.message ?? '', /kvm:99/);
      const many = await t.gql(MATRIX, { g: Array.from({ length: 201 }, () => 'win11'), r: ['kvm:8.2'] });
      assert.equal(many.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(many.errors?.[0]?.message ?? '', /at most 200 guests, got 201/);
    });

    it("guestSupport: the guest's cell on every release", async () => {
      t.statements.count = 0;
      const r = await t.gql(`{ guestSupport(guest: "win11") { ${CELL} } }`);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const cells = r.data.guestSupport;
      assert.equal(cells.length, releases.length);
      const hv = cells.find((c: any) => c.hypervisorRelease.id === 'http://virtcompat.org/hypervisor/hyperv/ws2022');
      assert.equal(hv.level, 'SUPPORTED');
      assert.deepEqual(
        hv.backends.map((b: any) => b.level),
        ['UNSUPPORTED', 'SUPPORTED'],
      );
      assert.ok(t.statements.count <= 10, `${t.statements.count} statements`);
    });

    it('releaseGuests: the guests on a release, filtered by level and paged', async () => {
      const Q = `query($r: String!, $l: [Verdict!], $after: String) {
        releaseGuests(hypervisorRelease: $r, levels: $l, first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } nodes { guest { id } level }
        }
      }`;
      const supported = await t.gql(Q, { r: 'hyperv:2022', l: ['SUPPORTED'] });
      const page1 = supported.data.releaseGuests;
      assert.ok(page1.nodes.every((n: any) => n.level === 'SUPPORTED'));
      const all: string[] = page1.nodes.map((n: any) => n.guest.id);
      let cursor = page1.pageInfo.endCursor;
      let more = page1.pageInfo.hasNextPage;
      while (more) {
        const next = (await t.gql(Q, { r: 'hyperv:2022', l: ['SUPPORTED'], after: cursor })).data.releaseGuests;
        all.push(...next.nodes.map((n: any) => n.guest.id));
        cursor = next.pageInfo.endCursor;
        more = next.pageInfo.hasNextPage;
      }
      assert.equal(all.length, page1.totalCount);
      assert.deepEqual([...all].sort(), all, 'in id order');
      assert.ok(all.includes('http://microsoft.com/win/11') && all.includes('http://microsoft.com/win/2k22'), all.join(', '));
      const unfiltered = (await t.gql(Q, { r: 'hyperv:2022' })).data.releaseGuests;
      assert.equal(unfiltered.totalCount, guests.length);
      const bad = await t.gql(Q, { r: 'hyperv:2022', after: 'nonsense' });
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_CURSOR');
    });
  });

  describe(`evidence levels on ${kind}`, () => {
    let t: VendorTestApp;
    let n = 0;
    const accepted = async (record: Record<string, unknown>, as: string) => {
      const r = await t.gql(SUBMIT, { records: [record], key: `ev-${++n}` }, as);
      assert.equal(r.data?.submitCompatibilityRecords.ok, true, JSON.stringify(r));
      const id = r.data.submitCompatibilityRecords.records[0].record.id as string;
      const rv = await t.gql(REVIEW, { id, decision: 'ACCEPTED', reason: 'checked' }, t.keys.maintainer);
      assert.equal(rv.data?.reviewRecord.reviewState, 'ACCEPTED', JSON.stringify(rv));
      return id;
    };
    beforeAll(async () => {
      t = await vendorApp(kind);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('is set from the submitter and ranks conflicting records: the hypervisor vendor outranks the guest vendor', async () => {
      const guestVendor = await accepted(goodRecord({ status: 'WORKS' }), t.keys.acme);
      const hvVendor = await accepted(
        goodRecord({ status: 'BROKEN', evidence: { url: 'https://hv.example/c', date: '2020-01-01' } }),
        t.keys.hvco,
      );
      const bystander = await accepted(
        goodRecord({ status: 'SUPPORTED', evidence: { url: 'https://o.example/r', date: '2025-01-01' } }),
        t.keys.other,
      );
      const levels = await t.db.sql.query<{ id: string; evidenceLevel: string }>(
        `SELECT id, "evidenceLevel"::text AS "evidenceLevel" FROM "CompatibilityRecord" WHERE id = ANY($1::text[])`,
        [[guestVendor, hvVendor, bystander]],
      );
      const level = new Map(levels.map((l) => [l.id, l.evidenceLevel]));
      assert.equal(level.get(hvVendor), 'VENDOR_CERTIFIED', 'hvco is a HYPERVISOR vendor and owns kvmt');
      assert.equal(level.get(guestVendor), 'GUEST_VENDOR_TESTED', 'acme is an OS vendor and owns acmeos1');
      assert.equal(level.get(bystander), 'USER_REPORTED', 'other owns neither');

      const v = (await t.gql(VERDICT, { g: 'acmeos1', r: 'kvmt:1.0' })).data.compatibility;
      assert.equal(v.verdict, 'BROKEN', 'the certified record wins although it is the oldest');
      assert.equal(v.evidenceLevel, 'VENDOR_CERTIFIED');
      assert.deepEqual(
        v.records.map((r: any) => r.id),
        [hvVendor, guestVendor, bystander],
        'strongest evidence first',
      );
      assert.equal(v.conflicts.length, 2, 'both disagreements are shown');
      assert.match(v.reasons.join('\n'), /outranked by hvco \(VENDOR_CERTIFIED, 2020-01-01\)/);
    });
  });

  it(`the evidence-level migration backfills existing records by their submitter (${kind})`, async () => {
    const migration = readdirSync(MIGRATIONS_DIR).find((m) => m.endsWith('_verdict_evidence_level'));
    assert.ok(migration, 'the migration is committed');
    const dir = mkdtempSync(join(tmpdir(), 'vc-migrations-'));
    const target = await freshDatabase(kind);
    const db = await target.open();
    try {
      for (const m of readdirSync(MIGRATIONS_DIR)) if (m < migration) cpSync(join(MIGRATIONS_DIR, m), join(dir, m), { recursive: true });
      cpSync(join(MIGRATIONS_DIR, 'migration_lock.toml'), join(dir, 'migration_lock.toml'));
      await migrate(db, dir);
      await loadFixtures(db);
      await db.sql.query(
        `INSERT INTO "CompatibilityRecord" (id, "guestId", "hypervisorReleaseId", status, "submitterVendorId", "reviewState", source) VALUES
         ('by-hv', $1, $2, 'WORKS', 'hvco', 'ACCEPTED', 'vendor:hvco'), ('by-os', $1, $2, 'WORKS', 'acme', 'ACCEPTED', 'vendor:acme'),
         ('by-other', $1, $2, 'WORKS', 'other', 'ACCEPTED', 'vendor:other'), ('curated', $1, $2, 'WORKS', NULL, 'ACCEPTED', 'curated')`,
        [IDS.acme1, IDS.kvmt1],
      );
      const applied = await migrate(db);
      assert.ok(applied.includes(migration), applied.join(', '));
      const rows = await db.sql.query<{ id: string; level: string }>(
        `SELECT id, "evidenceLevel"::text AS level FROM "CompatibilityRecord" ORDER BY id`,
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.level]),
        [
          ['by-hv', 'VENDOR_CERTIFIED'],
          ['by-os', 'GUEST_VENDOR_TESTED'],
          ['by-other', 'USER_REPORTED'],
          ['curated', 'USER_REPORTED'],
        ],
      );
    } finally {
      await db.close();
      await target.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
}
