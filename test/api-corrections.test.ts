// Corrections through GraphQL (issue 12, item 2): the curated seed's corrections of osinfo-db's facts,
// each with what it replaces (the value and whose it was), the new value, who says so and why, and
// whether it is in force; by query and on the guests and devices they correct, in a bounded number
// of SQL statements. A seeded service with a real osinfo-db subset imported after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { seededApp, type TestApp } from './helpers/app.ts';
import { testTargets } from './helpers/db.ts';
import { skipWith } from './helpers/skip.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { OSINFO, osinfoSubset } from './import-support.ts';

const UBUNTU_2210 = 'http://ubuntu.com/ubuntu/22.10';
const LSI = 'http://pcisig.com/pci/1000/0012';
const FIELDS = 'entityKind entityId field value replaced { value source } reason source sourceRef status current';

for (const kind of testTargets()) {
  describe(`corrections in GraphQL on ${kind}`, { skip: skipWith(!existsSync(OSINFO) && `${OSINFO} missing (apt: osinfo-db)`) }, () => {
    let t: TestApp;
    let cleanup = () => {};
    beforeAll(async () => {
      t = await seededApp(kind);
      const sub = await osinfoSubset([UBUNTU_2210]);
      cleanup = sub.cleanup;
      await importOsinfo(t.db, { path: sub.dir, pciIds: null, usbIds: null });
    });
    afterAll(async () => {
      await t?.close();
      cleanup();
    });

    it('lists a correction of an osinfo-db guest with what it replaces, whose it was, and why', async () => {
      const res = await t.gql(
        `query($id: ID) { corrections(filter: { entityKind: GUEST_OS, entityId: $id, field: "releaseStatus" }) { ${FIELDS} } }`,
        {
          id: UBUNTU_2210,
        },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.corrections).toEqual([
        {
          entityKind: 'GUEST_OS',
          entityId: UBUNTU_2210,
          field: 'releaseStatus',
          value: 'RELEASED',
          replaced: { value: 'PRERELEASE', source: 'osinfo-db' },
          reason: expect.stringMatching(/prerelease/),
          source: 'curated',
          sourceRef: expect.stringMatching(/^https?:/),
          status: 'APPLIED',
          current: 'RELEASED',
        },
      ]);
      const g = await t.gql(`query($id: ID) { guestOS(id: $id) { releaseStatus corrections { field status replaced { source } } } }`, {
        id: UBUNTU_2210,
      });
      expect(g.data.guestOS.releaseStatus).toBe('RELEASED');
      expect(g.data.guestOS.corrections).toContainEqual({ field: 'releaseStatus', status: 'APPLIED', replaced: { source: 'osinfo-db' } });
    });

    it("lists a device's corrections and additions; a curated-only device's are UNUSED and not listed by default", async () => {
      const res = await t.gql(
        `query($id: ID!) { device(id: $id) { name source: provenance { source } corrections { field value replaced { value source } status } } }`,
        {
          id: LSI,
        },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.device).toEqual({
        name: 'LSI 53C895A SCSI controller',
        source: { source: 'osinfo-db' },
        corrections: [
          { field: 'description', value: "QEMU's lsi53c895a.", replaced: { value: null, source: 'osinfo-db' }, status: 'APPLIED' },
          { field: 'name', value: 'LSI 53C895A SCSI controller', replaced: { value: 'lsi', source: 'osinfo-db' }, status: 'APPLIED' },
          { field: 'rawClass', value: 'scsi', replaced: { value: 'block', source: 'osinfo-db' }, status: 'APPLIED' },
          { field: 'vendorName', value: 'Broadcom / LSI', replaced: { value: null, source: 'osinfo-db' }, status: 'APPLIED' },
        ],
      });
      // qemu-xhci (1b36:000d) is not in osinfo-db: its curated additions correct nothing.
      const own = await t.gql(`{ device(id: "http://pcisig.com/pci/1b36/000d") { source: provenance { source }
          corrections { field } all: corrections(status: [APPLIED, STALE, UNUSED]) { status replaced { source } } } }`);
      expect(own.data.device.source.source).toBe('curated');
      expect(own.data.device.corrections).toEqual([]);
      expect(own.data.device.all.length).toBeGreaterThan(0);
      expect(own.data.device.all.every((c: any) => c.status === 'UNUSED' && c.replaced.source === null)).toBe(true);
    });

    it("says STALE once the other source no longer says what a correction replaces, and shows the other source's value", async () => {
      await t.db.sql.query(`UPDATE "GuestOS" SET "releaseStatus" = 'SNAPSHOT' WHERE id = $1`, [UBUNTU_2210]);
      try {
        const res = await t.gql(
          `{ corrections(filter: { source: "curated", status: [STALE] }) { entityId field replaced { value } current } }`,
        );
        expect(res.data.corrections).toEqual([
          { entityId: UBUNTU_2210, field: 'releaseStatus', replaced: { value: 'PRERELEASE' }, current: 'SNAPSHOT' },
        ]);
      } finally {
        await t.db.sql.query(`UPDATE "GuestOS" SET "releaseStatus" = 'RELEASED' WHERE id = $1`, [UBUNTU_2210]);
      }
    });

    it('costs the same number of SQL statements for 5 guests with their corrections as for 50 (no N+1)', async () => {
      const q = (n: number) => `{ guestOSes(first: ${n}) { nodes { id corrections { field status } } } }`;
      t.statements.count = 0;
      const small = await t.gql(q(5));
      const smallCount = t.statements.count;
      t.statements.count = 0;
      const big = await t.gql(q(50));
      const bigCount = t.statements.count;
      expect(small.errors).toBeUndefined();
      expect(big.data.guestOSes.nodes).toHaveLength(50);
      expect(bigCount).toBe(smallCount);
      expect(bigCount).toBeLessThanOrEqual(4);
    });

    it("lists a release's unpublished limits with where they were looked for", async () => {
      const res = await t.gql(`{ hypervisorRelease(id: "http://virtcompat.org/hypervisor/firecracker/v1.7.0") {
          maxVcpus maxMemoryMiB limitsNotPublished { field status looked note } } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data.hypervisorRelease).toEqual({
        maxVcpus: 32,
        maxMemoryMiB: null,
        limitsNotPublished: [
          {
            field: 'maxMemoryMiB',
            status: 'NOT_PUBLISHED',
            looked: expect.arrayContaining([
              'https://github.com/firecracker-microvm/firecracker/blob/main/src/firecracker/swagger/firecracker.yaml',
            ]),
            note: expect.stringMatching(/no maximum/),
          },
        ],
      });
    });

    it('rejects a page size above its limit with a coded error', async () => {
      const res = await t.gql(`{ corrections(first: 5000) { field } }`);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
}
