// The change feed: one Change row per committed change to accepted catalogue data, numbered by
// `seq`. appendChanges is its only writer (vendor writes, review, the CLI, the seed loader and the
// importers all call it), so every row gets its sequence number the same way.
//
// Rows are inserted under one transaction advisory lock taken just before, so sequence numbers are
// handed out in commit order and a reader following `seq` skips nothing.
import type { Sql } from '../db/sql.ts';
import type { CatalogueEvent } from './events.ts';
import { ts } from './rows.ts';

export interface ChangeInput {
  entityType: string;
  entityId: string;
  op: 'UPSERT' | 'SUPERSEDE' | 'DELETE';
  data: unknown;
}

/** Advisory lock id of the change feed ("vccf"). */
const FEED_LOCK = '1986225254';

/** Guests and releases a change is about, from the stored row alone (so the feed can say it too). */
export function affected(entityType: string, entityId: string, data: unknown): { guestIds: string[]; hypervisorReleaseIds: string[] } {
  const d = (data ?? {}) as { guestId?: unknown; hypervisorReleaseId?: unknown };
  if (entityType === 'CompatibilityRecord') {
    return {
      guestIds: typeof d.guestId === 'string' ? [d.guestId] : [],
      hypervisorReleaseIds: typeof d.hypervisorReleaseId === 'string' ? [d.hypervisorReleaseId] : [],
    };
  }
  if (entityType === 'GuestOS') return { guestIds: [entityId], hypervisorReleaseIds: [] };
  // a driver build is part of the planning facts of every guest release it names (a new build's id is in
  // no answer a runtime holds, so the guests must be named for the runtime to ask again)
  if (entityType === 'DriverBuild') {
    const guests = (data as { guests?: unknown } | null)?.guests;
    const ids = Array.isArray(guests) ? guests.map((g) => (g as { guestId?: unknown }).guestId).filter((x) => typeof x === 'string') : [];
    return { guestIds: [...new Set(ids as string[])].sort(), hypervisorReleaseIds: [] };
  }
  if (entityType === 'HypervisorRelease') return { guestIds: [], hypervisorReleaseIds: [entityId] };
  return { guestIds: [], hypervisorReleaseIds: [] };
}

/** Appends change-feed rows; call it last in the transaction (the lock is held until commit). */
export async function appendChanges(sql: Sql, changes: ChangeInput[]): Promise<CatalogueEvent[]> {
  if (changes.length === 0) return [];
  await sql.query(`SELECT pg_advisory_xact_lock(${FEED_LOCK}::bigint)`);
  const rows = await sql.query<ChangeRow>(
    `INSERT INTO "Change" ("entityType", "entityId", op, data)
     SELECT e->>'entityType', e->>'entityId', e->>'op', e->'data'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n)
      ORDER BY n
     RETURNING seq::text AS seq, ${ts('at')} AS at, "entityType", "entityId", op, data`,
    [JSON.stringify(changes)],
  );
  return rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq))).map(toEvent);
}

/** The events of committed change-feed rows after `after`, oldest first, at most `limit`. */
export async function eventsAfter(sql: Sql, after: string, limit: number): Promise<CatalogueEvent[]> {
  const rows = await sql.query<ChangeRow>(
    `SELECT seq::text AS seq, ${ts('at')} AS at, "entityType", "entityId", op, data
       FROM "Change" WHERE seq > $1::bigint ORDER BY seq LIMIT $2`,
    [after, limit],
  );
  return rows.map(toEvent);
}

interface ChangeRow {
  seq: string;
  at: string;
  entityType: string;
  entityId: string;
  op: string;
  data: unknown;
}

/** A change-feed row as the event the cache and the subscribers receive. */
const toEvent = (r: ChangeRow): CatalogueEvent => ({
  seq: r.seq,
  at: r.at,
  entityType: r.entityType,
  entityId: r.entityId,
  op: r.op,
  ...affected(r.entityType, r.entityId, r.data),
});

/** The change feed's newest sequence number ('0' when empty). */
export async function headSeq(sql: Sql): Promise<string> {
  const [row] = await sql.query<{ seq: string }>(`SELECT coalesce(max(seq), 0)::text AS seq FROM "Change"`);
  return row?.seq ?? '0';
}
