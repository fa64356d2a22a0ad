import type { GraphQLResolveInfo } from 'graphql';
import { guestNotFound } from './suggest.ts';
import type { GraphQLContext } from '../context.ts';
import { fieldsAt, refById, subfieldNames } from '../common/lookahead.ts';
import { date, GUEST_COLS, type GuestRow } from '../../catalogue/rows.ts';
import { keysetPage, Where, type Keyset, type PageArgs } from '../common/pagination.ts';
import { badInput } from '../../errors.ts';
import { ANCESTORS_CTE, effectiveDeviceCountsSql } from '../../catalogue/effective.ts';
import type { EffectiveDevice, EffectiveParavirt, FirmwareRow, ResourceRow } from '../../catalogue/rows.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import { must } from '../../util/must.ts';
import { deviceCountMap, NARROW_DEVICE_FIELDS, type AnswerFeatures } from './loaders.ts';
import { missingInput, type ParavirtRuleSetData } from '../../catalogue/paravirt-derive.ts';

interface GuestFilter {
  family?: string | null;
  distro?: string | null;
  vendor?: string | null;
  architecture?: string | null;
  search?: string | null;
  releaseStatus?: string | null;
  releasedAfter?: string | null;
  releasedBefore?: string | null;
  endOfLife?: boolean | null;
  drivesDevice?: string | null;
  source?: string | null;
}

const SORTS: Record<string, (dir: 'ASC' | 'DESC') => Keyset> = {
  ID: (direction) => ({ expr: 'g.id', value: (r) => String(r.id), direction }),
  NAME: (direction) => ({ expr: 'g.name', value: (r) => String(r.name), direction }),
  RELEASE_DATE: (direction) => ({
    expr: `coalesce(to_char(g."releaseDate", 'YYYY-MM-DD'), '')`,
    value: (r) => (r.releaseDate as string | null) ?? '',
    direction,
  }),
};

/** A guest by exactly one of id / short id. */
export async function findGuest(ctx: GraphQLContext, args: { id?: string | null; shortId?: string | null }) {
  if ((args.id == null) === (args.shortId == null)) throw badInput('give exactly one of id or shortId');
  const key = args.id ?? args.shortId ?? '';
  const g = args.id != null ? await ctx.loaders.guest.load(args.id) : await ctx.loaders.guestByShortId.load(key);
  // null for the field, and an error that says what was meant (extensions.suggestions).
  if (!g) throw await guestNotFound(ctx.db.sql, key);
  return g;
}

/** A guest by id or short id in one string (runtime and compatibility arguments). */
export async function guestByIdOrShortId(ctx: GraphQLContext, key: string) {
  return ctx.loaders.guestByKey.load(key);
}

