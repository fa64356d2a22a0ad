import type { GraphQLContext } from '../context.ts';
import { DEVICE_COLS, type DeviceRow } from '../../catalogue/rows.ts';
import { keysetPage, Where, type Keyset, type PageArgs } from '../common/pagination.ts';
import { badInput } from '../../errors.ts';
import type { ReleaseDeviceRow } from '../../catalogue/rows.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import { must } from '../../util/must.ts';

interface DeviceFilter {
  class?: string | null;
  kind?: string | null;
  bus?: string | null;
  paravirtInterface?: string | null;
  vendorId?: string | null;
  productId?: string | null;
  search?: string | null;
  source?: string | null;
}

const SORTS: Record<string, (dir: 'ASC' | 'DESC') => Keyset> = {
  ID: (direction) => ({ expr: 'd.id', value: (r) => String(r.id), direction }),
  NAME: (direction) => ({ expr: 'd.name', value: (r) => String(r.name), direction }),
  BUS_ID: (direction) => ({
    expr: `(d.bus || ':' || coalesce(d."vendorId", '') || ':' || coalesce(d."productId", ''))`,
    value: (r) => `${r.bus}:${r.vendorId ?? ''}:${r.productId ?? ''}`,
    direction,
  }),
};

const HEX = /^[0-9a-fA-F]{4}$/;

export const deviceResolvers = {
  Query: {
    device: (_: unknown, args: { id: string }, ctx: GraphQLContext) => ctx.loaders.device.load(args.id),
    devicesByBusId: async (_: unknown, args: { bus: string; vendorId: string; productId?: string | null }, ctx: GraphQLContext) => {
      if (!HEX.test(args.vendorId)) throw badInput(`vendorId must be 4 hex digits, got ${JSON.stringify(args.vendorId)}`, 'vendorId');
      if (args.productId != null && !HEX.test(args.productId)) {
        throw badInput(`productId must be 4 hex digits, got ${JSON.stringify(args.productId)}`, 'productId');
      }
      const params: unknown[] = [args.bus, args.vendorId.toLowerCase()];
      let cond = `d.bus = $1 AND d."vendorId" = $2`;
      if (args.productId != null) {
        params.push(args.productId.toLowerCase());
        cond += ` AND d."productId" = $3`;
      }
      return ctx.db.sql.query<DeviceRow>(
        `SELECT ${DEVICE_COLS()} FROM "Device" d WHERE ${cond} ORDER BY d."productId", d."subsystemVendorId" NULLS FIRST, d.id LIMIT 500`,
        params,
      );
    },
    devices: async (
      _: unknown,
      args: PageArgs & { filter?: DeviceFilter | null; orderBy?: { field: string; direction: 'ASC' | 'DESC' } | null },
      ctx: GraphQLContext,
    ) => {
      const w = new Where();
      const f = args.filter;
      if (f?.class != null) w.add('d.class::text = $?', f.class);
      if (f?.kind != null) w.add('d.kind::text = $?', f.kind);
      if (f?.bus != null) w.add('d.bus = $?', f.bus);
      if (f?.paravirtInterface != null) w.add(`d."paravirtInterface"::text = $?`, f.paravirtInterface);
      if (f?.vendorId != null) w.add(`d."vendorId" = $?`, f.vendorId.toLowerCase());
      if (f?.productId != null) w.add(`d."productId" = $?`, f.productId.toLowerCase());
      if (f?.source != null) w.add('d.source = $?', f.source);
      if (f?.search != null) {
        if (f.search.length > 200) throw badInput('search is limited to 200 characters', 'filter.search');
        w.add('d.name ILIKE $?', `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
      const field = args.orderBy?.field ?? 'ID';
      const keyset = must(SORTS[field], `a sort for ${field} (the SDL's enum lists only these)`)(args.orderBy?.direction ?? 'ASC');
      return keysetPage<DeviceRow>(ctx.db.sql, { select: DEVICE_COLS(), from: '"Device" d', idExpr: 'd.id', where: w, keyset, args }, (r) =>
        ctx.loaders.device.prime(r.id, r),
      );
    },
  },
  Device: {
    busId: (d: DeviceRow) => (d.vendorId && d.productId ? `${d.vendorId}:${d.productId}` : null),
    equivalents: async (d: DeviceRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.equivalents.load(d.id),
    presentedBy: (d: DeviceRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.presentedBy.load(d.id),
    provenance: (d: DeviceRow) => ({ source: d.source, sourceVersion: d.sourceVersion, sourceRef: d.sourceRef }),
  },
  DeviceEquivalent: {
    device: (e: { deviceId: string }, _: unknown, ctx: GraphQLContext) => ctx.loaders.device.load(e.deviceId),
  },
  HypervisorDevice: {
    release: (r: ReleaseDeviceRow, _: unknown, ctx: GraphQLContext) => ctx.loaders.release.load(r.releaseId),
    device: (r: ReleaseDeviceRow, _: unknown, ctx: GraphQLContext) => r.device ?? ctx.loaders.device.load(r.deviceId),
  },
} satisfies Resolvers<GraphQLContext>;
