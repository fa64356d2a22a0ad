// Per-request batching: every lookup by key goes through a DataLoader, so a page of 50 guests with
// their devices costs one statement per kind of thing, not one per guest. Each domain module keeps
// its loaders in its own folder (<module>/loaders.ts); this is the one place they are registered.
// Loaders that prime another module's (a guest's devices fill the device loader) receive it.
import type { Sql } from '../db/sql.ts';
import { compatibilityLoaders } from './compatibility/loaders.ts';
import { deviceLoaders } from './device/loaders.ts';
import { driverLoaders } from './driver/loaders.ts';
import { guestOSLoaders } from './guest-os/loaders.ts';
import { hardwareFeatureLoaders } from './hardware-feature/loaders.ts';
import { hypervisorLoaders } from './hypervisor/loaders.ts';
import { vendorLoaders } from './vendor/loaders.ts';
import { correctionLoaders } from './correction/loaders.ts';

/** A compile-time check that two modules' loader names do not collide (a spread would hide one). */
type Disjoint<A, B> = [keyof A & keyof B] extends [never] ? B : { collision: keyof A & keyof B };

export function createLoaders(sql: Sql) {
  const device = deviceLoaders(sql);
  const guestOS = guestOSLoaders(sql, device);
  const hypervisor = hypervisorLoaders(sql, device);
  const hardwareFeature = hardwareFeatureLoaders(sql);
  const compatibility = compatibilityLoaders(sql);
  const vendor = vendorLoaders(sql);
  const a = { ...device, ...(guestOS satisfies Disjoint<typeof device, typeof guestOS>) };
  const b = { ...a, ...(hypervisor satisfies Disjoint<typeof a, typeof hypervisor>) };
  const c = { ...b, ...(hardwareFeature satisfies Disjoint<typeof b, typeof hardwareFeature>) };
  const d = { ...c, ...(compatibility satisfies Disjoint<typeof c, typeof compatibility>) };
  const driver = driverLoaders(sql);
  const e = { ...d, ...(vendor satisfies Disjoint<typeof d, typeof vendor>) };
  const f = { ...e, ...(driver satisfies Disjoint<typeof e, typeof driver>) };
  const correction = correctionLoaders(sql);
  return { ...f, ...(correction satisfies Disjoint<typeof f, typeof correction>) };
}

export type Loaders = ReturnType<typeof createLoaders>;
