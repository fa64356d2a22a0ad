// A request's loaders (src/schema/loaders.ts): none is made until the request uses it; once made,
// the request keeps it (the same loader, so batching and its cache hold for the whole request), a
// loader that primes another fills the request's one, and two requests never share a loader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoaders, loadersMade } from '../src/schema/loaders.ts';
import { seededApp, type TestApp } from './helpers/app.ts';
import { testTargets } from './helpers/db.ts';
import { must } from '../src/util/must.ts';

for (const kind of testTargets()) {
  describe(`per-request loaders (${kind})`, () => {
    let t: TestApp;
    let guest: { id: string; shortIds: string[] };
    beforeAll(async () => {
      t = await seededApp(kind);
      const [row] = await t.db.sql.query<{ id: string; shortIds: string[] }>(
        `SELECT id, "shortIds" FROM "GuestOS" WHERE cardinality("shortIds") > 0 ORDER BY id LIMIT 1`,
      );
      guest = must(row, 'a seeded guest with a short id');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('makes a loader on first use and keeps it for the request', () => {
      const l = createLoaders(t.db.sql);
      expect(loadersMade(l)).toEqual([]);
      const byKey = l.guestByKey;
      expect(l.guestByKey).toBe(byKey);
      expect(loadersMade(l)).toEqual(['guestByKey']);
      // byUniqueKey primes the by-id loader: making one makes the other
      expect(l.hypervisorByKey).toBe(l.hypervisorByKey);
      expect(loadersMade(l).sort()).toEqual(['guestByKey', 'hypervisor', 'hypervisorByKey']);
      expect(createLoaders(t.db.sql).guestByKey).not.toBe(byKey);
      expect(Object.keys(l)).toEqual([]);
    });

    it('batches one tick of keys into one statement and primes the request`s by-id loader', async () => {
      const l = createLoaders(t.db.sql);
      const before = t.statements.count;
      const [byShortId, byId, none] = await Promise.all([
        l.guestByKey.load(must(guest.shortIds[0], 'a short id')),
        l.guestByKey.load(guest.id),
        l.guestByKey.load('no-such-guest'),
      ]);
      expect(t.statements.count - before).toBe(1);
      expect(byShortId?.id).toBe(guest.id);
      expect(byId?.id).toBe(guest.id);
      expect(none).toBeNull();
      expect((await l.guest.load(guest.id))?.id).toBe(guest.id);
      expect(t.statements.count - before).toBe(1);
      // another request's by-id loader was not primed
      await createLoaders(t.db.sql).guest.load(guest.id);
      expect(t.statements.count - before).toBe(2);
    });
  });
}
