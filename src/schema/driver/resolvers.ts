// Add-on driver packages: queries over the builds and what they say about guest releases, and the
// vendors' publish mutation (src/catalogue/publish/driver-build.ts).
import type { CataloguePubSub, GraphQLContext } from '../context.ts';
import { CATALOGUE_TOPIC } from '../../catalogue/events.ts';
import { ErrorCode, notFound } from '../../errors.ts';
import { publishDriverBuild, type DriverBuildInput } from '../../catalogue/publish/driver-build.ts';
import { compareVersion } from '../../catalogue/paravirt-derive.ts';
import { guestNotFound } from '../guest-os/suggest.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import type { DriverBuildGuestRow, DriverBuildRow, DriverPackageRow } from './loaders.ts';

/** The vendor module's context: publish events reach subscribers (app.ts puts `events` in). */
type Ctx = GraphQLContext & { events: { pubsub: CataloguePubSub } };

/**
 * The driver packages for a hypervisor: those whose paravirt feature makes up a guest's paravirt
 * answer there (offered by one of its releases, or added by the answer rules). Null: no such hypervisor.
 */
async function packageKeysFor(hypervisor: string, ctx: GraphQLContext): Promise<Set<string> | null> {
  const sets = await ctx.loaders.answerFeatures.load('all');
  const set = sets.find((s) => s.hypervisorKey === hypervisor);
  if (!set) return null;
  const feats = await ctx.loaders.paravirt.loadMany(set.featureIds);
  const features = new Set(feats.map((f) => (f as { key: string } | null)?.key));
  const all = await ctx.loaders.allDriverPackages.load('all');
  return new Set(all.filter((p) => features.has(p.featureKey)).map((p) => p.key));
}

/** What the builds say about a guest (by id), newest build first; filtered to a hypervisor's packages and an architecture. */
async function driversOf(guestId: string, args: { hypervisor?: string | null; arch?: string | null }, ctx: GraphQLContext) {
  let rows = await ctx.loaders.driversOfGuest.load(guestId);
  if (args.arch != null) rows = rows.filter((r) => r.arch === args.arch);
  const builds = (await ctx.loaders.driverBuild.loadMany(rows.map((r) => r.buildId))) as (DriverBuildRow | null)[];
  if (args.hypervisor != null) {
    const keys = await packageKeysFor(args.hypervisor, ctx);
    if (!keys) throw notFound(ErrorCode.HYPERVISOR_NOT_FOUND, 'hypervisor', args.hypervisor);
    rows = rows.filter((_, i) => keys.has(builds[i]?.packageKey ?? ''));
  }
  const version = new Map(builds.map((b) => [b?.id, b?.version ?? '']));
  return [...rows].sort(
    (a, b) =>
      compareVersion(version.get(b.buildId) ?? '', version.get(a.buildId) ?? '') ||
      a.buildId.localeCompare(b.buildId) ||
      a.arch.localeCompare(b.arch),
  );
}

export const driverResolvers = {
  Query: {
    driverPackages: async (_: unknown, __: unknown, ctx: GraphQLContext) => {
      const keys = await ctx.db.sql.query<{ key: string }>(`SELECT key FROM "DriverPackage" ORDER BY key`);
      return ctx.loaders.driverPackage.loadMany(keys.map((k) => k.key));
    },
    drivers: async (_: unknown, args: { guest: string; hypervisor?: string | null; arch?: string | null }, ctx: GraphQLContext) => {
      const guest = await ctx.loaders.guestByKey.load(args.guest);
      if (!guest) throw await guestNotFound(ctx.db.sql, args.guest);
      return driversOf(guest.id, args, ctx);
    },
  },
  Mutation: {
    publishDriverBuild: async (_: unknown, args: { input: DriverBuildInput }, ctx: Ctx) => {
      const out = await publishDriverBuild({ db: ctx.db, actor: ctx.actor, limits: ctx.config.limits }, args.input);
      if (out.changed) {
        // as the vendor module's publish mutations: subscribers hear of it, cached responses go
        for (const e of out.events) ctx.events.pubsub.publish(CATALOGUE_TOPIC, e);
        ctx.onCatalogueChange();
      }
      return {
        ...out,
        driverBuild: out.snapshot ? await ctx.loaders.driverBuild.clear(out.snapshot.id).load(out.snapshot.id) : null,
      };
    },
  },
  GuestOS: {
    drivers: (g: { id: string }, args: { hypervisor?: string | null; arch?: string | null }, ctx: GraphQLContext) =>
      driversOf(g.id, args, ctx),
  },
  Hypervisor: {
    driverPackages: async (h: { key: string }, _: unknown, ctx: GraphQLContext) => {
      const keys = await packageKeysFor(h.key, ctx);
      return (await ctx.loaders.driverPackage.loadMany([...(keys ?? [])].sort())).filter(
        (p): p is DriverPackageRow => p !== null && !(p instanceof Error),
      );
    },
  },
  DriverPackage: {
    // batched by key: the planning operation asks it for every package of the hypervisor planned for
    feature: (p: DriverPackageRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.paravirtByKey.load(p.featureKey),
    builds: async (p: DriverPackageRow, _: unknown, ctx: GraphQLContext) =>
      [...(await ctx.loaders.driverBuildsOfPackage.load(p.key))].sort((a, b) => compareVersion(a.version, b.version)),
  },
  DriverBuild: {
    package: (b: DriverBuildRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.driverPackage.load(b.packageKey),
    guests: (b: DriverBuildRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.driverBuildGuests.load(b.id),
  },
  DriverBuildGuest: {
    build: (r: DriverBuildGuestRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.driverBuild.load(r.buildId),
    guest: (r: DriverBuildGuestRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.guest.load(r.guestId),
  },
} satisfies Resolvers<Ctx>;
