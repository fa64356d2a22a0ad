// Concurrency on the real databases: 20 clients submit overlapping batches, retrying some requests
// while the first attempt is still in flight and others after a lost answer. The end state holds
// every claim exactly once, and every retry got the first answer. Then 20 maintainers race to
// review every record while a follower reads the change feed: each record is accepted once, and
// the follower, reading `changes(after:)` as it goes, misses nothing.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { testTargets } from './helpers/db.ts';
import { vendorApp, IDS, SUBMIT, REVIEW, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { at } from '../src/util/must.ts';

const CLIENTS = 20;
const BATCHES = 4;
const BATCH = 10;
const ACME_CLAIMS = 60;
const OTHER_CLAIMS = 24;

const acmeClaim = (i: number) => ({
  guest: i % 2 ? 'acmeos1' : 'acmeos2',
  hypervisorRelease: 'kvmt:1.0',
  status: i % 3 ? 'WORKS' : 'SUPPORTED',
  testedDevices: [IDS.virtioNet],
  evidence: { notes: `acme claim ${i}`, date: '2024-04-01' },
});
const otherClaim = (i: number) => ({
  guest: 'otheros5',
  hypervisorRelease: 'kvmt:1.0',
  status: 'WORKS',
  testedDevices: [IDS.e1000],
  evidence: { notes: `other claim ${i}`, date: '2024-04-01' },
});

for (const kind of testTargets()) {
  describe(`concurrent vendors and maintainers (${kind})`, () => {
    let t: VendorTestApp;
    beforeAll(async () => {
      t = await vendorApp(kind);
    });
    afterAll(async () => {
      await t?.close();
    });

    it(`${CLIENTS} clients, overlapping batches, retries: every claim stored exactly once`, async () => {
      const sent = new Map<string, { vendor: 'acme' | 'other'; records: unknown[] }>();
      const answers = new Map<string, string[][]>();
      const jobs: Array<Promise<void>> = [];
      const send = async (key: string, vendor: 'acme' | 'other', records: unknown[]) => {
        const r = await t.gql(SUBMIT, { records, key }, t.keys[vendor]);
        assert.equal(r.errors, undefined, `${key}: ${JSON.stringify(r.errors)}`);
        const res = r.data.submitCompatibilityRecords;
        assert.equal(res.ok, true, `${key}: ${JSON.stringify(res.inputErrors)}`);
        const ids = res.records.map((x: { record: { id: string } }) => x.record.id);
        answers.set(key, [...(answers.get(key) ?? []), ids]);
      };
      for (let c = 0; c < CLIENTS; c++) {
        const vendor = c < 15 ? 'acme' : 'other';
        const universe = vendor === 'acme' ? ACME_CLAIMS : OTHER_CLAIMS;
        jobs.push(
          (async () => {
            for (let b = 0; b < BATCHES; b++) {
              const start = (c * 4 + b * 5) % universe;
              const records = Array.from({ length: BATCH }, (_, i) => (start + i) % universe).map((i) =>
                vendor === 'acme' ? acmeClaim(i) : otherClaim(i),
              );
              const key = `client-${c}-batch-${b}`;
              sent.set(key, { vendor, records });
              switch ((c + b) % 3) {
                case 0: // the client timed out and retried while the first request was still running
                  await Promise.all([send(key, vendor, records), send(key, vendor, records)]);
                  break;
                case 1: // the answer was lost: the client sends the same request again
                  await send(key, vendor, records);
                  await send(key, vendor, records);
                  break;
                default:
                  await send(key, vendor, records);
              }
            }
          })(),
        );
      }
      await Promise.all(jobs);

      for (const [key, list] of answers) {
        for (const ids of list) assert.deepEqual(ids, list[0], `every answer for ${key} is the first answer`);
      }
      const rows = await t.db.sql.query<{ id: string; submitterVendorId: string; evidenceNotes: string }>(
        `SELECT id, "submitterVendorId", "evidenceNotes" FROM "CompatibilityRecord"`,
      );
      const wanted = new Set<string>();
      for (const { vendor, records } of sent.values())
        for (const r of records) wanted.add(`${vendor} ${(r as { evidence: { notes: string } }).evidence.notes}`);
      const stored = rows.map((r) => `${r.submitterVendorId} ${r.evidenceNotes}`);
      assert.equal(stored.length, new Set(stored).size, 'no claim stored twice');
      assert.deepEqual(new Set(stored), wanted, 'every claim stored');
      const ids = new Set(rows.map((r) => r.id));
      for (const list of answers.values()) for (const id of at(list, 0)) assert.ok(ids.has(id), `answered id ${id} exists`);
      const { n } = at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "IdempotencyKey"`), 0);
      assert.equal(n, sent.size, 'one idempotency row per batch key');
    });

    it('racing reviewers accept each record once; a follower of the change feed misses nothing', async () => {
      const pending = await t.db.sql.query<{ id: string }>(
        `SELECT id FROM "CompatibilityRecord" WHERE "reviewState" = 'PENDING' ORDER BY id`,
      );
      assert.ok(pending.length >= ACME_CLAIMS);
      const FEED = `query($after: String) { changes(first: 7, after: $after) { edges { cursor node { seq } } pageInfo { endCursor } } }`;
      const followed: string[] = [];
      let cursor: string | null = null;
      let stop = false;
      const follow = async () => {
        for (;;) {
          // Only a read that began after the last write committed may end the follow: one already
          // in flight then can come back without it.
          const last = stop;
          const c: { edges: Array<{ node: { seq: string } }>; pageInfo: { endCursor: string | null } } = (
            await t.gql(FEED, { after: cursor })
          ).data.changes;
          followed.push(...c.edges.map((e) => e.node.seq));
          if (c.pageInfo.endCursor) cursor = c.pageInfo.endCursor;
          else if (last) return;
          else await new Promise((r) => setTimeout(r, 2));
        }
      };
      const follower = follow();
      const outcomes = new Map<string, string[]>();
      await Promise.all(
        Array.from({ length: 20 }, async (_, w) => {
          const order = [...pending].sort(
            (a, b) => (a.id.charCodeAt(w % 30) ^ w) - (b.id.charCodeAt(w % 30) ^ w) || a.id.localeCompare(b.id),
          );
          for (const { id } of order.slice(0, 30)) {
            const r = await t.gql(REVIEW, { id, decision: 'ACCEPTED', reason: `reviewer ${w}` }, w % 2 ? t.keys.maintainer : t.keys.admin);
            const code = r.errors?.[0]?.extensions?.code ?? r.data.reviewRecord.reviewState;
            outcomes.set(id, [...(outcomes.get(id) ?? []), code]);
          }
        }),
      );
      // Whatever no reviewer reached yet, one last pass.
      for (const { id } of pending)
        if (!outcomes.has(id)) await t.gql(REVIEW, { id, decision: 'ACCEPTED', reason: 'last pass' }, t.keys.maintainer);
      stop = true;
      await follower;

      for (const [id, codes] of outcomes) {
        assert.equal(codes.filter((c) => c === 'ACCEPTED').length, 1, `${id} accepted once: ${codes.join(',')}`);
        assert.ok(
          codes.every((c) => c === 'ACCEPTED' || c === 'CONFLICT'),
          codes.join(','),
        );
      }
      const upserts = await t.db.sql.query<{ entityId: string; n: number }>(
        `SELECT "entityId", count(*)::int AS n FROM "Change" WHERE "entityType" = 'CompatibilityRecord' AND op = 'UPSERT' GROUP BY "entityId"`,
      );
      assert.equal(upserts.length, pending.length, 'one feed entry per accepted record');
      assert.ok(upserts.every((u) => u.n === 1));
      const { n: audits } = at(
        await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AuditEntry" WHERE action = 'reviewRecord' AND outcome = 'OK'`),
        0,
      );
      assert.equal(audits, pending.length);
      const all = (await t.db.sql.query<{ seq: string }>(`SELECT seq::text AS seq FROM "Change" ORDER BY "Change".seq`)).map((r) => r.seq);
      assert.deepEqual(followed, all, 'the follower saw every change, once, in order, while writes were committing');
      const v = await t.gql(`{ compatibility(guest: "acmeos1", hypervisorRelease: "kvmt:1.0") { basis records { id } } }`);
      assert.equal(v.data.compatibility.basis, 'RECORDS');
      assert.equal(v.data.compatibility.records.length, ACME_CLAIMS / 2);
    });
  });
}
