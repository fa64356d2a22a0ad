// Moves between hypervisors: the known issues a move meets (data, like compatibility records) and
// vendors' submissions of them.
import { CATALOGUE_TOPIC, type CatalogueEvent } from '../../catalogue/events.ts';
import type { WriteEnv } from '../../catalogue/authorize.ts';
import { type KnownIssueInput, type KnownIssueSnapshot, publishKnownIssue } from '../../catalogue/publish/known-issue.ts';
import type { GraphQLContext } from '../context.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import type { VendorServices } from '../vendor/resolvers.ts';

type Ctx = GraphQLContext & VendorServices;

const COLUMNS = `id, key, title, severity::text AS severity, "fromHypervisor", "toHypervisor", "fromDevice", "toDevice",
  "guestFamily", "guestId" AS guest, condition, trigger, workaround, "evidenceUrl", source`;

function announce(ctx: Ctx, events: CatalogueEvent[]) {
  for (const e of events) ctx.events.pubsub.publish(CATALOGUE_TOPIC, e);
  ctx.onCatalogueChange();
}

export const moveResolvers = {
  Query: {
    knownIssues: (_: unknown, args: { fromHypervisor?: string | null; toHypervisor?: string | null }, ctx: GraphQLContext) =>
      ctx.db.sql.query(
        `SELECT ${COLUMNS} FROM "KnownIssue"
          WHERE ($1::text IS NULL OR "fromHypervisor" IS NULL OR "fromHypervisor" = $1)
            AND ($2::text IS NULL OR "toHypervisor" IS NULL OR "toHypervisor" = $2)
          ORDER BY key`,
        [args.fromHypervisor ?? null, args.toHypervisor ?? null],
      ),
  },
  Mutation: {
    publishKnownIssue: async (_: unknown, args: { input: KnownIssueInput }, ctx: Ctx) => {
      const env: WriteEnv = { db: ctx.db, actor: ctx.actor, limits: ctx.config.limits };
      const out = await publishKnownIssue(env, args.input);
      if (out.changed) announce(ctx, out.events);
      const k: KnownIssueSnapshot | null = out.snapshot;
      return { ...out, knownIssue: k ? { ...k, guest: k.guestId } : null };
    },
  },
} satisfies Resolvers<Ctx>;
