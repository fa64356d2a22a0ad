// Per-request batching: every lookup by key goes through a DataLoader, so a page of 50 guests with
// their devices costs one statement per kind of thing, not one per guest. Each domain module keeps
// its loaders in its own folder (<module>/loaders.ts) as factories; this is the one place they are
// registered. A request's loader is made the first time the request uses it (a query uses a few of
// the ~30; making all of them for every request was about 4% of the service's CPU on a small query),
// then kept for the rest of the request, so batching and caching are as before. A factory that
// primes or reads another loader (a guest's devices fill the device loader) receives the request's
// loaders and names, in its parameter's type, the ones it uses.
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

const a = { ...deviceLoaders, ...(guestOSLoaders satisfies Disjoint<typeof deviceLoaders, typeof guestOSLoaders>) };
const b = { ...a, ...(hypervisorLoaders satisfies Disjoint<typeof a, typeof hypervisorLoaders>) };
const c = { ...b, ...(hardwareFeatureLoaders satisfies Disjoint<typeof b, typeof hardwareFeatureLoaders>) };
const d = { ...c, ...(compatibilityLoaders satisfies Disjoint<typeof c, typeof compatibilityLoaders>) };
const e = { ...d, ...(vendorLoaders satisfies Disjoint<typeof d, typeof vendorLoaders>) };
const f = { ...e, ...(driverLoaders satisfies Disjoint<typeof e, typeof driverLoaders>) };
const FACTORIES = { ...f, ...(correctionLoaders satisfies Disjoint<typeof f, typeof correctionLoaders>) };
type Factories = typeof FACTORIES;

export type Loaders = { readonly [K in keyof Factories]: ReturnType<Factories[K]> };

// Every factory's other loaders are among the request's (a factory naming one that is not registered,
// or with another type, fails here).
FACTORIES satisfies { [K in keyof Factories]: (sql: Sql, loaders: Loaders) => Loaders[K] };

const SQL = Symbol('sql');
const MADE = Symbol('made');

/** One request's loaders: the Sql they read with and the loaders made so far (by factory index). */
class RequestLoaders {
  readonly [SQL]: Sql;
  readonly [MADE]: unknown[] = [];
  constructor(sql: Sql) {
    this[SQL] = sql;
  }
}

// One getter per loader on the prototype (defined once): a request's object holds only its Sql and
// what it made, so creating it costs one allocation however many loaders there are.
Object.entries(FACTORIES).forEach(([name, make], i) => {
  Object.defineProperty(RequestLoaders.prototype, name, {
    get(this: RequestLoaders) {
      const made = this[MADE];
      made[i] ??= (make as (sql: Sql, loaders: Loaders) => unknown)(this[SQL], this as unknown as Loaders);
      return made[i];
    },
  });
});

export function createLoaders(sql: Sql): Loaders {
  return new RequestLoaders(sql) as unknown as Loaders;
}

/** The names of the loaders a request has made so far (for tests and debugging). */
export function loadersMade(loaders: Loaders): string[] {
  const made = (loaders as unknown as RequestLoaders)[MADE];
  return Object.keys(FACTORIES).filter((_, i) => made[i] !== undefined);
}
