// Corrections (issue 12, item 2): the query, and the `corrections` field of the entities they name.
// Thin: the read is src/catalogue/corrections.ts, batched per request by the correctionsOf loader.
import type { GraphQLContext } from '../context.ts';
import type { Resolvers } from '../resolvers.generated.ts';
import { readCorrections, type CorrectionEntityType, type CorrectionStatus, type CorrectionView } from '../../catalogue/corrections.ts';
import { badInput } from '../../errors.ts';
import { correctionKey } from './loaders.ts';

const KIND_TO_TYPE: Record<string, CorrectionEntityType> = {
  GUEST_OS: 'GuestOS',
  DEVICE: 'Device',
  HYPERVISOR_RELEASE: 'HypervisorRelease',
};
const TYPE_TO_KIND: Record<CorrectionEntityType, string> = {
  GuestOS: 'GUEST_OS',
  Device: 'DEVICE',
  HypervisorRelease: 'HYPERVISOR_RELEASE',
};
const MAX = 1000;

interface CorrectionFilter {
  entityKind?: string | null;
  entityId?: string | null;
  source?: string | null;
  field?: string | null;
  status?: CorrectionStatus[] | null;
}

const withStatus = (rows: CorrectionView[], status: readonly CorrectionStatus[] | null | undefined) =>
  status == null ? rows : rows.filter((r) => status.includes(r.status));

const ofEntity =
  (entityType: CorrectionEntityType) => async (e: { id: string }, args: { status?: CorrectionStatus[] | null }, ctx: GraphQLContext) =>
    withStatus(await ctx.loaders.correctionsOf.load(correctionKey(entityType, e.id)), args.status);

export const correctionResolvers = {
  Query: {
    corrections: async (_: unknown, args: { filter?: CorrectionFilter | null; first?: number | null }, ctx: GraphQLContext) => {
      const first = args.first ?? MAX;
      if (!Number.isInteger(first) || first < 0 || first > MAX) throw badInput(`first must be between 0 and ${MAX}, got ${first}`, 'first');
      const f = args.filter;
      const rows = await readCorrections(ctx.db.sql, {
        entityType: f?.entityKind != null ? KIND_TO_TYPE[f.entityKind] : null,
        entityIds: f?.entityId != null ? [f.entityId] : null,
        source: f?.source,
        field: f?.field,
      });
      return withStatus(rows, f?.status).slice(0, first);
    },
  },
  CatalogueCorrection: {
    entityKind: (c: CorrectionView) => TYPE_TO_KIND[c.entityType],
    replaced: (c: CorrectionView) => ({ value: c.replaces, source: c.replacesSource }),
  },
  GuestOS: { corrections: ofEntity('GuestOS') },
  Device: { corrections: ofEntity('Device') },
  HypervisorRelease: { corrections: ofEntity('HypervisorRelease') },
} satisfies Resolvers<GraphQLContext>;
