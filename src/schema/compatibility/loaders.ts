// Compatibility records: by id, and the current accepted ones about a guest.
// Registered with the others in src/schema/loaders.ts.
import DataLoader from 'dataloader';
import { prepared, type Sql } from '../../db/sql.ts';
import { RECORD_COLS, type RecordRow } from '../../catalogue/rows.ts';
import { byId, groupBy } from '../common/loaders.ts';

export function compatibilityLoaders(sql: Sql) {
  const record = byId<RecordRow>(sql, `SELECT ${RECORD_COLS()} FROM "CompatibilityRecord" c WHERE c.id = ANY($1::text[])`);
  const guestRecords = new DataLoader<string, RecordRow[]>(async (guestIds) =>
    groupBy(
      guestIds,
      await sql.query<RecordRow>(
        prepared(`SELECT ${RECORD_COLS()} FROM "CompatibilityRecord" c
          WHERE c."guestId" = ANY($1::text[]) AND c."reviewState" = 'ACCEPTED'
            AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)
          ORDER BY c."createdAt" DESC, c.id`),
        [guestIds],
      ),
      (r) => r.guestId,
    ),
  );

  return {
    record,
    guestRecords,
  };
}
