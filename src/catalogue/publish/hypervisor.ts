// Hypervisors, published by hypervisor vendors.
// The steps every publish shares (ownership, merge, audit, change feed) are in engine.ts.
import type { WriteEnv } from '../authorize.ts';
import { Problems, RULES, text, url } from '../validate.ts';
import { publish, merge, type Owned, type PublishOutcome } from './engine.ts';

export interface HypervisorInput {
  key: string;
  name: string;
  family: string;
  vendor?: string | null;
  homepage?: string | null;
}

export interface HypervisorSnapshot extends Owned {
  key: string;
  name: string;
  family: string;
  vendor: string | null;
  homepage: string | null;
}

export async function publishHypervisor(env: WriteEnv, input: HypervisorInput): Promise<PublishOutcome<HypervisorSnapshot>> {
  const pre = new Problems([], ['input']);
  const key = text(pre, ['key'], input.key, RULES.slug, true);
  return publish<HypervisorSnapshot>(
    env,
    {
      action: 'publishHypervisor',
      entityType: 'Hypervisor',
      kinds: ['HYPERVISOR'],
      async load(tx) {
        const [h] = await tx.query<HypervisorSnapshot>(
          `SELECT id, key, name, family::text AS family, vendor, homepage, "ownerVendorId" FROM "Hypervisor" WHERE key = $1 FOR UPDATE`,
          [key],
        );
        return h ?? null;
      },
      async build(_tx, stored, p) {
        const name = text(p, ['name'], input.name, RULES.name, true);
        const vendor = text(p, ['vendor'], input.vendor, RULES.short);
        const homepage = url(p, ['homepage'], input.homepage);
        return {
          id: stored?.id ?? `http://virtcompat.org/hypervisor/${key}`,
          key: key!,
          name: name!,
          family: input.family,
          vendor: merge(input, 'vendor', vendor, stored?.vendor),
          homepage: merge(input, 'homepage', homepage, stored?.homepage),
          ownerVendorId: stored?.ownerVendorId ?? null,
        };
      },
      table: 'Hypervisor',
      row: (h, vendorId) => ({ ...h, ownerVendorId: vendorId }),
      casts: { family: '"HypervisorFamily"' },
      keep: ['key', 'ownerVendorId'],
    },
    pre,
  );
}
