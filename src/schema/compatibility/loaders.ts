// Compatibility records: by id, and the current accepted ones about a guest.
// Registered with the others in src/schema/loaders.ts (each loader is made on a request's first use).
import DataLoader from 'dataloader';
import { prepared, type Sql } from '../../db/sql.ts';
import { RECORD_COLS, type RecordRow } from '../../catalogue/rows.ts';
import { byId, groupBy } from '../common/loaders.ts';

const RECORD_BY_ID = `SELECT ${RECORD_COLS()} FROM "CompatibilityRecord" c WHERE c.id = ANY($1::text[])`;
const GUEST_RECORDS = prepared(`SELECT ${RECORD_COLS()} FROM "CompatibilityRecord" c
          WHERE c."guestId" = ANY($1::text[]) AND c."reviewState" = 'ACCEPTED'
            AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)
          ORDER BY c."createdAt" DESC, c.id`);

export const compatibilityLoaders = {
  record: (sql: Sql) => byId<RecordRow>(sql, RECORD_BY_ID),
  guestRecords: (sql: Sql) =>
    new DataLoader<string, RecordRow[]>(async (guestIds) =>
      groupBy(guestIds, await sql.query<RecordRow>(GUEST_RECORDS, [guestIds]), (r) => r.guestId),
    ),
};
