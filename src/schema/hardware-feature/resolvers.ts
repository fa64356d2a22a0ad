import type { GraphQLContext } from '../context.ts';
import { HW_FEATURE_COLS, type HwFeatureRow } from '../../catalogue/rows.ts';
import { keysetPage, Where, type Keyset, type PageArgs } from '../common/pagination.ts';
import { badInput } from '../../errors.ts';
import type { Resolvers } from '../resolvers.generated.ts';

const BY_KEY: Keyset = { expr: 'f.key', value: (r) => String(r.key), direction: 'ASC' };

export const hardwareFeatureResolvers = {
  Query: {
    hardwareFeature: (_: unknown, args: { id?: string | null; key?: string | null }, ctx: GraphQLContext) => {
      if ((args.id == null) === (args.key == null)) throw badInput('give exactly one of id or key');
      return args.id != null ? ctx.loaders.hwFeature.load(args.id) : ctx.loaders.hwFeatureByKey.load(args.key!);
    },
    hardwareFeatures: async (
      _: unknown,
      args: PageArgs & { filter?: { category?: string | null; architecture?: string | null; keys?: string[] | null } | null },
      ctx: GraphQLContext,
    ) => {
      const w = new Where();
      const f = args.filter;
      if (f?.category != null) w.add('f.category::text = $?', f.category);
      if (f?.architecture != null) w.add('$? = ANY(f.architectures)', f.architecture);
      if (f?.keys != null) w.add('f.key = ANY($?::text[])', f.keys);
      return keysetPage<HwFeatureRow>(
        ctx.db.sql,
        { select: HW_FEATURE_COLS(), from: '"HardwareFeature" f', idExpr: 'f.id', where: w, keyset: BY_KEY, args, fallback: 50 },
        (r) => ctx.loaders.hwFeature.prime(r.id, r),
      );
    },
  },
  HardwareFeature: {
    detection: (f: HwFeatureRow) => ({ method: f.detectionMethod, value: f.detectionValue }),
    requires: async (f: HwFeatureRow, _: unknown, ctx: GraphQLContext) =>
      (await ctx.loaders.hwFeatureByKey.loadMany(f.requires)).filter((x) => x && !(x instanceof Error)),
    provenance: (f: HwFeatureRow) => ({ source: f.source, sourceVersion: null, sourceRef: f.sourceRef }),
  },
} satisfies Resolvers<GraphQLContext>;
