// Thin resolvers for vendor writes, review, audit log, change feed and the change subscription:
// they translate arguments, call the catalogue domain (src/catalogue), then announce committed
// changes (subscriptions on every instance, response caches cleared).
import { filter, pipe } from 'graphql-yoga';
import type { CataloguePubSub, GraphQLContext } from '../context.ts';
import { appError, badInput, ErrorCode, notFound } from '../../errors.ts';
import { canSee } from '../compatibility/resolvers.ts';
import { guestByIdOrShortId } from '../guest-os/resolvers.ts';
import { releaseByRef } from '../hypervisor/resolvers.ts';
import { decodeSeqCursor } from '../common/pagination.ts';
import {
  assignOwner,
  createApiKey,
  createVendor,
  listApiKeys,
  listVendors,
  OWNED_TABLES,
  revokeApiKey,
  type ApiKeyRow,
  type VendorInput,
} from '../../catalogue/accounts.ts';
import type { WriteEnv } from '../../catalogue/authorize.ts';
import { affected } from '../../catalogue/changes.ts';
import { CATALOGUE_TOPIC, type CatalogueEvent } from '../../catalogue/events.ts';
import { reviewRecord, submitRecords, type RecordInput } from '../../catalogue/records.ts';
import { publishDevice, type DeviceInput } from '../../catalogue/publish/device.ts';
import { publishGuestOS, type GuestOSInput } from '../../catalogue/publish/guest-os.ts';
import { publishHardwareFeature, type HardwareFeatureInput } from '../../catalogue/publish/hardware-feature.ts';
import { publishHypervisor, type HypervisorInput } from '../../catalogue/publish/hypervisor.ts';
import { publishHypervisorRelease, type HypervisorReleaseInput } from '../../catalogue/publish/hypervisor-release.ts';
import { ts } from '../../catalogue/rows.ts';
import { Problems, RULES, text } from '../../catalogue/validate.ts';
import type { Resolvers } from '../resolvers.generated.ts';

/** What this module needs beyond the shared services; app.ts puts it into the context. */
export interface VendorServices {
  events: { pubsub: CataloguePubSub };
}

type Ctx = GraphQLContext & VendorServices;

const env = (ctx: Ctx): WriteEnv => ({ db: ctx.db, actor: ctx.actor, limits: ctx.config.limits });

/** After a commit: tell subscribers (all instances) and drop cached responses. */
function announce(ctx: Ctx, events: CatalogueEvent[]) {
  for (const e of events) ctx.events.pubsub.publish(CATALOGUE_TOPIC, e);
  ctx.onCatalogueChange();
}

interface ChangeRow {
  seq: string;
  at: string;
  entityType: string;
  entityId: string;
  op: string;
  data?: unknown;
  guestIds?: string[];
  hypervisorReleaseIds?: string[];
}

function requireRole(ctx: Ctx, roles: Array<'SUBMITTER' | 'MAINTAINER' | 'ADMIN'>, what: string) {
  if (ctx.actor.role === 'ANONYMOUS') throw appError(ErrorCode.UNAUTHENTICATED, `${what} needs an API key (Authorization: Bearer vc_...)`);
  if (!roles.includes(ctx.actor.role))
    throw appError(ErrorCode.FORBIDDEN, `${what} is for ${roles.map((r) => r.toLowerCase()).join(' and ')} keys`);
}

const cursorSeq = decodeSeqCursor;
function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > max) throw badInput(`first must be between 0 and ${max}, got ${n}`, 'first');
  return n;
}

function checkArg(field: string, v: string | null | undefined, rule = RULES.ref): string | undefined {
  const p = new Problems();
  const out = text(p, [field], v, rule);
  if (p.count) throw badInput(`${field}: ${p.list[0]?.message}`, field);
  return out;
}

interface AuditFilter {
  actorVendor?: string | null;
  actorKeyId?: string | null;
  action?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  outcome?: string | null;
  since?: string | null;
  until?: string | null;
}

const AUDIT_COLS = `a.id::text AS id, ${ts('a.at')} AS at, a."actorRole", a."actorKeyId", a."actorVendor", a.action, a."entityType",
  a."entityId", a.outcome, a.before, a.after, a.detail`;

