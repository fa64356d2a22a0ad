// Devices, published by hardware and hypervisor vendors.
// The steps every publish shares (ownership, merge, audit, change feed) are in engine.ts.
import type { WriteEnv } from '../authorize.ts';
import { Problems, RULES, text, url } from '../validate.ts';
import { publish, merge, type Owned, type PublishOutcome } from './engine.ts';

export interface DeviceInput {
  id: string;
  name: string;
  vendorName?: string | null;
  bus: string;
  vendorId?: string | null;
  productId?: string | null;
  subsystemVendorId?: string | null;
  subsystemId?: string | null;
  class: string;
  rawClass?: string | null;
  kind: string;
  paravirtInterface?: string | null;
  description?: string | null;
  sourceRef?: string | null;
}

export interface DeviceSnapshot extends Owned {
  name: string;
  vendorName: string | null;
  bus: string;
  vendorId: string | null;
  productId: string | null;
  subsystemVendorId: string | null;
  subsystemId: string | null;
  class: string;
  rawClass: string | null;
  kind: string;
  paravirtInterface: string;
  description: string | null;
  sourceRef: string | null;
  source: string;
}

export async function publishDevice(env: WriteEnv, input: DeviceInput): Promise<PublishOutcome<DeviceSnapshot>> {
  const pre = new Problems([], ['input']);
  const id = text(pre, ['id'], input.id, RULES.uri, true);
  return publish<DeviceSnapshot>(
    env,
    {
      action: 'publishDevice',
      entityType: 'Device',
      kinds: ['HARDWARE', 'HYPERVISOR'],
      async load(tx) {
        const [d] = await tx.query<DeviceSnapshot>(
          `SELECT id, name, "vendorName", bus, "vendorId", "productId", "subsystemVendorId", "subsystemId", class::text AS class, "rawClass",
                  kind::text AS kind, "paravirtInterface"::text AS "paravirtInterface", description, "sourceRef", "ownerVendorId", source
             FROM "Device" WHERE id = $1 FOR UPDATE`,
          [id],
        );
        return d ?? null;
      },
      async build(_tx, stored, p) {
        const name = text(p, ['name'], input.name, RULES.name, true);
        const bus = text(p, ['bus'], input.bus, RULES.bus, true);
        const vendorName = text(p, ['vendorName'], input.vendorName, RULES.short);
        const hex = (f: 'vendorId' | 'productId' | 'subsystemVendorId' | 'subsystemId') => text(p, [f], input[f], RULES.hex4);
        const [vendorId, productId, subsystemVendorId, subsystemId] = (
          ['vendorId', 'productId', 'subsystemVendorId', 'subsystemId'] as const
        ).map(hex);
        const rawClass = text(p, ['rawClass'], input.rawClass, RULES.key);
        const description = text(p, ['description'], input.description, RULES.notes);
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        const merged: DeviceSnapshot = {
          id: id!,
          name: name!,
          vendorName: merge(input, 'vendorName', vendorName, stored?.vendorName),
          bus: bus!,
          vendorId: merge(input, 'vendorId', vendorId, stored?.vendorId),
          productId: merge(input, 'productId', productId, stored?.productId),
          subsystemVendorId: merge(input, 'subsystemVendorId', subsystemVendorId, stored?.subsystemVendorId),
          subsystemId: merge(input, 'subsystemId', subsystemId, stored?.subsystemId),
          class: input.class,
          rawClass: merge(input, 'rawClass', rawClass, stored?.rawClass),
          kind: input.kind,
          paravirtInterface:
            merge(input, 'paravirtInterface', input.paravirtInterface ?? undefined, stored?.paravirtInterface, 'NONE') ?? 'NONE',
          description: merge(input, 'description', description, stored?.description),
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
        if ((bus === 'pci' || bus === 'usb') && (!merged.vendorId || !merged.productId)) {
          p.add([merged.vendorId ? 'productId' : 'vendorId'], 'REQUIRED', `${bus} devices need vendorId and productId`);
        }
        return merged;
      },
      table: 'Device',
      row: (d, vendorId) => ({ ...d, source: `vendor:${vendorId}`, ownerVendorId: vendorId }),
      casts: { class: '"DeviceClass"', kind: '"DeviceKind"', paravirtInterface: '"ParavirtInterface"' },
      keep: ['ownerVendorId'],
    },
    pre,
  );
}