function applyFilter(w: Where, f: GuestFilter | null | undefined) {
  if (!f) return;
  if (f.family != null) w.add('g.family = $?', f.family);
  if (f.distro != null) w.add('g.distro = $?', f.distro);
  if (f.vendor != null) w.add('g.vendor = $?', f.vendor);
  if (f.architecture != null) w.add('$? = ANY(g.architectures)', f.architecture);
  if (f.releaseStatus != null) w.add(`g."releaseStatus"::text = $?`, f.releaseStatus);
  if (f.source != null) w.add('g.source = $?', f.source);
  if (f.search != null) {
    if (f.search.length > 200) throw badInput('search is limited to 200 characters', 'filter.search');
    const like = `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    w.add(`(g.name ILIKE $? OR EXISTS (SELECT 1 FROM unnest(g."shortIds") s WHERE s ILIKE $?))`, like, like);
  }
  if (f.releasedAfter != null) w.add(`g."releaseDate" > $?::date`, f.releasedAfter);
  if (f.releasedBefore != null) w.add(`g."releaseDate" < $?::date`, f.releasedBefore);
  if (f.endOfLife === true) w.add(`g."eolDate" < current_date`);
  if (f.endOfLife === false) w.add(`(g."eolDate" IS NULL OR g."eolDate" >= current_date)`);
  if (f.drivesDevice != null) {
    // Guests whose nearest answer about the device is "supported", inheritance resolved.
    w.add(
      `g.id IN (WITH RECURSIVE ${ANCESTORS_CTE.replace('$1::text[]', 'ARRAY(SELECT id FROM "GuestOS")')}
        SELECT root FROM (SELECT DISTINCT ON (a.root) a.root, d.supported FROM anc a
          JOIN "GuestOSDevice" d ON d."guestId" = a.node AND d."deviceId" = $?
          ORDER BY a.root, a.depth, a.rank) x WHERE x.supported)`,
      f.drivesDevice,
    );
  }
}

/**
 * The guest list's device counts, joined to the page in its statement: a page of guests with their
 * `deviceCount` is one statement, not two (the page, then the counts of its guests).
 */
const PAGE_DEVICE_COUNTS = {
  ctes: `counts AS (${effectiveDeviceCountsSql('ARRAY(SELECT id FROM page)')})`,
  select: `counts."deviceCounts"`,
  join: `LEFT JOIN counts ON counts."guestId" = page.id`,
};

/**
 * GuestOS fields answered from a guest's id, name and short ids alone (the others in this list load
 * by id). A page whose guests are asked for nothing else reads only those columns (and the sort
 * keys), a tenth of a full row, and primes no loader with such partial rows. test/api-read.test.ts
 * compares those answers with the full rows' answers: a resolver here that comes to read another
 * column fails it. A field not listed (a new one included) reads full rows.
 */
const NARROW_FIELDS = new Set([
  '__typename',
  'id',
  'name',
  'shortId',
  'shortIds',
  'deviceCount',
  'devices',
  'paravirt',
  'compatibilityRecords',
  'resources',
  'firmware',
  'derivedBy',
  'ancestors',
  'media',
]);
const NARROW_COLS = `g.id, g.name, g."shortIds", ${date('g."releaseDate"')} AS "releaseDate"`;

export async function listGuests(
  ctx: GraphQLContext,
  args: PageArgs & { filter?: GuestFilter | null; orderBy?: { field: string; direction: 'ASC' | 'DESC' } | null },
  info?: GraphQLResolveInfo,
) {
  const w = new Where();
  applyFilter(w, args.filter);
  const field = args.orderBy?.field ?? 'ID';
  const keyset = must(SORTS[field], `a sort for ${field} (the SDL's enum lists only these)`)(args.orderBy?.direction ?? 'ASC');
  const asked = info ? subfieldNames(info, [...fieldsAt(info, ['edges', 'node']), ...fieldsAt(info, ['nodes'])]) : undefined;
  const narrow = asked !== undefined && [...asked].every((f) => NARROW_FIELDS.has(f));
  const counts = asked?.has('deviceCount')
    ? {
        ...PAGE_DEVICE_COUNTS,
        take: (row: Record<string, unknown>) => {
          const g = row as unknown as GuestRow;
          ctx.loaders.effectiveDeviceCount.prime(g.id, deviceCountMap(row.deviceCounts as Record<string, number> | null));
          // The columns the join added, last first (V8 undoes the newest property cheaply).
          delete row.deviceCounts;
          delete row.pageOrd;
          return g;
        },
      }
    : undefined;
  return keysetPage<GuestRow>(
    ctx.db.sql,
    {
      select: narrow ? NARROW_COLS : GUEST_COLS(),
      from: '"GuestOS" g',
      idExpr: 'g.id',
      where: w,
      keyset,
      args,
      join: counts,
      // Unfiltered pages differ only in sort, size and columns: prepared. A filter varies the text.
      prepare: w.conds.length === 0,
    },
    // Partial rows (narrow) are the page's alone; full rows serve the guest loader too.
    narrow ? undefined : (r) => ctx.loaders.guest.prime(r.id, r),
  );
}

const inheritedFrom = (row: { guestId: string; fromGuestId: string }, ctx: GraphQLContext, info: GraphQLResolveInfo) =>
  row.fromGuestId === row.guestId ? null : refById(row.fromGuestId, info, (id) => ctx.loaders.guest.load(id));

export const guestOSResolvers = {
  Query: {
    guestOS: (_: unknown, args: { id?: string | null; shortId?: string | null }, ctx: GraphQLContext) => findGuest(ctx, args),
    guestOSes: (_: unknown, args: Parameters<typeof listGuests>[1], ctx: GraphQLContext, info: GraphQLResolveInfo) =>
      listGuests(ctx, args, info),
  },
  GuestOS: {
    shortId: (g: GuestRow) => g.shortIds[0] ?? null,
    derivesFrom: (g: GuestRow, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) =>
      refById(g.derivesFromId, info, (id) => ctx.loaders.guest.load(id)),
    clonedFrom: (g: GuestRow, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) =>
      refById(g.clonedFromId, info, (id) => ctx.loaders.guest.load(id)),
    upgrades: (g: GuestRow, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) =>
      refById(g.upgradesId, info, (id) => ctx.loaders.guest.load(id)),
    derivedBy: async (g: GuestRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.guest.loadMany(await ctx.loaders.derivedBy.load(g.id)),
    ancestors: async (g: GuestRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.guest.loadMany(await ctx.loaders.ancestors.load(g.id)),
    media: async (g: GuestRow, _: unknown, ctx: GraphQLContext) => {
      const [row] = await ctx.db.sql.query<{ media: unknown }>(`SELECT media FROM "GuestOS" WHERE id = $1`, [g.id]);
      return row?.media ?? null;
    },
    resources: async (g: GuestRow, args: { effective: boolean; arch?: string | null; kind?: string | null }, ctx: GraphQLContext) => {
      const rows = await (args.effective ? ctx.loaders.effectiveResources : ctx.loaders.ownResources).load(g.id);
      return rows.filter((r) => (args.arch == null || r.arch === args.arch) && (args.kind == null || r.kind === args.kind));
    },
    firmware: async (g: GuestRow, args: { effective: boolean; arch?: string | null }, ctx: GraphQLContext) => {
      const rows = await (args.effective ? ctx.loaders.effectiveFirmware : ctx.loaders.ownFirmware).load(g.id);
      return rows.filter((r) => args.arch == null || r.arch === args.arch);
    },
    devices: async (
      g: GuestRow,
      args: {
        effective: boolean;
        includeRemoved: boolean;
        class?: string | null;
        kind?: string | null;
        bus?: string | null;
        paravirtInterface?: string | null;
      },
      ctx: GraphQLContext,
      info: GraphQLResolveInfo,
    ) => {
      const loader = !args.effective
        ? ctx.loaders.ownDevices
        : args.includeRemoved
          ? ctx.loaders.effectiveDevicesWithRemoved
          : [...subfieldNames(info, fieldsAt(info, ['device']))].every((f) => NARROW_DEVICE_FIELDS.has(f))
            ? ctx.loaders.effectiveDevicesNarrow
            : ctx.loaders.effectiveDevices;
      const rows = await loader.load(g.id);
      return rows.filter(
        (r) =>
          (args.effective || args.includeRemoved || r.supported) &&
          (args.class == null || r.device.class === args.class) &&
          (args.kind == null || r.device.kind === args.kind) &&
          (args.bus == null || r.device.bus === args.bus) &&
          (args.paravirtInterface == null || r.device.paravirtInterface === args.paravirtInterface),
      );
    },
    deviceCount: async (g: GuestRow, args: { effective: boolean; class?: string | null }, ctx: GraphQLContext) => {
      if (!args.effective) {
        const rows = (await ctx.loaders.ownDevices.load(g.id)).filter((r) => r.supported);
        return rows.filter((r) => args.class == null || r.device.class === args.class).length;
      }
      const counts = await ctx.loaders.effectiveDeviceCount.load(g.id);
      if (args.class != null) return counts.get(args.class) ?? 0;
      let n = 0;
      for (const v of counts.values()) n += v;
      return n;
    },
    paravirt: async (
      g: GuestRow,
      args: { effective: boolean; family?: string | null; kind?: string | null; basis?: string | null },
      ctx: GraphQLContext,
    ) => {
      const all = await (args.effective ? ctx.loaders.effectiveParavirt : ctx.loaders.ownParavirt).load(g.id);
      const rows = args.basis == null ? all : all.filter((r) => r.basis === args.basis);
      if (args.family == null && args.kind == null) return rows;
      const feats = await ctx.loaders.paravirt.loadMany(rows.map((r) => r.featureId));
      return rows.filter((_, i) => {
        const f = feats[i] as { family: string; kind: string } | null;
        return f && (args.family == null || f.family === args.family) && (args.kind == null || f.kind === args.kind);
      });
    },
    paravirtAnswers: async (g: GuestRow, args: { hypervisor?: string | null }, ctx: GraphQLContext) => {
      const [rows, sets] = await Promise.all([ctx.loaders.effectiveParavirt.load(g.id), ctx.loaders.answerFeatures.load('all')]);
      const ids = [...new Set([...rows.map((r) => r.featureId), ...sets.flatMap((s) => s.featureIds)])];
      const feats = await ctx.loaders.paravirt.loadMany(ids);
      const keyOf = new Map(ids.map((id, i) => [id, (feats[i] as { key: string } | null)?.key ?? id]));
      const answers = sets
        .filter((s) => args.hypervisor == null || s.hypervisorKey === args.hypervisor)
        .map((s) => paravirtAnswer(g, s, rows, keyOf));
      if (!answers.some((a) => a.status === 'UNKNOWN')) return answers;
      // An UNKNOWN answer names the input that is missing (a kernel, a release rule, a family rule).
      const data = await ctx.loaders.paravirtRuleSet.load('curated');
      return answers.map((a) => (a.status === 'UNKNOWN' ? { ...a, reason: `${a.reason}: ${unknownBecause(g, a, data, keyOf)}` } : a));
    },
    compatibilityRecords: async (g: GuestRow, args: { hypervisor?: string | null }, ctx: GraphQLContext) => {
      const rows = await ctx.loaders.guestRecords.load(g.id);
      if (args.hypervisor == null) return rows;
      const hv = await ctx.loaders.hypervisorByKey.load(args.hypervisor);
      if (!hv) return [];
      const rels = await ctx.loaders.release.loadMany(rows.map((r) => r.hypervisorReleaseId));
      return rows.filter((_, i) => (rels[i] as { hypervisorId: string } | null)?.hypervisorId === hv.id);
    },
    provenance: (g: GuestRow) => ({ source: g.source, sourceVersion: g.sourceVersion, sourceRef: g.sourceRef }),
  },
  GuestResources: {
    inheritedFrom: (r: ResourceRow, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) => inheritedFrom(r, ctx, info),
  },
  GuestFirmware: {
    inheritedFrom: (r: FirmwareRow, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) => inheritedFrom(r, ctx, info),
  },
  GuestDeviceSupport: {
    inherited: (r: EffectiveDevice) => r.fromGuestId !== r.guestId,
    inheritedFrom: (r: EffectiveDevice, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) => inheritedFrom(r, ctx, info),
  },
  ParavirtAnswer: {
    hypervisor: (a: { hypervisorId: string }, _: unknown, ctx: GraphQLContext) => ctx.loaders.hypervisor.load(a.hypervisorId),
  },
  GuestParavirtSupport: {
    feature: (r: EffectiveParavirt, _: unknown, ctx: GraphQLContext) => ctx.loaders.paravirt.load(r.featureId),
    inherited: (r: EffectiveParavirt) => r.fromGuestId !== r.guestId,
    inheritedFrom: (r: EffectiveParavirt, _: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) => inheritedFrom(r, ctx, info),
  },
} satisfies Resolvers<GraphQLContext>;

/** Full virtualization backends: running under them is not a paravirtual path. */
const FULL_VIRTUALIZATION = new Set(['kvm', 'xen-hvm']);
const BASIS_RANK = { RECORD: 0, CURATED: 1, DERIVED: 2 } as const;

/** A guest's paravirt answer on one hypervisor, from its effective rows (see ParavirtAnswer in the SDL). */
function unknownBecause(g: GuestRow, a: object, data: ParavirtRuleSetData | null, keyOf: Map<string, string>): string {
  const undecided = 'undecided' in a && Array.isArray(a.undecided) ? (a.undecided as string[]) : [];
  return missingInput(g, data, undecided.map((id) => keyOf.get(id) ?? id).sort());
}

function paravirtAnswer(g: GuestRow, s: AnswerFeatures, rows: EffectiveParavirt[], keyOf: Map<string, string>) {
  const ids = new Set(s.featureIds);
  const mine = rows.filter((r) => ids.has(r.featureId));
  const strongest = (rs: EffectiveParavirt[]) => [...rs].sort((a, b) => BASIS_RANK[a.basis] - BASIS_RANK[b.basis])[0]?.basis ?? null;
  const name = (rs: EffectiveParavirt[]) =>
    rs
      .map((r) => `${keyOf.get(r.featureId)} (${r.basis.toLowerCase()})`)
      .sort()
      .join(', ');
  const missing = s.requiredIds.filter((id) => !mine.some((r) => r.featureId === id && r.supported));
  const requiredNo = mine.filter((r) => s.requiredIds.includes(r.featureId) && !r.supported);
  const uses = mine.filter((r) => r.supported && !FULL_VIRTUALIZATION.has(keyOf.get(r.featureId) ?? ''));
  const base = { hypervisorId: s.hypervisorId, features: mine };
  if (requiredNo.length)
    return {
      ...base,
      status: 'NONE',
      basis: strongest(requiredNo),
      reason: `${g.name} lacks what ${s.hypervisorKey} requires: ${name(requiredNo)}`,
    };
  if (uses.length && !missing.length)
    return { ...base, status: 'PARAVIRTUAL', basis: strongest(uses), reason: `${g.name} uses ${name(uses)} on ${s.hypervisorKey}` };
  const no = mine.filter((r) => !r.supported);
  if (no.length && !uses.length)
    return {
      ...base,
      status: 'NONE',
      basis: strongest(no),
      reason: `${g.name} uses none of ${s.hypervisorKey}'s paravirt features: ${name(no)}`,
    };
  const answered = new Set(mine.map((r) => r.featureId));
  return {
    ...base,
    status: 'UNKNOWN',
    basis: null,
    undecided: missing.length ? missing : s.featureIds.filter((id) => !answered.has(id)),
    reason: missing.length
      ? `nothing says whether ${g.name} has ${missing.map((id) => keyOf.get(id) ?? id).join(', ')}, which ${s.hypervisorKey} requires`
      : `nothing is known about ${g.name}'s paravirt support on ${s.hypervisorKey}`,
  };
}
