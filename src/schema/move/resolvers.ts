// Moves between hypervisors: the known issues a move meets (data, like compatibility records) and
// vendors' submissions of them.
import { CATALOGUE_TOPIC, type CatalogueEvent } from '../../catalogue/events.ts';
import type { WriteEnv } from '../../catalogue/authorize.ts';
import { type KnownIssueInput, type KnownIssueSnapshot, publishKnownIssue } from '../../catalogue/publish/known-issue.ts';
import { createGraphQLError } from 'graphql-yoga';
import type { GraphQLContext } from '../context.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import type { VendorServices } from '../vendor/resolvers.ts';

/**
 * What this module needs beyond the shared services: the move planner (the runtime's, which the schema may
 * not import; src/api/app.ts puts it into the context). Its answer is plain data, typed here structurally.
 */
export interface MoveServices {
  movePlanner?: (req: { config: string; to: string; guest?: string | null; prepared?: boolean | null }) => Promise<MoveAnswer>;
}

interface PreflightItem {
  id: string;
  kind: string;
  severity: string;
  title: string;
  trigger: string;
  when: string;
  commands?: string[];
  argv?: string[];
  bootCritical?: boolean;
  workaround?: string;
  evidence: { record?: string; rule: string; source?: string }[];
}
type MoveAnswer =
  | {
      ok: true;
      format: string;
      configuration: string;
      firstBootConfiguration: string | null;
      move: {
        from: { hypervisor: string };
        to: string;
        guest: { id: string; shortId: string | null };
        prepared: boolean;
        warnings: string[];
        preflight: PreflightItem[];
        plan: unknown;
        mapping: {
          role: string;
          source: { index: number; key: string | null; describe: string };
          target: { id: string; key: string | null; model: string; bus: string; deviceId: string | null; mac?: string };
          group: string | null;
          changed: boolean;
        }[];
      };
    }
  | { ok: false; refusal: { error: string; requirement: string; message: string; records: string[]; preflight: PreflightItem[] } };

type Ctx = GraphQLContext & VendorServices & MoveServices;

const item = (p: PreflightItem) => ({ ...p, commands: p.commands ?? [], argv: p.argv ?? null, bootCritical: p.bootCritical === true });

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
    movePlan: async (_: unknown, args: { config: string; to: string; guest?: string | null; prepared?: boolean | null }, ctx: Ctx) => {
      if (!ctx.movePlanner)
        throw createGraphQLError('movePlan is not available in this service', { extensions: { code: 'NOT_AVAILABLE' } });
      let a: MoveAnswer;
      try {
        a = await ctx.movePlanner(args);
      } catch (err) {
        if ((err as Error).name === 'MoveRequestError')
          throw createGraphQLError((err as Error).message, { extensions: { code: 'BAD_USER_INPUT' } });
        throw err;
      }
      if (!a.ok)
        return {
          ok: false,
          refusal: { ...a.refusal, code: a.refusal.error, preflight: a.refusal.preflight.map(item) },
          toHypervisor: args.to,
          prepared: args.prepared === true,
          mapping: [],
          preflight: [],
          warnings: [],
        };
      const m = a.move;
      return {
        ok: true,
        refusal: null,
        guest: m.guest.shortId ?? m.guest.id,
        fromHypervisor: m.from.hypervisor,
        toHypervisor: m.to,
        prepared: m.prepared,
        mapping: m.mapping.map((x) => ({
          role: x.role,
          sourceIndex: x.source.index,
          sourceKey: x.source.key,
          source: x.source.describe,
          targetId: x.target.id,
          targetKey: x.target.key,
          targetModel: x.target.model,
          targetBus: x.target.bus,
          targetDeviceId: x.target.deviceId,
          group: x.group,
          changed: x.changed,
          mac: x.target.mac ?? null,
        })),
        preflight: m.preflight.map(item),
        warnings: m.warnings,
        format: a.format,
        configuration: a.configuration,
        firstBootConfiguration: a.firstBootConfiguration,
        planJson: JSON.stringify(m.plan),
      };
    },
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
