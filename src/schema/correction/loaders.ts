// Corrections of the entities a request resolves: one statement for every guest, device and
// release of the request (src/catalogue/corrections.ts). Registered in src/schema/loaders.ts
// (made on a request's first use).
import DataLoader from 'dataloader';
import type { Sql } from '../../db/sql.ts';
import { readCorrections, type CorrectionEntityType, type CorrectionView } from '../../catalogue/corrections.ts';

/** Loader key: the entity kind and id. */
export const correctionKey = (entityType: CorrectionEntityType, id: string) => `${entityType}\u0000${id}`;

export const correctionLoaders = {
  correctionsOf: (sql: Sql) =>
    new DataLoader<string, CorrectionView[]>(async (keys) => {
      const ids = [...new Set(keys.map((k) => k.slice(k.indexOf('\u0000') + 1)))];
      const rows = await readCorrections(sql, { entityIds: ids });
      const m = new Map<string, CorrectionView[]>();
      for (const r of rows) {
        const k = correctionKey(r.entityType, r.entityId);
        const l = m.get(k);
        if (l) l.push(r);
        else m.set(k, [r]);
      }
      return keys.map((k) => m.get(k) ?? []);
    }),
};
