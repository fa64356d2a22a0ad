// Compatibility records: a vendor's submission (a batch of claims) and a maintainer's review. Each
// runs in one transaction (tx.ts): authorization (authorize.ts), validation with typed input errors
// (validate.ts), the write itself, its audit entries (audit.ts) and the change-feed rows
// (changes.ts) commit together or not at all.
//
// Concurrency
// - Idempotency: the (scope, key) row is inserted first, ON CONFLICT DO NOTHING. A concurrent
//   request with the same key waits on that insert until the first one commits (then replays its
//   answer) or rolls back (then proceeds itself).
// - Identical claims: each record's fingerprint is locked (transaction advisory lock, in sorted
//   order, so no deadlock) before looking for a current copy, so overlapping batches from many
//   clients store every claim once.
// - Change feed: rows are inserted under one transaction advisory lock taken just before, so
//   sequence numbers are handed out in commit order and a reader following `seq` skips nothing.
// - Deadlocks and serialization failures are retried a few times.
import { createHash, randomUUID } from 'node:crypto';
import type { RetryOptions } from '../db/retry.ts';
import type { Sql } from '../db/sql.ts';
import { appError, badInput, ErrorCode } from '../errors.ts';
import { invalidEntry, writeAudit } from './audit.ts';
import { authorize, gate, Refused, writingVendor, type WriteEnv } from './authorize.ts';
import { appendChanges, type ChangeInput } from './changes.ts';
import { effectiveDevices, effectiveParavirt } from './effective.ts';
import type { CatalogueEvent } from './events.ts';
import { RECORD_COLS, type RecordRow } from './rows.ts';
import { inTransaction, theRow } from './tx.ts';
import { canonical, list, Problems, RULES, text, today, unique, url, type InputError } from './validate.ts';

/** Thrown inside a transaction to roll it back and answer with input errors. */
class Invalid extends Error {
  constructor(readonly problems: InputError[]) {
    super('invalid input');
  }
}

