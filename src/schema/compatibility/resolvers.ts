import type { GraphQLContext, Actor } from '../context.ts';
import { RECORD_COLS, type RecordRow } from '../../catalogue/rows.ts';
import { decodeCursor, encodeCursor, keysetPage, pageSize, Where, type Keyset, type PageArgs } from '../common/pagination.ts';
import { appError, ErrorCode, notFound, badInput } from '../../errors.ts';
import { guestByIdOrShortId } from '../guest-os/resolvers.ts';
import { guestNotFound } from '../guest-os/suggest.ts';
import { releaseByRef } from '../hypervisor/resolvers.ts';
import type { Verdict } from './verdict.ts';
import { allReleases, loadVerdictFacts, releasesByRef } from '../../catalogue/compatibility/facts.ts';
import { GUEST_COLS, type GuestRow, type ReleaseRow } from '../../catalogue/rows.ts';
import { must } from '../../util/must.ts';
import { cellsFor, levelCounts, recordIndex, toCell, verdictFromFacts, type Cell } from './matrix.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import { prepared } from '../../db/sql.ts';

const KNOWN_FEATURES = prepared(`SELECT key FROM "HardwareFeature" WHERE key = ANY($1::text[])`);

const BY_CREATED: Keyset = {
  expr: `to_char(c."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
  value: (r) => String((r as { createdAtKey?: string }).createdAtKey),
  direction: 'DESC',
};

/** Whether the actor may see a record in this review state. */
export function canSee(actor: Actor, rec: { reviewState: string; submitterVendorId: string | null }): boolean {
  if (rec.reviewState === 'ACCEPTED') return true;
  if (actor.role === 'MAINTAINER' || actor.role === 'ADMIN') return true;
  return actor.role === 'SUBMITTER' && actor.vendorId != null && actor.vendorId === rec.submitterVendorId;
}

interface RecordFilter {
  guest?: string | null;
  hypervisorRelease?: string | null;
  hypervisor?: string | null;
  status?: string | null;
  reviewState?: string | null;
  submitter?: string | null;
  includeSuperseded?: boolean | null;
}

export const MAX_MATRIX_GUESTS = 200;
export const MAX_MATRIX_RELEASES = 100;

/** The rows in the order their refs were given, each once. */
function uniqueById<T extends { id: string }>(rows: Array<T | null | Error>): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const r of rows) {
    if (r && !(r instanceof Error) && !seen.has(r.id)) {
      seen.add(r.id);
      out.push(r);
    }
  }
  return out;
}

export const compatibilityResolvers = {
  Query: {
    compatibilityRecord: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => {
      const rec = await ctx.loaders.record.load(args.id);
      return rec && canSee(ctx.actor, rec) ? rec : null;
    },
    compatibilityRecords: async (_: unknown, args: PageArgs & { filter?: RecordFilter | null }, ctx: GraphQLContext) => {
      const f = args.filter ?? {};
      const w = new Where();
      const state = f.reviewState ?? 'ACCEPTED';
      w.add(`c."reviewState"::text = $?`, state);
      if (state !== 'ACCEPTED') {
        if (ctx.actor.role === 'SUBMITTER') w.add(`c."submitterVendorId" = $?`, ctx.actor.vendorId);
        else if (ctx.actor.role !== 'MAINTAINER' && ctx.actor.role !== 'ADMIN') {
          throw appError(ErrorCode.FORBIDDEN, `${state.toLowerCase()} records are visible to their submitter and to maintainers only`);
        }
      }
      if (f.guest != null) {
        const g = await guestByIdOrShortId(ctx, f.guest);
        if (!g) throw await guestNotFound(ctx.db.sql, f.guest);
        w.add(`c."guestId" = $?`, g.id);
      }
      if (f.hypervisorRelease != null) w.add(`c."hypervisorReleaseId" = $?`, f.hypervisorRelease);
      if (f.hypervisor != null) {
        w.add(
          `c."hypervisorReleaseId" IN (SELECT r.id FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId" WHERE h.key = $?)`,
          f.hypervisor,
        );
      }
      if (f.status != null) w.add(`c.status::text = $?`, f.status);
      if (f.submitter != null) w.add(`c."submitterVendorId" = $?`, f.submitter);
      if (!f.includeSuperseded) w.add(`NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)`);
      return keysetPage<RecordRow & { createdAtKey: string }>(
        ctx.db.sql,
        {
          select: `${RECORD_COLS()}, ${BY_CREATED.expr} AS "createdAtKey"`,
          from: '"CompatibilityRecord" c',
          idExpr: 'c.id',
          where: w,
          keyset: BY_CREATED,
          args,
        },
        (r) => ctx.loaders.record.prime(r.id, r),
      );
    },
    compatibility: async (
      _: unknown,
      args: { guest: string; hypervisorRelease: string; hostFeatures?: string[] | null },
      ctx: GraphQLContext,
    ) => {
      if (args.hostFeatures && args.hostFeatures.length > 200) throw badInput('at most 200 host features', 'hostFeatures');
      const [guest, release] = await Promise.all([guestByIdOrShortId(ctx, args.guest), releaseByRef(ctx, args.hypervisorRelease)]);
      if (!guest) throw await guestNotFound(ctx.db.sql, args.guest);
      if (!release) throw notFound(ErrorCode.HYPERVISOR_RELEASE_NOT_FOUND, 'hypervisor release', args.hypervisorRelease);

      // Everything else depends only on the two ids: one round of statements, run together.
      const [facts, knownFeatures] = await Promise.all([
        loadVerdictFacts(ctx.db.sql, [guest.id], [release.id]),
        args.hostFeatures?.length ? ctx.db.sql.query<{ key: string }>(KNOWN_FEATURES, [args.hostFeatures]) : Promise.resolve([]),
      ]);
      for (const r of facts.records) ctx.loaders.record.prime(r.id, r);
      if (args.hostFeatures?.length) {
        const known = new Set(knownFeatures.map((r) => r.key));
        const unknown = args.hostFeatures.filter((k) => !known.has(k));
        if (unknown.length) {
          throw appError(ErrorCode.HARDWARE_FEATURE_NOT_FOUND, `unknown hardware feature key(s): ${unknown.join(', ')}`, {
            field: 'hostFeatures',
            keys: unknown,
          });
        }
      }
      const result = verdictFromFacts(facts, guest, release, args.hostFeatures ?? null);
      const records = recordIndex(facts);
      const cell = toCell(result, guest, release, records);
      return {
        guest,
        hypervisorRelease: release,
        verdict: result.verdict,
        basis: result.basis,
        evidenceLevel: result.evidenceLevel,
        backends: cell.backends,
        reasons: result.reasons,
        records: result.recordIds.map((id) => must(records.get(id), `record ${id} among the facts`)),
        conflicts: cell.conflicts,
        missingHostFeatures: result.missingHostFeatures,
        // Loaded here, not handed on as promises: graphql-jit does not resolve promises nested in
        // plain object fields.
        devices: await Promise.all(
          result.devices.map(async (d) => ({
            class: d.class,
            device: d.deviceId ? await ctx.loaders.device.load(d.deviceId) : null,
            model: d.model,
            paravirtual: d.paravirtual,
          })),
        ),
      };
    },
    matrix: async (_: unknown, args: { guests: string[]; hypervisorReleases: string[] }, ctx: GraphQLContext) => {
      if (args.guests.length > MAX_MATRIX_GUESTS)
        throw badInput(`at most ${MAX_MATRIX_GUESTS} guests, got ${args.guests.length}`, 'guests');
      if (args.hypervisorReleases.length > MAX_MATRIX_RELEASES) {
        throw badInput(`at most ${MAX_MATRIX_RELEASES} hypervisor releases, got ${args.hypervisorReleases.length}`, 'hypervisorReleases');
      }
      const [guestRows, releaseMap] = await Promise.all([
        args.guests.length ? ctx.loaders.guestByKey.loadMany(args.guests) : Promise.resolve([]),
        releasesByRef(ctx.db.sql, args.hypervisorReleases),
      ]);
      const failed = guestRows.find((g) => g instanceof Error);
      if (failed) throw failed;
      const missingGuest = args.guests.find((_, i) => !guestRows[i]);
      if (missingGuest !== undefined) throw await guestNotFound(ctx.db.sql, missingGuest);
      const guests = uniqueById(guestRows);
      const missingRelease = args.hypervisorReleases.find((r) => !releaseMap.has(r));
      if (missingRelease !== undefined) throw notFound(ErrorCode.HYPERVISOR_RELEASE_NOT_FOUND, 'hypervisor release', missingRelease);
      const releases = uniqueById(args.hypervisorReleases.map((r) => releaseMap.get(r) ?? null));
      for (const r of releases) ctx.loaders.release.prime(r.id, r);
      const cells = await cellsFor(ctx.db.sql, guests, releases);
      return { guests, hypervisorReleases: releases, cells, counts: levelCounts(cells) };
    },
    guestSupport: async (_: unknown, args: { guest: string }, ctx: GraphQLContext) => {
      const [guest, releases] = await Promise.all([guestByIdOrShortId(ctx, args.guest), allReleases(ctx.db.sql)]);
      if (!guest) throw await guestNotFound(ctx.db.sql, args.guest);
      for (const r of releases) ctx.loaders.release.prime(r.id, r);
      return cellsFor(ctx.db.sql, [guest], releases);
    },
    releaseGuests: async (_: unknown, args: PageArgs & { hypervisorRelease: string; levels?: Verdict[] | null }, ctx: GraphQLContext) => {
      const first = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after)[1] : null;
      const release = await releaseByRef(ctx, args.hypervisorRelease);
      if (!release) throw notFound(ErrorCode.HYPERVISOR_RELEASE_NOT_FOUND, 'hypervisor release', args.hypervisorRelease);
      const levels = args.levels?.length ? new Set(args.levels) : null;
      let page: Array<Cell<GuestRow, ReleaseRow>>;
      let more: boolean;
      let totalCount: number;
      if (levels) {
        // A level is known only once derived: every guest's cell, then the filter and the page.
        const guests = await ctx.db.sql.query<GuestRow>(`SELECT ${GUEST_COLS()} FROM "GuestOS" g ORDER BY g.id`);
        const cells = (await cellsFor(ctx.db.sql, guests, [release])).filter((c) => levels.has(c.level));
        totalCount = cells.length;
        const rest = after == null ? cells : cells.filter((c) => c.guest.id > after);
        page = rest.slice(0, first);
        more = rest.length > first;
      } else {
        // Without a level filter only the page's guests are derived.
        const [guests, [count]] = await Promise.all([
          ctx.db.sql.query<GuestRow>(
            `SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE ($1::text IS NULL OR g.id > $1) ORDER BY g.id LIMIT $2`,
            [after, first + 1],
          ),
          ctx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS"`),
        ]);
        more = guests.length > first;
        page = await cellsFor(ctx.db.sql, guests.slice(0, first), [release]);
        totalCount = count?.n ?? 0;
      }
      for (const c of page) ctx.loaders.guest.prime(c.guest.id, c.guest);
      const edges = page.map((node) => ({ cursor: encodeCursor(node.guest.id, node.guest.id), node }));
      return {
        edges,
        nodes: page,
        totalCount,
        pageInfo: {
          hasNextPage: more,
          hasPreviousPage: after != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  CompatibilityRecord: {
    guest: (r: RecordRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.guest.load(r.guestId),
    hypervisorRelease: (r: RecordRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.release.load(r.hypervisorReleaseId),
    hostFeature: (r: RecordRow, _: unknown, ctx: GraphQLContext) => (r.hostFeatureId ? ctx.loaders.hwFeature.load(r.hostFeatureId) : null),
    device: (r: RecordRow, _: unknown, ctx: GraphQLContext) => (r.deviceId ? ctx.loaders.device.load(r.deviceId) : null),
    testedDevices: async (r: RecordRow, _: unknown, ctx: GraphQLContext) =>
      (await ctx.loaders.device.loadMany(r.testedDevices)).filter((d) => d && !(d instanceof Error)),
    evidence: (r: RecordRow) => ({ notes: r.evidenceNotes, url: r.evidenceUrl, date: r.evidenceDate }),
    submitter: (r: RecordRow, _: unknown, ctx: GraphQLContext) =>
      r.submitterVendorId ? ctx.loaders.vendor.load(r.submitterVendorId) : null,
    supersedes: async (r: RecordRow, _: unknown, ctx: GraphQLContext) => {
      if (!r.supersedesId) return null;
      const s = await ctx.loaders.record.load(r.supersedesId);
      return s && canSee(ctx.actor, s) ? s : null;
    },
    supersededBy: async (r: RecordRow, _: unknown, ctx: GraphQLContext) => {
      if (!r.supersededById) return null;
      const s = await ctx.loaders.record.load(r.supersededById);
      return s && canSee(ctx.actor, s) ? s : null;
    },
    current: (r: RecordRow) => r.supersededById == null,
  },
} satisfies Resolvers<GraphQLContext>;
