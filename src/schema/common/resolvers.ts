import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { GraphQLContext } from '../context.ts';
import { canSee } from '../compatibility/resolvers.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import { must } from '../../util/must.ts';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(v: unknown): string {
  if (typeof v !== 'string' || !DATE_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw new GraphQLError(`Date must be YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
  return v;
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v)),
  parseValue: validDate,
  parseLiteral: (ast) => validDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => (v instanceof Date ? v.toISOString() : String(v)),
  parseValue: (v) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new GraphQLError(`DateTime must be ISO 8601, got ${JSON.stringify(v)}`);
    return new Date(v).toISOString();
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return new Date(ast.value).toISOString();
  },
});

function literalToJson(ast: import('graphql').ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw new GraphQLError('variables are not allowed inside JSON literals');
  }
}

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: literalToJson,
});

const NODE_TABLES: Array<[string, string]> = [
  ['GuestOS', 'GuestOS'],
  ['Device', 'Device'],
  ['Hypervisor', 'Hypervisor'],
  ['HypervisorRelease', 'HypervisorRelease'],
  ['HardwareFeature', 'HardwareFeature'],
  ['ParavirtFeature', 'ParavirtFeature'],
  ['CompatibilityRecord', 'CompatibilityRecord'],
  ['Vendor', 'Vendor'],
];

const NODE_SQL = NODE_TABLES.map(([type, table]) => `SELECT '${type}' AS t FROM "${table}" WHERE id = $1`).join(' UNION ALL ') + ' LIMIT 1';

/** The catalogue's version: last change-feed entry and last import, `<changes>.<imports>`. */
export async function catalogueVersion(ctx: Pick<GraphQLContext, 'db'>): Promise<string> {
  const [row] = await ctx.db.sql.query<{ c: number; i: number }>(
    `SELECT coalesce((SELECT max(seq) FROM "Change"), 0)::int AS c,
            coalesce((SELECT max(id) FROM "ImportRun" WHERE status = 'OK'), 0)::int AS i`,
  );
  const { c, i } = must(row, 'the one row of a SELECT without FROM');
  return `${c}.${i}`;
}

export const commonResolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Node: {
    __resolveType: (obj: { __typename?: string }) => obj.__typename ?? null,
  },
  Query: {
    node: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => {
      const [hit] = await ctx.db.sql.query<{ t: string }>(NODE_SQL, [args.id]);
      if (!hit) return null;
      const l = ctx.loaders;
      const load: Record<string, (id: string) => Promise<unknown>> = {
        GuestOS: (id) => l.guest.load(id),
        Device: (id) => l.device.load(id),
        Hypervisor: (id) => l.hypervisor.load(id),
        HypervisorRelease: (id) => l.release.load(id),
        HardwareFeature: (id) => l.hwFeature.load(id),
        ParavirtFeature: (id) => l.paravirt.load(id),
        CompatibilityRecord: async (id) => {
          const r = await l.record.load(id);
          return r && canSee(ctx.actor, r) ? r : null;
        },
        Vendor: (id) => l.vendor.load(id),
      };
      const obj = await must(load[hit.t], `a loader for ${hit.t} (NODE_TABLES lists only these types)`)(args.id);
      return obj ? { ...(obj as object), __typename: hit.t } : null;
    },
    catalogueVersion: (_: unknown, __: unknown, ctx: GraphQLContext) => catalogueVersion(ctx),
  },
} satisfies Resolvers<GraphQLContext>;

/** Connections resolve totalCount lazily: the COUNT runs only when a client asks for it. */
export const connectionResolvers = Object.fromEntries(
  ['GuestOSConnection', 'DeviceConnection', 'HypervisorConnection', 'HardwareFeatureConnection', 'CompatibilityRecordConnection'].map(
    (t) => [t, { totalCount: (c: { totalCount: () => Promise<number> }) => c.totalCount() }],
  ),
);
