// Hardware features: by id and by key.
// Registered with the others in src/schema/loaders.ts.
import type { Sql } from '../../db/sql.ts';
import { HW_FEATURE_COLS, type HwFeatureRow } from '../../catalogue/rows.ts';
import { byId, byUniqueKey } from '../common/loaders.ts';

export function hardwareFeatureLoaders(sql: Sql) {
  const hwFeature = byId<HwFeatureRow>(sql, `SELECT ${HW_FEATURE_COLS()} FROM "HardwareFeature" f WHERE f.id = ANY($1::text[])`);
  const hwFeatureByKey = byUniqueKey<HwFeatureRow>(
    sql,
    `SELECT ${HW_FEATURE_COLS()} FROM "HardwareFeature" f WHERE f.key = ANY($1::text[])`,
    (r) => r.key,
    hwFeature,
  );

  return {
    hwFeature,
    hwFeatureByKey,
  };
}
