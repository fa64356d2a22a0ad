// Vendor submissions end to end on the real databases: validation with typed, per-record input
// errors (and nothing written), idempotency, duplicate claims, review, supersession, conflicting
// claims side by side, vendors publishing what they own, the audit log and the change feed.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { testTargets } from './helpers/db.ts';
import { vendorApp, IDS, SUBMIT, REVIEW, goodRecord, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { at } from '../src/util/must.ts';

const VERDICT = `query($g: String!, $r: String!) {
  compatibility(guest: $g, hypervisorRelease: $r) {
    verdict basis records { id status } conflicts { reason a { id status } b { id status } } devices { class device { id } }
  }
}`;

let seq = 0;
/** A valid record that no other test has submitted (distinct evidence notes). */
const fresh = (over: Record<string, unknown> = {}) =>
  goodRecord({ evidence: { notes: `run ${++seq}`, url: 'https://acme.example/t', date: '2024-03-03' }, ...over });

for (const kind of testTargets()) {
  describe(`vendor submissions (${kind})`, () => {
    let t: VendorTestApp;
    const count = async (table: string) => at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`), 0).n;
    const submit = (records: unknown[], key: string, as = t.keys.acme) => t.gql(SUBMIT, { records, key }, as);
    const review = (id: string, decision: 'ACCEPTED' | 'REJECTED', as = t.keys.maintainer, reason = 'reviewed against the evidence') =>
      t.gql(REVIEW, { id, decision, reason }, as);
    const accepted = async (record: Record<string, unknown>, as = t.keys.acme) => {
      const r = await submit([record], `acc-${++seq}`, as);
      assert.equal(r.data?.submitCompatibilityRecords.ok, true, JSON.stringify(r));
      const id = r.data.submitCompatibilityRecords.records[0].record.id as string;
      const rv = await review(id, 'ACCEPTED');
      assert.equal(rv.data?.reviewRecord.reviewState, 'ACCEPTED', JSON.stringify(rv));
      return id;
    };

    beforeAll(async () => {
      t = await vendorApp(kind);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('stores a valid batch as PENDING records, visible to the submitter and maintainers only', async () => {
      const r = await submit([fresh(), fresh({ guest: IDS.acme2, testedDevices: [IDS.virtioNet], backend: null })], 'first');
      const res = r.data.submitCompatibilityRecords;
      assert.deepEqual(res.inputErrors, []);
      assert.equal(res.ok, true);
      assert.equal(res.replayed, false);
      assert.equal(res.records.length, 2);
      for (const rec of res.records) {
        assert.equal(rec.record.reviewState, 'PENDING');
        assert.equal(rec.record.submitter.id, 'acme');
        assert.equal(rec.duplicate, false);
      }
      const id = res.records[0].record.id;
      const q = `query($id: ID!) { compatibilityRecord(id: $id) { id reviewState } }`;
      assert.equal((await t.gql(q, { id })).data.compatibilityRecord, null, 'anonymous callers see accepted records only');
      assert.equal((await t.gql(q, { id }, t.keys.other)).data.compatibilityRecord, null, 'another vendor does not see it');
      assert.equal((await t.gql(q, { id }, t.keys.acme)).data.compatibilityRecord.id, id);
      assert.equal((await t.gql(q, { id }, t.keys.maintainer)).data.compatibilityRecord.id, id);
      const pending = await t.gql(`{ compatibilityRecords(filter: { reviewState: PENDING }) { nodes { id } } }`, {}, t.keys.maintainer);
      assert.ok(pending.data.compatibilityRecords.nodes.some((n: { id: string }) => n.id === id));
    });

    it('answers invalid records with typed errors per record and field path, and writes nothing', async () => {
      const before = await count('CompatibilityRecord');
      const r = await submit(
        [
          fresh(),
          fresh({ guest: 'no-such-guest' }),
          fresh({ hypervisorRelease: 'kvmt:9.9' }),
          fresh({ testedDevices: [IDS.virtioNet, IDS.vmxnet3] }),
          fresh({ guest: 'acmeos2', testedDevices: [IDS.e1000], backend: null }),
          fresh({ backend: 'xen-pvh' }),
          fresh({ guest: 'otheros5', testedDevices: [IDS.e1000] }),
          fresh({ status: 'CERTIFIED', evidence: null }),
          fresh({ testedDevices: [IDS.virtioNet, IDS.virtioNet] }),
          fresh({ evidence: { url: 'https://acme.example', date: '2999-01-01' } }),
          fresh({ backend: 'no-such-backend', hostFeature: 'no-such-feature', device: 'http://nowhere.example/dev' }),
          fresh({ evidence: { url: 'javascript:alert(1)', date: '2024-01-01' } }),
        ],
        'invalid-batch',
      );
      const res = r.data.submitCompatibilityRecords;
      assert.equal(res.ok, false);
      assert.deepEqual(res.records, []);
      const got = res.inputErrors.map(
        (e: { recordIndex: number; path: string[]; code: string }) => `${e.recordIndex} ${e.path.join('.')} ${e.code}`,
      );
      assert.deepEqual(
        got.sort(),
        [
          '1 records.1.guest UNKNOWN_REFERENCE',
          '10 records.10.backend UNKNOWN_REFERENCE',
          '10 records.10.device UNKNOWN_REFERENCE',
          '10 records.10.hostFeature UNKNOWN_REFERENCE',
          '11 records.11.evidence.url INVALID_FORMAT',
          '2 records.2.hypervisorRelease UNKNOWN_REFERENCE',
          '3 records.3.testedDevices.1 NOT_PRESENTED',
          '3 records.3.testedDevices.1 NOT_DRIVEN',
          '4 records.4.testedDevices.0 NOT_DRIVEN',
          '5 records.5.backend BACKEND_NOT_OFFERED',
          '5 records.5.backend BACKEND_NOT_OFFERED',
          '6 records.6.backend BACKEND_NOT_OFFERED',
          '7 records.7.evidence EVIDENCE_REQUIRED',
          '8 records.8.testedDevices.1 DUPLICATE',
          '9 records.9.evidence.date OUT_OF_RANGE',
        ].sort(),
      );
      for (const e of res.inputErrors) assert.ok(e.message.length > 5, 'every error explains itself');
      assert.match(res.inputErrors.find((e: { recordIndex: number }) => e.recordIndex === 4).message, /does not drive/);
      const pvh = res.inputErrors.filter((e: { recordIndex: number }) => e.recordIndex === 5).map((e: { message: string }) => e.message);
      assert.ok(
        pvh.some((m: string) => /does not offer the xen-pvh backend/.test(m)) &&
          pvh.some((m: string) => /cannot use the xen-pvh backend/.test(m)),
        pvh.join('; '),
      );
      assert.equal(await count('CompatibilityRecord'), before, 'nothing written, not even the valid record 0');
      const { n } = at(
        await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "IdempotencyKey" WHERE key = 'invalid-batch'`),
        0,
      );
      assert.equal(n, 0, 'the idempotency key is not used up by a refused request');
      const audit = at(
        await t.db.sql.query<{ outcome: string; detail: string }>(`SELECT outcome, detail FROM "AuditEntry" ORDER BY id DESC LIMIT 1`),
        0,
        'audit',
      );
      assert.equal(audit.outcome, 'INVALID');
      assert.match(audit.detail, /input error/);
    });

    it('resolves inheritance: a release drives what its ancestor drives unless it removes it', async () => {
      const r = await submit([fresh({ guest: 'acmeos2', testedDevices: [IDS.virtioNet, IDS.virtioBlk], backend: null })], 'inherit');
      assert.deepEqual(r.data.submitCompatibilityRecords.inputErrors, []);
    });

    it('replays a retried request and refuses a reused key with another body', async () => {
      const body = [fresh(), fresh()];
      const first = (await submit(body, 'retry-me')).data.submitCompatibilityRecords;
      const n = await count('CompatibilityRecord');
      const again = (await submit(body, 'retry-me')).data.submitCompatibilityRecords;
      assert.equal(again.replayed, true);
      assert.equal(again.ok, true);
      assert.deepEqual(
        again.records.map((x: { record: { id: string } }) => x.record.id),
        first.records.map((x: { record: { id: string } }) => x.record.id),
      );
      assert.equal(await count('CompatibilityRecord'), n, 'a replay writes nothing');
      const reused = await submit([fresh()], 'retry-me');
      assert.equal(reused.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
      const otherVendor = await submit([fresh({ guest: 'otheros5', testedDevices: [IDS.e1000], backend: null })], 'retry-me', t.keys.other);
      assert.equal(otherVendor.data.submitCompatibilityRecords.ok, true, 'keys are scoped per vendor');
    });

    it('stores an identical claim once: later copies are answered with the existing record', async () => {
      const claim = fresh();
      const a = (await submit([claim], 'dup-a')).data.submitCompatibilityRecords;
      const n = await count('CompatibilityRecord');
      const b = (await submit([claim, { ...claim }], 'dup-b')).data.submitCompatibilityRecords;
      assert.equal(b.replayed, false);
      assert.deepEqual(
        b.records.map((x: { duplicate: boolean }) => x.duplicate),
        [true, true],
      );
      assert.equal(b.records[0].record.id, a.records[0].record.id);
      assert.equal(b.records[1].record.id, a.records[0].record.id);
      assert.equal(await count('CompatibilityRecord'), n);
      const inBatch = (
        await submit(
          [fresh({ evidence: { notes: 'twice', date: '2024-01-01' } }), fresh({ evidence: { notes: 'twice', date: '2024-01-01' } })],
          'dup-c',
        )
      ).data.submitCompatibilityRecords;
      assert.deepEqual(
        inBatch.records.map((x: { duplicate: boolean }) => x.duplicate),
        [false, true],
      );
      assert.equal(inBatch.records[0].record.id, inBatch.records[1].record.id);
      const theirs = (await submit([claim], 'dup-d', t.keys.other)).data.submitCompatibilityRecords;
      assert.equal(theirs.records[0].duplicate, false, 'the same claim by another vendor is its own record');
    });

    it('limits records per request: TOO_MANY_RECORDS (413)', async () => {
      const small = await vendorApp('pglite', { MAX_RECORDS_PER_REQUEST: '3' });
      try {
        const r = await small.gql(SUBMIT, { records: [fresh(), fresh(), fresh(), fresh()], key: 'big' }, small.keys.acme);
        assert.equal(r.status, 413);
        assert.equal(r.errors?.[0]?.extensions?.code, 'TOO_MANY_RECORDS');
        assert.equal(r.errors?.[0]?.extensions?.max, 3);
        const limits = await small.gql(`{ submissionLimits { maxRecordsPerRequest } }`);
        assert.equal(limits.data.submissionLimits.maxRecordsPerRequest, 3);
      } finally {
        await small.close();
      }
    });

    it('counts only accepted records in verdicts; reviews need a reason and happen once', async () => {
      const v0 = (await t.gql(VERDICT, { g: 'acmeos1', r: 'kvmt:1.0' })).data.compatibility;
      assert.notEqual(v0.basis, 'RECORDS', 'pending records do not count');
      const r = (await submit([fresh({ status: 'SUPPORTED' })], 'to-review')).data.submitCompatibilityRecords;
      const id = r.records[0].record.id;
      const noReason = await review(id, 'ACCEPTED', t.keys.maintainer, '   ');
      assert.equal(noReason.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      const ok = await review(id, 'ACCEPTED');
      assert.equal(ok.data.reviewRecord.reviewState, 'ACCEPTED');
      assert.equal(ok.data.reviewRecord.reviewReason, 'reviewed against the evidence');
      const twice = await review(id, 'REJECTED');
      assert.equal(twice.errors?.[0]?.extensions?.code, 'CONFLICT');
      const v1 = (await t.gql(VERDICT, { g: 'acmeos1', r: 'kvmt:1.0' })).data.compatibility;
      assert.equal(v1.basis, 'RECORDS');
      assert.equal(v1.verdict, 'SUPPORTED');
      assert.deepEqual(
        v1.records.map((x: { id: string }) => x.id),
        [id],
      );
      const rej = (await submit([fresh({ status: 'BROKEN' })], 'to-reject')).data.submitCompatibilityRecords;
      await review(rej.records[0].record.id, 'REJECTED');
      const v2 = (await t.gql(VERDICT, { g: 'acmeos1', r: 'kvmt:1.0' })).data.compatibility;
      assert.equal(v2.verdict, 'SUPPORTED', 'a rejected record does not count');
      const missing = await review('00000000-0000-0000-0000-000000000000', 'ACCEPTED');
      assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    });

    it('supersedes only on acceptance, only the vendor\u2019s own current record about the same combination', async () => {
      const a = await accepted(fresh({ guest: 'acmeos2', testedDevices: [], backend: null, status: 'WORKS' }));
      const b = (await submit([fresh({ guest: 'acmeos2', testedDevices: [], backend: null, status: 'PARTIAL', supersedes: a })], 'sup-b'))
        .data.submitCompatibilityRecords;
      assert.deepEqual(b.inputErrors, []);
      const bId = b.records[0].record.id;
      const pendingView = await t.gql(
        `query($id: ID!) { compatibilityRecord(id: $id) { current proposedSupersedes { id } supersedes { id } } }`,
        { id: bId },
        t.keys.acme,
      );
      assert.deepEqual(pendingView.data.compatibilityRecord, { current: true, proposedSupersedes: { id: a }, supersedes: null });
      const mid = (await t.gql(VERDICT, { g: 'acmeos2', r: 'kvmt:1.0' })).data.compatibility;
      assert.deepEqual(
        mid.records.map((x: { id: string }) => x.id),
        [a],
        'a pending successor does not hide the accepted record',
      );
      const c = (await submit([fresh({ guest: 'acmeos2', testedDevices: [], backend: null, status: 'BROKEN', supersedes: a })], 'sup-c'))
        .data.submitCompatibilityRecords;
      assert.equal(c.ok, true, 'two pending successors may compete');
      const wrongCombo = await submit([fresh({ supersedes: a })], 'sup-wrong');
      assert.equal(wrongCombo.data.submitCompatibilityRecords.inputErrors[0].code, 'NOT_SUPERSEDABLE');

      const acc = await review(bId, 'ACCEPTED');
      assert.deepEqual(acc.data.reviewRecord.supersedes, { id: a });
      const old = await t.gql(`query($id: ID!) { compatibilityRecord(id: $id) { current supersededBy { id } } }`, { id: a });
      assert.deepEqual(old.data.compatibilityRecord, { current: false, supersededBy: { id: bId } });
      const after = (await t.gql(VERDICT, { g: 'acmeos2', r: 'kvmt:1.0' })).data.compatibility;
      assert.deepEqual(
        after.records.map((x: { id: string }) => x.id),
        [bId],
      );
      assert.equal(after.verdict, 'PARTIAL');
      const late = await review(c.records[0].record.id, 'ACCEPTED');
      assert.equal(late.errors?.[0]?.extensions?.code, 'CONFLICT', 'the second successor must be resubmitted against the new record');
      assert.match(at(late.errors ?? [], 0, 'an error').message, new RegExp(bId));
      const again = await submit([fresh({ guest: 'acmeos2', testedDevices: [], backend: null, supersedes: a })], 'sup-again');
      assert.equal(again.data.submitCompatibilityRecords.inputErrors[0].code, 'NOT_SUPERSEDABLE');
      const stolen = await submit(
        [fresh({ guest: 'acmeos2', testedDevices: [], backend: null, supersedes: bId })],
        'sup-steal',
        t.keys.other,
      );
      assert.equal(stolen.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.equal(stolen.status, 403);
      const feed = await t.db.sql.query<{ op: string; entityId: string }>(
        `SELECT op, "entityId" FROM "Change" WHERE "entityId" IN ($1, $2) ORDER BY seq`,
        [a, bId],
      );
      assert.deepEqual(
        feed.map((f) => `${f.op} ${f.entityId === a ? 'a' : 'b'}`),
        ['UPSERT a', 'UPSERT b', 'SUPERSEDE a'],
      );
    });

    it('keeps conflicting claims of two vendors side by side: the verdict says CONFLICT', async () => {
      // Neither acme nor chipco makes otheros5 or kvmt: both records are USER_REPORTED, the same
      // evidence level, so neither outranks the other (test/compat-matrix.test.ts ranks levels).
      const mine = await accepted(fresh({ guest: 'otheros5', testedDevices: [IDS.e1000], backend: null, status: 'WORKS' }));
      const theirs = await accepted(
        fresh({ guest: 'otheros5', testedDevices: [IDS.e1000], backend: null, status: 'BROKEN' }),
        t.keys.chipco,
      );
      const v = (await t.gql(VERDICT, { g: 'otheros5', r: 'kvmt:1.0' })).data.compatibility;
      assert.equal(v.verdict, 'CONFLICT');
      assert.deepEqual(v.records.map((x: { id: string }) => x.id).sort(), [mine, theirs].sort());
      assert.equal(v.conflicts.length, 1);
      assert.deepEqual(
        [v.conflicts[0].a.status, v.conflicts[0].b.status].sort(),
        ['BROKEN', 'WORKS'],
        'both sides of the conflict resolve to their records',
      );
      assert.match(v.conflicts[0].reason, /acme says WORKS, chipco says BROKEN|chipco says BROKEN, acme says WORKS/);
    });

    it('lets vendors publish what they own, with the same validation, and uses it at once', async () => {
      const PUB = `mutation($input: GuestOSInput!) { publishGuestOS(input: $input) {
        created changed inputErrors { path code message }
        guestOS { id shortIds derivesFrom { id } devices(effective: true) { device { id } inherited } }
      } }`;
      const bad = await t.gql(
        PUB,
        {
          input: {
            id: IDS.acme1,
            name: 'Acme OS 1',
            derivesFrom: 'acmeos2',
            shortIds: ['otheros5', 'Bad Id'],
            releaseDate: '2024-05-01',
            eolDate: '2023-01-01',
            devices: [{ device: 'http://nowhere.example/x' }],
            paravirt: [{ feature: 'nope' }],
          },
        },
        t.keys.acme,
      );
      const errs = bad.data.publishGuestOS.inputErrors.map((e: { path: string[]; code: string }) => `${e.path.join('.')} ${e.code}`);
      assert.deepEqual(errs, ['input.shortIds.1 INVALID_FORMAT'], 'shape errors first, before any lookup');
      const bad2 = await t.gql(
        PUB,
        {
          input: {
            id: IDS.acme1,
            name: 'Acme OS 1',
            derivesFrom: 'acmeos2',
            shortIds: ['otheros5'],
            releaseDate: '2024-05-01',
            eolDate: '2023-01-01',
            devices: [{ device: 'http://nowhere.example/x' }],
            paravirt: [{ feature: 'nope' }],
          },
        },
        t.keys.acme,
      );
      const errs2 = bad2.data.publishGuestOS.inputErrors
        .map((e: { path: string[]; code: string }) => `${e.path.join('.')} ${e.code}`)
        .sort();
      assert.deepEqual(errs2, [
        'input.derivesFrom CYCLE',
        'input.devices.0.device UNKNOWN_REFERENCE',
        'input.eolDate OUT_OF_RANGE',
        'input.paravirt.0.feature UNKNOWN_REFERENCE',
        'input.shortIds.0 TAKEN',
      ]);

      const acme3 = 'http://acme.example/acmeos/3';
      const input = {
        id: acme3,
        name: 'Acme OS 3',
        shortIds: ['acmeos3'],
        derivesFrom: 'acmeos1',
        architectures: ['x86_64'],
        devices: [
          { device: IDS.virtioBlk, supported: false },
          { device: IDS.vmxnet3, driverSource: 'ADDON', driverName: 'vmxnet3' },
        ],
        paravirt: [{ feature: 'kvm-hvm' }],
      };
      const ok = (await t.gql(PUB, { input }, t.keys.acme)).data.publishGuestOS;
      assert.deepEqual(ok.inputErrors, []);
      assert.equal(ok.created, true);
      const effective = ok.guestOS.devices
        .map((d: { device: { id: string }; inherited: boolean }) => `${d.device.id}${d.inherited ? ' (inherited)' : ''}`)
        .sort();
      assert.deepEqual(effective, [`${IDS.e1000} (inherited)`, `${IDS.virtioNet} (inherited)`, IDS.vmxnet3].sort());
      const changes = await count('Change');
      const same = (await t.gql(PUB, { input }, t.keys.acme)).data.publishGuestOS;
      assert.equal(same.changed, false);
      assert.equal(await count('Change'), changes, 'publishing the same content writes nothing');

      const refused = await submit([fresh({ guest: 'acmeos3', testedDevices: [IDS.virtioBlk] })], 'pub-1');
      assert.equal(refused.data.submitCompatibilityRecords.inputErrors[0].code, 'NOT_DRIVEN', 'the removal counts at once');

      const REL = `mutation($input: HypervisorReleaseInput!) { publishHypervisorRelease(input: $input) {
        created inputErrors { path code } hypervisorRelease { id version devices { device { id } model supported } }
      } }`;
      const rel = (
        await t.gql(
          REL,
          {
            input: {
              hypervisor: 'kvmt',
              version: '1.1',
              name: 'KVM test 1.1',
              firmware: ['bios', 'uefi'],
              devices: [
                { device: IDS.virtioNet, model: 'virtio-net-pci' },
                { device: IDS.vmxnet3, model: 'vmxnet3' },
              ],
              paravirt: [{ feature: 'kvm-hvm' }],
              hostFeatures: [{ feature: 'vmx', requirement: 'REQUIRED', anyOf: 'hwvirt' }],
            },
          },
          t.keys.hvco,
        )
      ).data.publishHypervisorRelease;
      assert.deepEqual(rel.inputErrors, []);
      assert.equal(rel.hypervisorRelease.id, `${IDS.kvmt}/1.1`);
      const claim = await submit(
        [fresh({ guest: 'acmeos3', hypervisorRelease: 'kvmt:1.1', testedDevices: [IDS.vmxnet3, IDS.virtioNet] })],
        'pub-2',
      );
      assert.deepEqual(
        claim.data.submitCompatibilityRecords.inputErrors,
        [],
        'the published release presents vmxnet3 and acmeos3 drives it',
      );
      const badRel = (
        await t.gql(
          REL,
          {
            input: {
              hypervisor: 'kvmt',
              version: '1.2',
              name: 'x',
              firmware: ['coreboot'],
              devices: [{ device: IDS.e1000, model: 'bad model!' }],
            },
          },
          t.keys.hvco,
        )
      ).data.publishHypervisorRelease;
      assert.deepEqual(badRel.inputErrors.map((e: { path: string[]; code: string }) => `${e.path.join('.')} ${e.code}`).sort(), [
        'input.devices.0.model INVALID_FORMAT',
        'input.firmware.0 INVALID_FORMAT',
      ]);
    });

    it('keeps an audit entry with before and after for every write', async () => {
      const q = `query($f: AuditFilter, $after: String) { auditLog(first: 3, filter: $f, after: $after) {
        nodes { id action actorRole actorVendor entityType entityId outcome before after }
        pageInfo { hasNextPage endCursor }
      } }`;
      const guest = (await t.gql(q, { f: { entityId: 'http://acme.example/acmeos/3', outcome: 'OK' } }, t.keys.maintainer)).data.auditLog;
      assert.equal(guest.nodes.length, 1);
      assert.equal(guest.nodes[0].action, 'publishGuestOS');
      assert.equal(guest.nodes[0].before, null);
      assert.equal(guest.nodes[0].after.name, 'Acme OS 3');
      const reviews = (await t.gql(q, { f: { action: 'reviewRecord' } }, t.keys.maintainer)).data.auditLog;
      assert.equal(reviews.nodes.length, 3);
      assert.equal(reviews.pageInfo.hasNextPage, true);
      for (const e of reviews.nodes) {
        assert.equal(e.actorRole, 'MAINTAINER');
        if (e.outcome === 'OK') {
          assert.equal(e.before.reviewState, 'PENDING');
          assert.notEqual(e.after.reviewState, 'PENDING');
        }
      }
      const next = (await t.gql(q, { f: { action: 'reviewRecord' }, after: reviews.pageInfo.endCursor }, t.keys.maintainer)).data.auditLog;
      assert.ok(Number(next.nodes[0].id) < Number(reviews.nodes[2].id), 'newest first, pages do not overlap');
      const submitted = (await t.gql(q, { f: { action: 'submitCompatibilityRecords', outcome: 'OK' } }, t.keys.maintainer)).data.auditLog;
      assert.equal(submitted.nodes[0].after.reviewState, 'PENDING');
      assert.equal(submitted.nodes[0].actorVendor, 'acme');
    });

    it('lists every change to accepted data in order, page by page', async () => {
      const q = `query($after: String) { changes(first: 4, after: $after) {
        edges { cursor node { seq entityType entityId op guestIds hypervisorReleaseIds record { id reviewState } } }
        pageInfo { hasNextPage endCursor }
      } }`;
      const seen: Array<{ seq: string; entityType: string; op: string; record: { reviewState: string } | null }> = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const c: {
          edges: Array<{ cursor: string; node: (typeof seen)[number] }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        } = (await t.gql(q, { after })).data.changes;
        seen.push(...c.edges.map((e) => e.node));
        if (!c.pageInfo.hasNextPage) break;
        after = c.pageInfo.endCursor;
      }
      const all = await t.db.sql.query<{ seq: string }>(`SELECT seq::text AS seq FROM "Change" ORDER BY "Change".seq`);
      assert.deepEqual(
        seen.map((s) => s.seq),
        all.map((r) => r.seq),
        'every change, once, in order',
      );
      for (let i = 1; i < seen.length; i++) assert.ok(BigInt(at(seen, i).seq) > BigInt(at(seen, i - 1).seq));
      const types = new Set(seen.map((s) => `${s.entityType} ${s.op}`));
      for (const want of ['CompatibilityRecord UPSERT', 'CompatibilityRecord SUPERSEDE', 'GuestOS UPSERT', 'HypervisorRelease UPSERT'])
        assert.ok(types.has(want), want);
      for (const s of seen.filter((x) => x.entityType === 'CompatibilityRecord' && x.op === 'UPSERT'))
        assert.equal(s.record?.reviewState, 'ACCEPTED');
      const bad = await t.gql(q, { after: 'not-a-cursor' });
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_CURSOR');
      const end = await t.gql(q, { after: all.at(-1)!.seq });
      assert.deepEqual(end.data.changes.edges, []);
    });
  });
}
