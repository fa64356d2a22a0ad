// Vendors, and what the vendor module reads per request (kinds, proposed supersessions, change data).
// Registered with the others in src/schema/loaders.ts (each loader is made on a request's first use).
import DataLoader from 'dataloader';
import type { Sql } from '../../db/sql.ts';
import type { VendorRow } from '../../catalogue/rows.ts';
import { byId } from '../common/loaders.ts';

export const vendorLoaders = {
  vendor: (sql: Sql) => byId<Pick<VendorRow, 'id' | 'name' | 'url'>>(sql, `SELECT id, name, url FROM "Vendor" WHERE id = ANY($1::text[])`),
  vendorKinds: (sql: Sql) =>
    new DataLoader<string, string[]>(async (ids) => {
      const rows = await sql.query<{ id: string; kinds: string[] }>(
        `SELECT id, kinds::text[] AS kinds FROM "Vendor" WHERE id = ANY($1::text[])`,
        [ids],
      );
      const m = new Map(rows.map((r) => [r.id, r.kinds]));
      return ids.map((id) => m.get(id) ?? []);
    }),
  /** The record a PENDING record proposes to supersede, by the proposing record's id. */
  proposedSupersedesId: (sql: Sql) =>
    new DataLoader<string, string | null>(async (ids) => {
      const rows = await sql.query<{ id: string; p: string | null }>(
        `SELECT id, "proposedSupersedesId" AS p FROM "CompatibilityRecord" WHERE id = ANY($1::text[])`,
        [ids],
      );
      const m = new Map(rows.map((r) => [r.id, r.p]));
      return ids.map((id) => m.get(id) ?? null);
    }),
  /** A change-feed row's data, by seq. */
  changeData: (sql: Sql) =>
    new DataLoader<string, unknown>(async (seqs) => {
      const rows = await sql.query<{ seq: string; data: unknown }>(
        `SELECT seq::text AS seq, data FROM "Change" WHERE seq = ANY($1::bigint[])`,
        [seqs],
      );
      const m = new Map(rows.map((r) => [r.seq, r.data]));
      return seqs.map((s) => m.get(s) ?? null);
    }),
};