/** Runs a write through the gate; turns Invalid into input errors (+ INVALID audit). */
async function guarded<T>(
  env: Pick<WriteEnv, 'db' | 'actor'>,
  action: string,
  entityType: string,
  fn: (tx: Sql) => Promise<T>,
  opts?: RetryOptions,
): Promise<{ ok: true; value: T } | { ok: false; problems: InputError[] }> {
  return gate(env, action, async () => {
    try {
      return { ok: true as const, value: await inTransaction(env.db, fn, opts) };
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await writeAudit(env.db.sql, env.actor, [invalidEntry(action, entityType, err.problems)]);
      return { ok: false as const, problems: err.problems };
    }
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** A signed 64-bit advisory lock id from a hex digest. */
const lockId = (hex: string) => BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString();

async function lockAll(tx: Sql, names: string[]): Promise<void> {
  const ids = [...new Set(names.map((n) => lockId(sha256(n))))].sort();
  for (const id of ids) await tx.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [id]);
}

// ───────────────────────────── submissions ─────────────────────────────

export interface RecordInput {
  guest: string;
  hypervisorRelease: string;
  hostFeature?: string | null;
  device?: string | null;
  status: string;
  backend?: string | null;
  testedDevices?: string[] | null;
  evidence?: { url?: string | null; notes?: string | null; date?: string | null } | null;
  supersedes?: string | null;
}

export interface SubmitResponse {
  ok: boolean;
  replayed: boolean;
  idempotencyKey: string;
  records: Array<{ index: number; id: string; duplicate: boolean }>;
  inputErrors: InputError[];
}

interface CheckedRecord {
  index: number;
  guest: string;
  release: string;
  hostFeature?: string;
  device?: string;
  status: string;
  backend?: string;
  testedDevices: string[];
  evidenceUrl?: string;
  evidenceNotes?: string;
  evidenceDate?: string;
  supersedes?: string;
}

export type RecordWithProposal = RecordRow & { proposedSupersedesId: string | null };
export const RECORD_SELECT = `${RECORD_COLS()}, c."proposedSupersedesId"`;

const NEGATIVE = new Set(['BROKEN', 'UNSUPPORTED']);
const STATUSES = new Set(['CERTIFIED', 'SUPPORTED', 'WORKS', 'PARTIAL', 'BROKEN', 'UNSUPPORTED']);

/**
 * Shape checks that need no database. A record whose references are malformed is left out of the
 * reference checks (its strings never reach SQL); other problems (evidence, dates) do not stop
 * them, so a vendor sees every problem of a batch at once.
 */
function checkRecordShapes(records: RecordInput[], problems: Problems): CheckedRecord[] {
  const out: CheckedRecord[] = [];
  records.forEach((r, index) => {
    const p = problems.record('records', index);
    const before = p.count;
    const guest = text(p, ['guest'], r.guest, RULES.ref, true);
    const release = text(p, ['hypervisorRelease'], r.hypervisorRelease, RULES.ref, true);
    const hostFeature = text(p, ['hostFeature'], r.hostFeature, RULES.ref);
    const device = text(p, ['device'], r.device, RULES.ref);
    const backend = text(p, ['backend'], r.backend, RULES.key);
    const tested = list(p, ['testedDevices'], r.testedDevices, 64) ?? [];
    const testedDevices = tested
      .map((d, i) => text(p, ['testedDevices', i], d, RULES.ref, true))
      .filter((d): d is string => d !== undefined);
    const supersedes = text(p, ['supersedes'], r.supersedes, RULES.ref);
    const refsOk = p.count === before;
    if (!STATUSES.has(r.status)) p.add(['status'], 'INVALID_FORMAT', `status is one of ${[...STATUSES].join(', ')}`);
    unique(p, ['testedDevices'], tested, (d) => d, 'device');
    const ev = r.evidence ?? {};
    const evidenceUrl = url(p, ['evidence', 'url'], ev.url);
    const evidenceNotes = text(p, ['evidence', 'notes'], ev.notes, RULES.notes);
    const evidenceDate = ev.date ?? undefined;
    if (
      evidenceDate !== undefined &&
      !(typeof evidenceDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(evidenceDate) && !Number.isNaN(Date.parse(evidenceDate)))
    ) {
      p.add(['evidence', 'date'], 'INVALID_FORMAT', 'a date, YYYY-MM-DD');
    } else if (evidenceDate && evidenceDate > today()) {
      p.add(['evidence', 'date'], 'OUT_OF_RANGE', `evidence date ${evidenceDate} is in the future`);
    }
    if (r.status === 'CERTIFIED' && (!(ev.url || ev.notes) || !ev.date)) {
      p.add(['evidence'], 'EVIDENCE_REQUIRED', 'CERTIFIED needs evidence: a url or notes, and a date');
    }
    if (!refsOk) return;
    out.push({
      index,
      guest: guest!,
      release: release!,
      hostFeature,
      device,
      status: r.status,
      backend,
      testedDevices,
      evidenceUrl,
      evidenceNotes,
      evidenceDate,
      supersedes,
    });
  });
  return out;
}

interface Resolved extends CheckedRecord {
  guestId: string;
  releaseId: string;
  hostFeatureId: string | null;
  fingerprint: string;
  evidenceLevel: EvidenceLevel;
}

export type EvidenceLevel = 'VENDOR_CERTIFIED' | 'GUEST_VENDOR_TESTED' | 'USER_REPORTED' | 'DERIVED';

/**
 * Who stands behind a submitted record: the hypervisor's vendor (a HYPERVISOR vendor owning the
 * release's hypervisor) certifies; the guest's vendor (an OS vendor owning the guest) tested;
 * anyone else reports. The migration that added the column backfilled existing rows the same way.
 */
export function evidenceLevelOf(
  vendorId: string,
  kinds: ReadonlySet<string>,
  hypervisorOwner: string | null,
  guestOwner: string | null,
): EvidenceLevel {
  if (kinds.has('HYPERVISOR') && hypervisorOwner === vendorId) return 'VENDOR_CERTIFIED';
  if (kinds.has('OS') && guestOwner === vendorId) return 'GUEST_VENDOR_TESTED';
  return 'USER_REPORTED';
}

/** Reference and capability checks, in bulk: a few statements for any number of records. */
async function resolveRecords(
  tx: Sql,
  vendorId: string,
  recs: CheckedRecord[],
  problems: Problems,
): Promise<{ resolved: Resolved[]; refused: Refused | null }> {
  const uniq = (xs: Array<string | undefined>) => [...new Set(xs.filter((x): x is string => !!x))];
  const guestRefs = uniq(recs.map((r) => r.guest));
  const releaseRefs = uniq(recs.map((r) => r.release));
  const featureRefs = uniq(recs.map((r) => r.hostFeature));
  const deviceRefs = uniq(recs.flatMap((r) => [r.device, ...r.testedDevices]));
  const supersedeRefs = uniq(recs.map((r) => r.supersedes));
  const [guests, releases, features, devices, targets, vendorRows] = await Promise.all([
    tx.query<{ id: string; shortIds: string[]; ownerVendorId: string | null }>(
      `SELECT id, "shortIds", "ownerVendorId" FROM "GuestOS" WHERE id = ANY($1::text[]) OR "shortIds" && $1::text[]`,
      [guestRefs],
    ),
    tx.query<{ id: string; ref: string; hypervisorOwner: string | null }>(
      `SELECT r.id, h.key || ':' || r.version AS ref, h."ownerVendorId" AS "hypervisorOwner"
         FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId"
        WHERE r.id = ANY($1::text[]) OR h.key || ':' || r.version = ANY($1::text[])`,
      [releaseRefs],
    ),
    tx.query<{ id: string; key: string }>(`SELECT id, key FROM "HardwareFeature" WHERE id = ANY($1::text[]) OR key = ANY($1::text[])`, [
      featureRefs,
    ]),
    tx.query<{ id: string }>(`SELECT id FROM "Device" WHERE id = ANY($1::text[])`, [deviceRefs]),
    tx.query<{
      id: string;
      submitterVendorId: string | null;
      guestId: string;
      hypervisorReleaseId: string;
      reviewState: string;
      supersededBy: string | null;
    }>(
      `SELECT c.id, c."submitterVendorId", c."guestId", c."hypervisorReleaseId", c."reviewState"::text AS "reviewState",
              (SELECT s.id FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id) AS "supersededBy"
         FROM "CompatibilityRecord" c WHERE c.id = ANY($1::text[]) FOR UPDATE OF c`,
      [supersedeRefs],
    ),
    tx.query<{ kinds: string[] }>(`SELECT kinds::text[] AS kinds FROM "Vendor" WHERE id = $1`, [vendorId]),
  ]);
  const kinds = new Set(vendorRows[0]?.kinds ?? []);
  const guestOwner = new Map(guests.map((g) => [g.id, g.ownerVendorId]));
  const hypervisorOwner = new Map(releases.map((r) => [r.id, r.hypervisorOwner]));
  const guestByRef = new Map<string, string>();
  for (const g of guests) guestByRef.set(g.id, g.id);
  for (const g of guests) for (const s of g.shortIds ?? []) if (!guestByRef.has(s)) guestByRef.set(s, g.id);
  const releaseByRef = new Map<string, string>();
  for (const r of releases) {
    releaseByRef.set(r.id, r.id);
    if (!releaseByRef.has(r.ref)) releaseByRef.set(r.ref, r.id);
  }
  const featureByRef = new Map<string, string>();
  for (const f of features) {
    featureByRef.set(f.id, f.id);
    featureByRef.set(f.key, f.id);
  }
  const deviceIds = new Set(devices.map((d) => d.id));
  const targetById = new Map(targets.map((t) => [t.id, t]));

  const guestIds = uniq(recs.map((r) => guestByRef.get(r.guest)));
  const releaseIds = uniq(recs.map((r) => releaseByRef.get(r.release)));
  const [presented, offered, backends, drives, guestParavirt] = await Promise.all([
    tx.query<{ releaseId: string; deviceId: string }>(
      `SELECT "releaseId", "deviceId" FROM "HypervisorReleaseDevice" WHERE "releaseId" = ANY($1::text[]) AND supported`,
      [releaseIds],
    ),
    tx.query<{ releaseId: string; key: string }>(
      `SELECT rp."releaseId", p.key FROM "HypervisorReleaseParavirt" rp JOIN "ParavirtFeature" p ON p.id = rp."featureId"
        WHERE rp."releaseId" = ANY($1::text[]) AND rp.supported AND p.kind = 'BACKEND'`,
      [releaseIds],
    ),
    tx.query<{ id: string; key: string }>(`SELECT id, key FROM "ParavirtFeature" WHERE kind = 'BACKEND'`),
    effectiveDevices(tx, guestIds),
    effectiveParavirt(tx, guestIds),
  ]);
  const presents = new Set(presented.map((r) => `${r.releaseId}\u0000${r.deviceId}`));
  const offers = new Set(offered.map((r) => `${r.releaseId}\u0000${r.key}`));
  const backendKeys = new Map(backends.map((b) => [b.key, b.id]));
  const driven = new Set(drives.map((d) => `${d.guestId}\u0000${d.deviceId}`));
  const guestUses = new Set(guestParavirt.filter((s) => s.supported).map((s) => `${s.guestId}\u0000${s.featureId}`));

  const resolved: Resolved[] = [];
  let refused: Refused | null = null;
  const supersededInBatch = new Map<string, number>();
  for (const r of recs) {
    const p = problems.record('records', r.index);
    const before = p.count;
    const guestId = guestByRef.get(r.guest);
    if (!guestId) p.add(['guest'], 'UNKNOWN_REFERENCE', `no guest OS has the id or short id ${JSON.stringify(r.guest)}`);
    const releaseId = releaseByRef.get(r.release);
    if (!releaseId)
      p.add(['hypervisorRelease'], 'UNKNOWN_REFERENCE', `no hypervisor release ${JSON.stringify(r.release)} (give an id or key:version)`);
    let hostFeatureId: string | null = null;
    if (r.hostFeature) {
      hostFeatureId = featureByRef.get(r.hostFeature) ?? null;
      if (!hostFeatureId) p.add(['hostFeature'], 'UNKNOWN_REFERENCE', `no hardware feature ${JSON.stringify(r.hostFeature)}`);
    }
    const checkDevice = (path: Array<string | number>, id: string, mustBeDriven: boolean) => {
      if (!deviceIds.has(id)) {
        p.add(path, 'UNKNOWN_REFERENCE', `no device ${JSON.stringify(id)}`);
        return;
      }
      if (releaseId && !presents.has(`${releaseId}\u0000${id}`)) {
        p.add(path, 'NOT_PRESENTED', `hypervisor release ${releaseId} cannot present device ${id}`);
      }
      if (mustBeDriven && guestId && !driven.has(`${guestId}\u0000${id}`)) {
        p.add(path, 'NOT_DRIVEN', `guest ${guestId} does not drive device ${id}`);
      }
    };
    // A negative claim about a device may be exactly that the guest cannot drive it.
    if (r.device) checkDevice(['device'], r.device, !NEGATIVE.has(r.status));
    r.testedDevices.forEach((d, i) => {
      checkDevice(['testedDevices', i], d, true);
    });
    if (r.backend) {
      const featureId = backendKeys.get(r.backend);
      if (!featureId) p.add(['backend'], 'UNKNOWN_REFERENCE', `no paravirt backend with key ${JSON.stringify(r.backend)}`);
      else {
        if (releaseId && !offers.has(`${releaseId}\u0000${r.backend}`)) {
          p.add(['backend'], 'BACKEND_NOT_OFFERED', `hypervisor release ${releaseId} does not offer the ${r.backend} backend`);
        }
        if (guestId && !guestUses.has(`${guestId}\u0000${featureId}`)) {
          p.add(['backend'], 'BACKEND_NOT_OFFERED', `guest ${guestId} cannot use the ${r.backend} backend`);
        }
      }
    }
    if (r.supersedes) {
      const t = targetById.get(r.supersedes);
      if (!t) p.add(['supersedes'], 'UNKNOWN_REFERENCE', `no compatibility record ${JSON.stringify(r.supersedes)}`);
      else if (t.submitterVendorId !== vendorId) {
        refused ??= new Refused(
          `record ${t.id} belongs to ${t.submitterVendorId ? `vendor ${t.submitterVendorId}` : 'the curated catalogue'}; a vendor supersedes only its own records (records[${r.index}].supersedes)`,
          'CompatibilityRecord',
          t.id,
        );
      } else if (t.supersededBy) {
        p.add(['supersedes'], 'NOT_SUPERSEDABLE', `record ${t.id} is already superseded by ${t.supersededBy}`);
      } else if (t.reviewState === 'REJECTED') {
        p.add(['supersedes'], 'NOT_SUPERSEDABLE', `record ${t.id} was rejected; submit a new record instead`);
      } else if ((guestId && t.guestId !== guestId) || (releaseId && t.hypervisorReleaseId !== releaseId)) {
        p.add(
          ['supersedes'],
          'NOT_SUPERSEDABLE',
          `record ${t.id} is about ${t.guestId} on ${t.hypervisorReleaseId}; a record supersedes one about the same guest and release`,
        );
      } else if (supersededInBatch.has(t.id)) {
        p.add(['supersedes'], 'DUPLICATE', `records[${supersededInBatch.get(t.id)}] already supersedes ${t.id}`);
      } else supersededInBatch.set(t.id, r.index);
    }
    if (p.count > before || !guestId || !releaseId) continue;
    const fingerprint = sha256(
      canonical({
        v: vendorId,
        g: guestId,
        r: releaseId,
        h: hostFeatureId,
        d: r.device ?? null,
        s: r.status,
        b: r.backend ?? null,
        t: [...r.testedDevices].sort(),
        eu: r.evidenceUrl ?? null,
        en: r.evidenceNotes ?? null,
        ed: r.evidenceDate ?? null,
        p: r.supersedes ?? null,
      }),
    );
    const evidenceLevel = evidenceLevelOf(vendorId, kinds, hypervisorOwner.get(releaseId) ?? null, guestOwner.get(guestId) ?? null);
    resolved.push({ ...r, guestId, releaseId, hostFeatureId, fingerprint, evidenceLevel });
  }
  return { resolved, refused };
}

export async function submitRecords(env: WriteEnv, records: RecordInput[], idempotencyKey: string): Promise<SubmitResponse> {
  const action = 'submitCompatibilityRecords';
  await authorize(env, ['SUBMITTER'], action, 'CompatibilityRecord');
  const vendorId = writingVendor(env, action);
  const max = env.limits.maxRecordsPerRequest;
  if (records.length > max) {
    throw appError(
      ErrorCode.TOO_MANY_RECORDS,
      `at most ${max} records per request, got ${records.length}; split the submission into batches`,
      {
        max,
        got: records.length,
      },
    );
  }
  if (records.length === 0) throw badInput('records must not be empty', 'records');
  const keyProblems = new Problems();
  const key = text(
    keyProblems,
    ['idempotencyKey'],
    idempotencyKey,
    { max: 200, pattern: /^[!-~]+$/, hint: 'printable ASCII without spaces' },
    true,
  );
  if (!key) throw badInput(`idempotencyKey: ${keyProblems.list[0]?.message}`, 'idempotencyKey');

  const problems = new Problems();
  const shaped = checkRecordShapes(records, problems);
  const shapeProblems = problems.count;
  const requestHash = sha256(canonical({ op: action, records }));
  const scope = `vendor:${vendorId}`;
  const invalid = (list: InputError[]): SubmitResponse => ({
    ok: false,
    replayed: false,
    idempotencyKey: key,
    records: [],
    inputErrors: list,
  });

  const out = await guarded(
    env,
    action,
    'CompatibilityRecord',
    async (tx) => {
      const claimed = await tx.query(
        `INSERT INTO "IdempotencyKey" (scope, key, operation, "requestHash", response) VALUES ($1, $2, $3, $4, '{}'::jsonb)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
        [scope, key, action, requestHash],
      );
      if (claimed.length === 0) {
        const prior = theRow(
          await tx.query<{ requestHash: string; operation: string; response: SubmitResponse }>(
            `SELECT "requestHash", operation, response FROM "IdempotencyKey" WHERE scope = $1 AND key = $2`,
            [scope, key],
          ),
          `idempotency key ${key}`,
        );
        if (prior.requestHash !== requestHash || prior.operation !== action) {
          throw appError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            `idempotency key ${JSON.stringify(key)} was used for a different request; use a new key for new content`,
            { idempotencyKey: key },
          );
        }
        return { ...prior.response, replayed: true } satisfies SubmitResponse;
      }
      problems.list.splice(shapeProblems);
      const { resolved, refused } = await resolveRecords(tx, vendorId, shaped, problems);
      if (refused) throw refused;
      if (problems.count > 0) throw new Invalid([...problems.list].sort((a, b) => (a.recordIndex ?? -1) - (b.recordIndex ?? -1)));

      await lockAll(
        tx,
        resolved.map((r) => `record:${r.fingerprint}`),
      );
      const existing = await tx.query<{ id: string; fingerprint: string }>(
        `SELECT c.id, c.fingerprint FROM "CompatibilityRecord" c
        WHERE c.fingerprint = ANY($1::text[]) AND c."reviewState" <> 'REJECTED'
          AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)
        ORDER BY c."createdAt", c.id`,
        [resolved.map((r) => r.fingerprint)],
      );
      const current = new Map<string, string>();
      for (const e of existing) if (!current.has(e.fingerprint)) current.set(e.fingerprint, e.id);

      const results: SubmitResponse['records'] = [];
      const fresh: Array<Record<string, unknown>> = [];
      for (const r of resolved) {
        const dup = current.get(r.fingerprint);
        if (dup) {
          results.push({ index: r.index, id: dup, duplicate: true });
          continue;
        }
        const id = randomUUID();
        current.set(r.fingerprint, id);
        results.push({ index: r.index, id, duplicate: false });
        fresh.push({
          id,
          guestId: r.guestId,
          hypervisorReleaseId: r.releaseId,
          hostFeatureId: r.hostFeatureId,
          deviceId: r.device ?? null,
          status: r.status,
          backend: r.backend ?? null,
          testedDevices: r.testedDevices,
          evidenceNotes: r.evidenceNotes ?? null,
          evidenceUrl: r.evidenceUrl ?? null,
          evidenceDate: r.evidenceDate ?? null,
          evidenceLevel: r.evidenceLevel,
          proposedSupersedesId: r.supersedes ?? null,
          fingerprint: r.fingerprint,
        });
      }
      if (fresh.length) {
        await tx.query(
          `INSERT INTO "CompatibilityRecord" (id, "guestId", "hypervisorReleaseId", "hostFeatureId", "deviceId", status, backend,
                "testedDevices", "evidenceNotes", "evidenceUrl", "evidenceDate", "evidenceLevel", "submitterVendorId", "submittedByKeyId",
                "reviewState", "proposedSupersedesId", fingerprint, source)
         SELECT x.id, x."guestId", x."hypervisorReleaseId", x."hostFeatureId", x."deviceId", x.status::"CompatibilityStatus", x.backend,
                x."testedDevices", x."evidenceNotes", x."evidenceUrl", x."evidenceDate", x."evidenceLevel"::"EvidenceLevel", $2, $3,
                'PENDING', x."proposedSupersedesId", x.fingerprint, $4
           FROM jsonb_to_recordset($1::jsonb) AS x(id text, "guestId" text, "hypervisorReleaseId" text, "hostFeatureId" text,
                "deviceId" text, status text, backend text, "testedDevices" text[], "evidenceNotes" text, "evidenceUrl" text,
                "evidenceDate" date, "evidenceLevel" text, "proposedSupersedesId" text, fingerprint text)`,
          [JSON.stringify(fresh), vendorId, env.actor.keyId, `vendor:${vendorId}`],
        );
        const rows = await tx.query<RecordWithProposal>(
          `SELECT ${RECORD_SELECT} FROM "CompatibilityRecord" c WHERE c.id = ANY($1::text[]) ORDER BY c.id`,
          [fresh.map((f) => f.id)],
        );
        await writeAudit(
          tx,
          env.actor,
          rows.map((row) => ({
            action,
            entityType: 'CompatibilityRecord',
            entityId: row.id,
            outcome: 'OK' as const,
            after: row,
            detail: `idempotencyKey ${key}`,
          })),
        );
      }
      const response: SubmitResponse = { ok: true, replayed: false, idempotencyKey: key, records: results, inputErrors: [] };
      await tx.query(`UPDATE "IdempotencyKey" SET response = $3::jsonb WHERE scope = $1 AND key = $2`, [
        scope,
        key,
        JSON.stringify(response),
      ]);
      return response;
      // Idempotent: a second run after a COMMIT of unknown outcome finds the key and replays.
    },
    { idempotent: true },
  );
  return out.ok ? out.value : invalid(out.problems);
}

// ───────────────────────────── review ─────────────────────────────

export async function reviewRecord(
  env: WriteEnv,
  id: string,
  decision: 'ACCEPTED' | 'REJECTED',
  reason: string,
): Promise<{ record: RecordWithProposal; events: CatalogueEvent[] }> {
  const action = 'reviewRecord';
  await authorize(env, ['MAINTAINER', 'ADMIN'], action, 'CompatibilityRecord');
  const p = new Problems();
  const rid = text(p, ['id'], id, RULES.ref, true);
  const why = text(p, ['reason'], reason, { max: 2000, multiline: true }, true);
  if (!rid || !why) throw badInput(p.list.map((e) => `${e.path.join('.')}: ${e.message}`).join('; '), p.list[0]?.path.join('.'));

  return gate(env, action, () =>
    inTransaction(env.db, async (tx) => {
      const [before] = await tx.query<RecordWithProposal>(
        `SELECT ${RECORD_SELECT} FROM "CompatibilityRecord" c WHERE c.id = $1 FOR UPDATE OF c`,
        [rid],
      );
      if (!before) throw appError(ErrorCode.NOT_FOUND, `compatibility record ${JSON.stringify(rid)} does not exist`, { id: rid });
      if (env.actor.vendorId && before.submitterVendorId === env.actor.vendorId) {
        throw new Refused(`maintainers do not review records of their own vendor (${env.actor.vendorId})`, 'CompatibilityRecord', rid);
      }
      if (before.reviewState !== 'PENDING') {
        throw appError(
          ErrorCode.CONFLICT,
          `record ${rid} was already reviewed (${before.reviewState}); only PENDING records can be reviewed`,
          {
            reviewState: before.reviewState,
          },
        );
      }
      let supersedes: { id: string; reviewState: string; guestId: string; hypervisorReleaseId: string } | null = null;
      if (decision === 'ACCEPTED' && before.proposedSupersedesId) {
        const [target] = await tx.query<{ id: string; reviewState: string; guestId: string; hypervisorReleaseId: string }>(
          `SELECT id, "reviewState"::text AS "reviewState", "guestId", "hypervisorReleaseId" FROM "CompatibilityRecord" WHERE id = $1 FOR UPDATE`,
          [before.proposedSupersedesId],
        );
        const [taken] = await tx.query<{ id: string }>(`SELECT id FROM "CompatibilityRecord" WHERE "supersedesId" = $1`, [
          before.proposedSupersedesId,
        ]);
        if (taken) {
          throw appError(
            ErrorCode.CONFLICT,
            `record ${before.proposedSupersedesId}, which ${rid} means to supersede, was superseded by ${taken.id} meanwhile; the submitter must resubmit against ${taken.id}`,
            { supersededBy: taken.id },
          );
        }
        supersedes = target ?? null;
      }
      await tx.query(
        `UPDATE "CompatibilityRecord"
          SET "reviewState" = $2::"ReviewState", "reviewReason" = $3, "reviewedAt" = CURRENT_TIMESTAMP, "reviewedByKeyId" = $4,
              "supersedesId" = $5
        WHERE id = $1`,
        [rid, decision, why, env.actor.keyId, supersedes?.id ?? null],
      );
      const after = theRow(
        await tx.query<RecordWithProposal>(`SELECT ${RECORD_SELECT} FROM "CompatibilityRecord" c WHERE c.id = $1`, [rid]),
        `record ${rid}`,
      );
      await writeAudit(tx, env.actor, [
        { action, entityType: 'CompatibilityRecord', entityId: rid, outcome: 'OK', before, after, detail: `${decision}: ${why}` },
      ]);
      const changes: ChangeInput[] = [];
      if (decision === 'ACCEPTED') {
        changes.push({ entityType: 'CompatibilityRecord', entityId: rid, op: 'UPSERT', data: after });
        if (supersedes && supersedes.reviewState === 'ACCEPTED') {
          changes.push({
            entityType: 'CompatibilityRecord',
            entityId: supersedes.id,
            op: 'SUPERSEDE',
            data: { supersededBy: rid, guestId: supersedes.guestId, hypervisorReleaseId: supersedes.hypervisorReleaseId },
          });
        }
      }
      const events = await appendChanges(tx, changes);
      return { record: after, events };
    }),
  );
}
