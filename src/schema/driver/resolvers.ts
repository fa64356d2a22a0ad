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

export const driverResolvers = {
  Query: {
    driverPackages: async (_: unknown, __: unknown, ctx: GraphQLContext) => {
      const keys = await ctx.db.sql.query<{ key: string }>(`SELECT key FROM "DriverPackage" ORDER BY key`);
      return ctx.loaders.driverPackage.loadMany(keys.map((k) => k.key));
    },
    drivers: async (_: unknown, args: { guest: string; hypervisor?: string | null; arch?: string | null }, ctx: GraphQLContext) => {
      const guest = await ctx.loaders.guestByKey.load(args.guest);
      if (!guest) throw await guestNotFound(ctx.db.sql, args.guest);
      let rows = await ctx.loaders.driversOfGuest.load(guest.id);
      if (args.arch != null) rows = rows.filter((r) => r.arch === args.arch);
      const builds = (await ctx.loaders.driverBuild.loadMany(rows.map((r) => r.buildId))) as (DriverBuildRow | null)[];
      if (args.hypervisor != null) {
        const sets = await ctx.loaders.answerFeatures.load('all');
        const set = sets.find((s) => s.hypervisorKey === args.hypervisor);
        if (!set) throw notFound(ErrorCode.HYPERVISOR_NOT_FOUND, 'hypervisor', args.hypervisor);
        const feats = await ctx.loaders.paravirt.loadMany(set.featureIds);
        const keys = new Set(feats.map((f) => (f as { key: string } | null)?.key));
        const pkgs = (await ctx.loaders.driverPackage.loadMany(builds.map((b) => b?.packageKey ?? ''))) as (DriverPackageRow | null)[];
        rows = rows.filter((_, i) => keys.has(pkgs[i]?.featureKey));
      }
      const version = new Map(builds.map((b) => [b?.id, b?.version ?? '']));
      return [...rows].sort(
        (a, b) =>
          compareVersion(version.get(b.buildId) ?? '', version.get(a.buildId) ?? '') ||
          a.buildId.localeCompare(b.buildId) ||
          a.arch.localeCompare(b.arch),
      );
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
  DriverPackage: {
    feature: async (p: DriverPackageRow, _: unknown, ctx: GraphQLContext) => {
      const [f] = await ctx.db.sql.query<{ id: string }>(`SELECT id FROM "ParavirtFeature" WHERE key = $1`, [p.featureKey]);
      return f ? ctx.loaders.paravirt.load(f.id) : null;
    },
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
