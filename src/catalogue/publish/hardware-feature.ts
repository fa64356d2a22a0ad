// Hardware features (CPU flags, IOMMU ...), published by hardware vendors.
// The steps every publish shares (ownership, merge, audit, change feed) are in engine.ts.
import type { WriteEnv } from '../authorize.ts';
import { Problems, RULES, text, url } from '../validate.ts';
import { publish, merge, strings, type Owned, type PublishOutcome } from './engine.ts';

export interface HardwareFeatureInput {
  key: string;
  id?: string | null;
  name: string;
  vendor?: string | null;
  architectures?: string[] | null;
  category: string;
  detectionMethod: string;
  detectionValue: string;
  description?: string | null;
  requires?: string[] | null;
  sourceRef?: string | null;
}

export interface HardwareFeatureSnapshot extends Owned {
  key: string;
  name: string;
  vendor: string | null;
  architectures: string[];
  category: string;
  detectionMethod: string;
  detectionValue: string;
  description: string | null;
  requires: string[];
  sourceRef: string | null;
  source: string;
}

export async function publishHardwareFeature(env: WriteEnv, input: HardwareFeatureInput): Promise<PublishOutcome<HardwareFeatureSnapshot>> {
  const pre = new Problems([], ['input']);
  const key = text(pre, ['key'], input.key, RULES.key, true);
  const givenId = text(pre, ['id'], input.id, RULES.uri);
  return publish<HardwareFeatureSnapshot>(
    env,
    {
      action: 'publishHardwareFeature',
      entityType: 'HardwareFeature',
      kinds: ['HARDWARE'],
      async load(tx) {
        const [f] = await tx.query<HardwareFeatureSnapshot>(
          `SELECT id, key, name, vendor, coalesce(architectures, '{}') AS architectures, category::text AS category,
                  "detectionMethod"::text AS "detectionMethod", "detectionValue", description, coalesce(requires, '{}') AS requires,
                  "sourceRef", "ownerVendorId", source
             FROM "HardwareFeature" WHERE key = $1 FOR UPDATE`,
          [key],
        );
        return f ?? null;
      },
      async build(tx, stored, p) {
        if (stored && givenId && givenId !== stored.id) p.add(['id'], 'TAKEN', `feature ${key} already has the id ${stored.id}`);
        const name = text(p, ['name'], input.name, RULES.name, true);
        const vendor = text(p, ['vendor'], input.vendor, RULES.short);
        const architectures = strings(p, 'architectures', input.architectures, RULES.arch, 16, 'architecture');
        const detectionValue = text(p, ['detectionValue'], input.detectionValue, { max: 300 }, true);
        const description = text(p, ['description'], input.description, RULES.notes);
        const requires = strings(p, 'requires', input.requires, RULES.key, 20, 'feature');
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        if (requires?.length) {
          const found = await tx.query<{ key: string }>(`SELECT key FROM "HardwareFeature" WHERE key = ANY($1::text[])`, [requires]);
          const known = new Set(found.map((f) => f.key));
          requires.forEach((r, i) => {
            if (r === key) p.add(['requires', i], 'CYCLE', 'a feature cannot require itself');
            else if (!known.has(r)) p.add(['requires', i], 'UNKNOWN_REFERENCE', `no hardware feature with key ${JSON.stringify(r)}`);
          });
        }
        return {
          id: stored?.id ?? givenId ?? `http://virtcompat.org/hw/${key}`,
          key: key!,
          name: name!,
          vendor: merge(input, 'vendor', vendor, stored?.vendor),
          architectures: merge(input, 'architectures', architectures, stored?.architectures) ?? [],
          category: input.category,
          detectionMethod: input.detectionMethod,
          detectionValue: detectionValue!,
          description: merge(input, 'description', description, stored?.description),
          requires: merge(input, 'requires', requires, stored?.requires) ?? [],
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
      },
      table: 'HardwareFeature',
      row: (f, vendorId) => ({ ...f, source: `vendor:${vendorId}`, ownerVendorId: vendorId }),
      casts: { architectures: 'text[]', category: '"HardwareCategory"', detectionMethod: '"DetectionMethod"', requires: 'text[]' },
      keep: ['key', 'ownerVendorId'],
    },
    pre,
  );
}
