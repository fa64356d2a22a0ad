import type { GraphQLContext } from '../context.ts';
import {
  HYPERVISOR_COLS,
  PARAVIRT_COLS,
  RELEASE_COLS,
  type HypervisorRow,
  type ParavirtRow,
  type ReleaseRow,
} from '../../catalogue/rows.ts';
import { keysetPage, Where, type Keyset, type PageArgs } from '../common/pagination.ts';
import { badInput } from '../../errors.ts';
import type { HostFeatureReqRow, ReleaseParavirtRow } from '../../catalogue/rows.ts';
import type { Resolvers } from '../resolvers.generated.ts';

const BY_KEY: Keyset = { expr: 'h.key', value: (r) => String(r.key), direction: 'ASC' };

/** A release by id, or `key:version` (`kvm:8.2`): one statement either way. */
export async function releaseByRef(ctx: GraphQLContext, ref: string): Promise<ReleaseRow | null> {
  const m = /^([a-z0-9-]+):([^/].*)$/.exec(ref);
  if (!m) return ctx.loaders.release.load(ref);
  const [row] = await ctx.db.sql.query<ReleaseRow>(
    `SELECT ${RELEASE_COLS()} FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId"
      WHERE h.key = $1 AND r.version = $2`,
    [m[1], m[2]],
  );
  if (row) ctx.loaders.release.prime(row.id, row);
  return row ?? null;
}

export const hypervisorResolvers = {
  Query: {
    hypervisor: (_: unknown, args: { id?: string | null; key?: string | null }, ctx: GraphQLContext) => {
      if ((args.id == null) === (args.key == null)) throw badInput('give exactly one of id or key');
      return args.id != null ? ctx.loaders.hypervisor.load(args.id) : ctx.loaders.hypervisorByKey.load(args.key!);
    },
    hypervisors: async (_: unknown, args: PageArgs & { filter?: { family?: string | null } | null }, ctx: GraphQLContext) => {
      const w = new Where();
      if (args.filter?.family != null) w.add('h.family::text = $?', args.filter.family);
      return keysetPage<HypervisorRow>(
        ctx.db.sql,
        { select: HYPERVISOR_COLS(), from: '"Hypervisor" h', idExpr: 'h.id', where: w, keyset: BY_KEY, args },
        (r) => ctx.loaders.hypervisor.prime(r.id, r),
      );
    },
    hypervisorRelease: async (
      _: unknown,
      args: { id?: string | null; hypervisor?: string | null; version?: string | null },
      ctx: GraphQLContext,
    ) => {
      if (args.id != null) {
        if (args.hypervisor != null || args.version != null) throw badInput('give either id, or hypervisor and version');
        return ctx.loaders.release.load(args.id);
      }
      if (args.hypervisor == null || args.version == null) throw badInput('give either id, or hypervisor and version');
      return releaseByRef(ctx, `${args.hypervisor}:${args.version}`);
    },
    paravirtFeature: (_: unknown, args: { key: string }, ctx: GraphQLContext) => ctx.loaders.paravirtByKey.load(args.key),
    paravirtFeatures: (_: unknown, args: { family?: string | null; kind?: string | null }, ctx: GraphQLContext) => {
      const w = new Where();
      if (args.family != null) w.add('p.family::text = $?', args.family);
      if (args.kind != null) w.add('p.kind::text = $?', args.kind);
      return ctx.db.sql.query<ParavirtRow>(`SELECT ${PARAVIRT_COLS()} FROM "ParavirtFeature" p ${w.sql()} ORDER BY p.key`, w.params);
    },
  },
  Hypervisor: {
    releases: (h: HypervisorRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.releasesOf.load(h.id),
    latestRelease: async (h: HypervisorRow, _: unknown, ctx: GraphQLContext) => (await ctx.loaders.releasesOf.load(h.id)).at(-1) ?? null,
  },
  HypervisorRelease: {
    hypervisor: (r: ReleaseRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.hypervisor.load(r.hypervisorId),
    devices: async (
      r: ReleaseRow,
      args: { class?: string | null; kind?: string | null; supported?: boolean | null },
      ctx: GraphQLContext,
    ) =>
      (await ctx.loaders.releaseDevices.load(r.id)).filter(
        (x) =>
          (args.class == null || x.device.class === args.class) &&
          (args.kind == null || x.device.kind === args.kind) &&
          (args.supported == null || x.supported === args.supported),
      ),
    paravirt: async (r: ReleaseRow, args: { kind?: string | null }, ctx: GraphQLContext) => {
      const rows = await ctx.loaders.releaseParavirt.load(r.id);
      if (args.kind == null) return rows;
      const feats = await ctx.loaders.paravirt.loadMany(rows.map((x) => x.featureId));
      return rows.filter((_, i) => (feats[i] as ParavirtRow | null)?.kind === args.kind);
    },
    hostFeatures: async (r: ReleaseRow, args: { requirement?: string | null }, ctx: GraphQLContext) =>
      (await ctx.loaders.releaseHostFeatures.load(r.id)).filter((x) => args.requirement == null || x.requirement === args.requirement),
    provenance: (r: ReleaseRow) => ({ source: r.source, sourceVersion: null, sourceRef: r.sourceRef }),
  },
  HypervisorParavirt: {
    feature: (r: ReleaseParavirtRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.paravirt.load(r.featureId),
  },
  HostFeatureRequirement: {
    feature: (r: HostFeatureReqRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.hwFeature.load(r.featureId),
  },
  ParavirtFeature: {
    // The column is nullable (a row written without the list); the field is a list, empty when none.
    dependsOnKeys: (p: ParavirtRow) => p.dependsOn ?? [],
    dependsOn: async (p: ParavirtRow, _: unknown, ctx: GraphQLContext) =>
      (await ctx.loaders.paravirtByKey.loadMany(p.dependsOn)).filter((x) => x && !(x instanceof Error)),
  },
} satisfies Resolvers<GraphQLContext>;
