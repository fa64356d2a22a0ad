import type { GraphQLContext, Actor } from '../context.ts';
import { RECORD_COLS, type RecordRow } from '../../catalogue/rows.ts';
import { keysetPage, Where, type Keyset, type PageArgs } from '../common/pagination.ts';
import { appError, ErrorCode, notFound, badInput } from '../../errors.ts';
import { guestByIdOrShortId } from '../guest-os/resolvers.ts';
import { guestNotFound } from '../guest-os/suggest.ts';
import { releaseByRef } from '../hypervisor/resolvers.ts';
import { deriveVerdict, type Status } from './verdict.ts';
import type { Resolvers } from '../resolvers.generated.ts';

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
      const [chain, records, reqs, guestDevices, releaseDevices, knownFeatures] = await Promise.all([
        ctx.db.sql.query<{ id: string; name: string }>(
          `SELECT a."ancestorId" AS id, g.name FROM "GuestOSAncestor" a JOIN "GuestOS" g ON g.id = a."ancestorId"
            WHERE a."guestId" = $1 ORDER BY a.depth, a.rank`,
          [guest.id],
        ),
        ctx.db.sql.query<RecordRow & { hostFeatureKey: string | null }>(
          `SELECT ${RECORD_COLS()}, f.key AS "hostFeatureKey" FROM "CompatibilityRecord" c
             LEFT JOIN "HardwareFeature" f ON f.id = c."hostFeatureId"
            WHERE c."guestId" IN (SELECT "ancestorId" FROM "GuestOSAncestor" WHERE "guestId" = $1)
              AND c."hypervisorReleaseId" = $2 AND c."reviewState" = 'ACCEPTED'
              AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)
            ORDER BY c."createdAt" DESC, c.id`,
          [guest.id, release.id],
        ),
        ctx.loaders.releaseHostFeatures.load(release.id),
        ctx.loaders.effectiveDevices.load(guest.id),
        ctx.loaders.releaseDevices.load(release.id),
        args.hostFeatures?.length
          ? ctx.db.sql.query<{ key: string }>(`SELECT key FROM "HardwareFeature" WHERE key = ANY($1::text[])`, [args.hostFeatures])
          : Promise.resolve([]),
      ]);
      for (const r of records) ctx.loaders.record.prime(r.id, r);
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
      const result = deriveVerdict({
        guest: { id: guest.id, name: guest.name },
        chain,
        release: { id: release.id, name: release.name },
        records: records.map((r) => ({
          id: r.id,
          guestId: r.guestId,
          status: r.status as Status,
          submitter: r.submitterVendorId ?? r.source,
          hostFeatureKey: r.hostFeatureKey,
          evidenceDate: r.evidenceDate,
        })),
        hostFeatures: args.hostFeatures ?? null,
        hostRequirements: reqs.map((r) => ({
          key: r.featureKey,
          requirement: r.requirement as 'REQUIRED',
          anyOf: r.anyOf,
        })),
        guestDevices: guestDevices.map((d) => ({
          id: d.deviceId,
          class: d.device.class,
          kind: d.device.kind,
          paravirtInterface: d.device.paravirtInterface,
          driverSource: d.driverSource,
        })),
        releaseDevices: releaseDevices
          .filter((d) => d.supported)
          .map((d) => ({
            id: d.deviceId,
            class: d.device.class,
            kind: d.device.kind,
            paravirtInterface: d.device.paravirtInterface,
            model: d.model,
          })),
      });
      return {
        guest,
        hypervisorRelease: release,
        verdict: result.verdict,
        basis: result.basis,
        reasons: result.reasons,
        // Loaded here, not handed on as promises: graphql-jit does not resolve promises nested in
        // plain object fields.
        records: await Promise.all(result.recordIds.map((id) => ctx.loaders.record.load(id))),
        conflicts: await Promise.all(
          result.conflicts.map(async (c) => ({
            a: await ctx.loaders.record.load(c.a),
            b: await ctx.loaders.record.load(c.b),
            reason: c.reason,
          })),
        ),
        missingHostFeatures: result.missingHostFeatures,
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