export const vendorResolvers = {
  Query: {
    viewer: (_: unknown, __: unknown, ctx: Ctx) => ({ role: ctx.actor.role, keyId: ctx.actor.keyId, vendorId: ctx.actor.vendorId }),
    submissionLimits: (_: unknown, __: unknown, ctx: Ctx) => ({
      maxRecordsPerRequest: ctx.config.limits.maxRecordsPerRequest,
      maxBodyBytes: ctx.config.limits.maxBodyBytes,
      ratePerMinute: ctx.config.limits.ratePerMinute,
      rateBurst: ctx.config.limits.rateBurst,
    }),
    vendors: (_: unknown, __: unknown, ctx: Ctx) => listVendors(ctx.db.sql),
    apiKeys: (_: unknown, args: { vendor?: string | null; includeRevoked?: boolean | null }, ctx: Ctx) => {
      requireRole(ctx, ['ADMIN'], 'apiKeys');
      return listApiKeys(ctx.db.sql, { vendorId: checkArg('vendor', args.vendor, RULES.slug), includeRevoked: args.includeRevoked });
    },
    auditLog: async (_: unknown, args: { first?: number | null; after?: string | null; filter?: AuditFilter | null }, ctx: Ctx) => {
      requireRole(ctx, ['SUBMITTER', 'MAINTAINER', 'ADMIN'], 'auditLog');
      const size = pageSize(args.first, 50, 100);
      const f = args.filter ?? {};
      const conds: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        params.push(v);
        conds.push(sql.replace('$?', `$${params.length}`));
      };
      if (ctx.actor.role === 'SUBMITTER') add(`a."actorVendor" = $?`, ctx.actor.vendorId);
      for (const [field, col] of [
        ['actorVendor', '"actorVendor"'],
        ['actorKeyId', '"actorKeyId"'],
        ['action', 'action'],
        ['entityType', '"entityType"'],
        ['entityId', '"entityId"'],
        ['outcome', 'outcome'],
      ] as const) {
        const v = checkArg(field, f[field]);
        if (v !== undefined) add(`a.${col} = $?`, v);
      }
      if (f.since) add(`a.at >= ($?::timestamptz AT TIME ZONE 'UTC')`, f.since);
      if (f.until) add(`a.at < ($?::timestamptz AT TIME ZONE 'UTC')`, f.until);
      if (args.after) add(`a.id < $?::bigint`, cursorSeq(args.after));
      const rows = await ctx.db.sql.query<{ id: string }>(
        `SELECT ${AUDIT_COLS} FROM "AuditEntry" a ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT ${size + 1}`,
        params,
      );
      const page = rows.slice(0, size);
      return {
        edges: page.map((node) => ({ cursor: node.id, node })),
        nodes: page,
        pageInfo: {
          hasNextPage: rows.length > size,
          hasPreviousPage: !!args.after,
          startCursor: page[0]?.id ?? null,
          endCursor: page.at(-1)?.id ?? null,
        },
      };
    },
    changes: async (_: unknown, args: { first?: number | null; after?: string | null }, ctx: Ctx) => {
      const size = pageSize(args.first, 100, 1000);
      const after = cursorSeq(args.after);
      const rows = await ctx.db.sql.query<ChangeRow>(
        `SELECT seq::text AS seq, ${ts('at')} AS at, "entityType", "entityId", op, data FROM "Change"
          WHERE seq > $1::bigint ORDER BY "Change".seq LIMIT ${size + 1}`,
        [after],
      );
      const page = rows.slice(0, size);
      return {
        edges: page.map((node) => ({ cursor: node.seq, node })),
        nodes: page,
        pageInfo: {
          hasNextPage: rows.length > size,
          hasPreviousPage: after !== '0',
          startCursor: page[0]?.seq ?? null,
          endCursor: page.at(-1)?.seq ?? null,
        },
      };
    },
  },

  Mutation: {
    submitCompatibilityRecords: async (_: unknown, args: { records: RecordInput[]; idempotencyKey: string }, ctx: Ctx) => {
      const res = await submitRecords(env(ctx), args.records, args.idempotencyKey);
      if (res.ok && !res.replayed) announce(ctx, []);
      // graphql-jit does not await promises held in plain fields: resolve them here.
      const recs = await ctx.loaders.record.loadMany(res.records.map((r) => r.id));
      return {
        ...res,
        records: res.records.map((r, i) => ({ index: r.index, duplicate: r.duplicate, record: recs[i] })),
      };
    },
    reviewRecord: async (_: unknown, args: { id: string; decision: 'ACCEPTED' | 'REJECTED'; reason: string }, ctx: Ctx) => {
      const { record, events } = await reviewRecord(env(ctx), args.id, args.decision, args.reason);
      announce(ctx, events);
      ctx.loaders.record.clear(record.id).prime(record.id, record);
      return record;
    },
    publishGuestOS: async (_: unknown, args: { input: GuestOSInput }, ctx: Ctx) => {
      const out = await publishGuestOS(env(ctx), args.input);
      if (out.changed) announce(ctx, out.events);
      return { ...out, guestOS: out.snapshot ? await ctx.loaders.guest.clear(out.snapshot.id).load(out.snapshot.id) : null };
    },
    publishDevice: async (_: unknown, args: { input: DeviceInput }, ctx: Ctx) => {
      const out = await publishDevice(env(ctx), args.input);
      if (out.changed) announce(ctx, out.events);
      return { ...out, device: out.snapshot ? await ctx.loaders.device.clear(out.snapshot.id).load(out.snapshot.id) : null };
    },
    publishHypervisor: async (_: unknown, args: { input: HypervisorInput }, ctx: Ctx) => {
      const out = await publishHypervisor(env(ctx), args.input);
      if (out.changed) announce(ctx, out.events);
      return { ...out, hypervisor: out.snapshot ? await ctx.loaders.hypervisor.clear(out.snapshot.id).load(out.snapshot.id) : null };
    },
    publishHypervisorRelease: async (_: unknown, args: { input: HypervisorReleaseInput }, ctx: Ctx) => {
      const out = await publishHypervisorRelease(env(ctx), args.input);
      if (out.changed) announce(ctx, out.events);
      return { ...out, hypervisorRelease: out.snapshot ? await ctx.loaders.release.clear(out.snapshot.id).load(out.snapshot.id) : null };
    },
    publishHardwareFeature: async (_: unknown, args: { input: HardwareFeatureInput }, ctx: Ctx) => {
      const out = await publishHardwareFeature(env(ctx), args.input);
      if (out.changed) announce(ctx, out.events);
      return { ...out, hardwareFeature: out.snapshot ? await ctx.loaders.hwFeature.clear(out.snapshot.id).load(out.snapshot.id) : null };
    },
    createVendor: async (_: unknown, args: { input: VendorInput }, ctx: Ctx) => {
      const { vendor, events } = await createVendor(env(ctx), args.input);
      announce(ctx, events);
      return vendor;
    },
    updateVendor: async (_: unknown, args: { input: VendorInput }, ctx: Ctx) => {
      const { vendor, events } = await createVendor(env(ctx), args.input, true);
      ctx.loaders.vendor.clear(vendor.id);
      announce(ctx, events);
      return vendor;
    },
    createApiKey: (
      _: unknown,
      args: { vendor?: string | null; role: 'SUBMITTER' | 'MAINTAINER' | 'ADMIN'; label?: string | null; expiresAt?: string | null },
      ctx: Ctx,
    ) => createApiKey(env(ctx), { vendorId: args.vendor, role: args.role, label: args.label, expiresAt: args.expiresAt }),
    revokeApiKey: (_: unknown, args: { id: string }, ctx: Ctx) => revokeApiKey(env(ctx), args.id),
    assignOwner: async (_: unknown, args: { entityType: keyof typeof OWNED_TABLES; id: string; vendor?: string | null }, ctx: Ctx) => {
      const out = await assignOwner(env(ctx), args.entityType, args.id, args.vendor ?? null);
      ctx.onCatalogueChange();
      return out;
    },
  },

  Subscription: {
    compatibilityChanged: {
      subscribe: async (_: unknown, args: { guest?: string | null; hypervisorRelease?: string | null }, ctx: Ctx) => {
        let guestId: string | null = null;
        let releaseId: string | null = null;
        const g = checkArg('guest', args.guest);
        if (g !== undefined) {
          const row = await guestByIdOrShortId(ctx, g);
          if (!row) throw notFound(ErrorCode.GUEST_OS_NOT_FOUND, 'guest OS', g);
          guestId = row.id;
        }
        const r = checkArg('hypervisorRelease', args.hypervisorRelease);
        if (r !== undefined) {
          const row = await releaseByRef(ctx, r);
          if (!row) throw notFound(ErrorCode.HYPERVISOR_RELEASE_NOT_FOUND, 'hypervisor release', r);
          releaseId = row.id;
        }
        return pipe(
          ctx.events.pubsub.subscribe(CATALOGUE_TOPIC),
          filter(
            (e: CatalogueEvent) =>
              (guestId == null || e.guestIds.includes(guestId)) && (releaseId == null || e.hypervisorReleaseIds.includes(releaseId)),
          ),
        );
      },
      resolve: (e: CatalogueEvent, _: unknown, ctx: Ctx) => {
        // The subscription's context lives long; what it loaded for an earlier event may be stale.
        if (e.entityType === 'CompatibilityRecord') ctx.loaders.record.clear(e.entityId);
        return e;
      },
    },
  },

  Vendor: {
    kinds: (v: { id: string; kinds?: string[] }, _: unknown, ctx: Ctx) => v.kinds ?? ctx.loaders.vendorKinds.load(v.id),
    apiKeys: (v: { id: string }, args: { includeRevoked?: boolean | null }, ctx: Ctx) => {
      requireRole(ctx, ['ADMIN'], 'Vendor.apiKeys');
      return listApiKeys(ctx.db.sql, { vendorId: v.id, includeRevoked: args.includeRevoked });
    },
  },
  ApiKey: {
    vendor: (k: ApiKeyRow, _: unknown, ctx: Ctx) => (k.vendorId ? ctx.loaders.vendor.load(k.vendorId) : null),
    active: (k: ApiKeyRow) => !k.revokedAt && (!k.expiresAt || Date.parse(k.expiresAt) > Date.now()),
  },
  CreatedApiKey: {},
  Viewer: {
    vendor: (v: { vendorId: string | null }, _: unknown, ctx: Ctx) => (v.vendorId ? ctx.loaders.vendor.load(v.vendorId) : null),
  },
  OwnerAssignment: {
    vendor: (o: { vendorId: string | null }, _: unknown, ctx: Ctx) => (o.vendorId ? ctx.loaders.vendor.load(o.vendorId) : null),
  },
  Change: {
    cursor: (c: ChangeRow) => c.seq,
    data: (c: ChangeRow, _: unknown, ctx: Ctx) => (c.data !== undefined ? c.data : ctx.loaders.changeData.load(c.seq)),
    record: async (c: ChangeRow, _: unknown, ctx: Ctx) => {
      if (c.entityType !== 'CompatibilityRecord') return null;
      const r = await ctx.loaders.record.load(c.entityId);
      return r && canSee(ctx.actor, r) ? r : null;
    },
    guestIds: (c: ChangeRow) => c.guestIds ?? affected(c.entityType, c.entityId, c.data).guestIds,
    hypervisorReleaseIds: (c: ChangeRow) => c.hypervisorReleaseIds ?? affected(c.entityType, c.entityId, c.data).hypervisorReleaseIds,
  },
  CompatibilityRecord: {
    proposedSupersedes: async (r: { id: string; proposedSupersedesId?: string | null }, _: unknown, ctx: Ctx) => {
      const pid = r.proposedSupersedesId !== undefined ? r.proposedSupersedesId : await ctx.loaders.proposedSupersedesId.load(r.id);
      if (!pid) return null;
      const rec = await ctx.loaders.record.load(pid);
      return rec && canSee(ctx.actor, rec) ? rec : null;
    },
  },
} satisfies Resolvers<Ctx>;
