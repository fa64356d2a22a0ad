// Helpers of the per-module loader files: batch functions that answer DataLoader keys in order
// from one statement's rows, and factories for the commonest loaders (rows by id, by a unique key).
import DataLoader from 'dataloader';
import { prepared, type Sql } from '../../db/sql.ts';

/** The row for each key (null where none), from rows in any order. */
export function byKey<K, R>(keys: readonly K[], rows: R[], key: (r: R) => K): (R | null)[] {
  const m = new Map<K, R>();
  for (const r of rows) m.set(key(r), r);
  return keys.map((k) => m.get(k) ?? null);
}

/** The rows of each key (in the rows' order; empty where none). */
export function groupBy<K, R>(keys: readonly K[], rows: R[], key: (r: R) => K): R[][] {
  const m = new Map<K, R[]>();
  for (const k of keys) m.set(k, []);
  for (const r of rows) m.get(key(r))?.push(r);
  return keys.map((k) => m.get(k) ?? []);
}

/** Rows by primary key: `select` (a fixed text: it is prepared) receives the batch of ids as $1 (text[]). */
export function byId<R extends { id: string }>(sql: Sql, select: string): DataLoader<string, R | null> {
  const text = prepared(select);
  return new DataLoader<string, R | null>(async (ids) => byKey(ids, await sql.query<R>(text, [ids]), (r) => r.id));
}

/** Rows by another unique key (`select`, a fixed text, receives the keys as $1); each row found also primes `ids`. */
export function byUniqueKey<R extends { id: string }>(
  sql: Sql,
  select: string,
  key: (r: R) => string,
  ids: DataLoader<string, R | null>,
): DataLoader<string, R | null> {
  const text = prepared(select);
  return new DataLoader<string, R | null>(async (keys) => {
    const rows = await sql.query<R>(text, [keys]);
    for (const r of rows) ids.prime(r.id, r);
    return byKey(keys, rows, key);
  });
}
