// Hardware features: by id and by key.
// Registered with the others in src/schema/loaders.ts (each loader is made on a request's first use).
import type DataLoader from 'dataloader';
import type { Sql } from '../../db/sql.ts';
import { HW_FEATURE_COLS, type HwFeatureRow } from '../../catalogue/rows.ts';
import { byId, byUniqueKey } from '../common/loaders.ts';

const BY_ID = `SELECT ${HW_FEATURE_COLS()} FROM "HardwareFeature" f WHERE f.id = ANY($1::text[])`;
const BY_KEY = `SELECT ${HW_FEATURE_COLS()} FROM "HardwareFeature" f WHERE f.key = ANY($1::text[])`;

export const hardwareFeatureLoaders = {
  hwFeature: (sql: Sql) => byId<HwFeatureRow>(sql, BY_ID),
  hwFeatureByKey: (sql: Sql, l: { hwFeature: DataLoader<string, HwFeatureRow | null> }) =>
    byUniqueKey<HwFeatureRow>(sql, BY_KEY, (r) => r.key, l.hwFeature),
};
