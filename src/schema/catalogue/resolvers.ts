import type { GraphQLContext } from '../context.ts';
import { pageSize } from '../common/pagination.ts';
import { ts } from '../../catalogue/rows.ts';
import type { Resolvers } from '../resolvers.generated.ts';

export const catalogueResolvers = {
  Query: {
    deviceEquivalenceGroups: async (_: unknown, args: { class?: string | null }, ctx: GraphQLContext) => {
      const groups = await ctx.db.sql.query<{ key: string; class: string; description: string | null; sourceRef: string | null }>(
        `SELECT key, class::text AS class, description, "sourceRef" FROM "DeviceEquivalenceGroup"
          ${args.class != null ? 'WHERE class::text = $1' : ''} ORDER BY key`,
        args.class != null ? [args.class] : [],
      );
      const members = await ctx.db.sql.query<{ groupKey: string; deviceId: string; hypervisorKey: string | null }>(
        `SELECT "groupKey", "deviceId", "hypervisorKey" FROM "DeviceEquivalenceMember" WHERE "groupKey" = ANY($1::text[])
          ORDER BY "groupKey", "hypervisorKey" NULLS LAST, "deviceId"`,
        [groups.map((g) => g.key)],
      );
      return groups.map((g) => ({
        ...g,
        members: members
          .filter((m) => m.groupKey === g.key)
          .map((m) => ({ group: g.key, deviceId: m.deviceId, hypervisorKey: m.hypervisorKey })),
      }));
    },
    imports: (_: unknown, args: { source?: string | null; first?: number | null }, ctx: GraphQLContext) => {
      const n = pageSize(args.first);
      const params: unknown[] = [n];
      if (args.source != null) params.push(args.source);
      return ctx.db.sql.query(
        `SELECT id::text AS id, source, "sourceVersion", path, ${ts('"startedAt"')} AS "startedAt",
                ${ts('"finishedAt"')} AS "finishedAt", status, counts, message
           FROM "ImportRun" ${args.source != null ? 'WHERE source = $2' : ''} ORDER BY id DESC LIMIT $1`,
        params,
      );
    },
  },
} satisfies Resolvers<GraphQLContext>;
