import { describe, expect, it } from 'vitest';
import { withSql, type Database } from './index.ts';
import type { Sql } from './sql.ts';

describe('withSql', () => {
  it('replaces the SQL interface and never builds the lazy Prisma client', () => {
    let built = 0;
    const sql = {} as Sql;
    const other = {} as Sql;
    const db = {
      kind: 'postgres',
      sql,
      get prisma() {
        built++;
        return {} as Database['prisma'];
      },
      migrationAdapter: () => ({}) as never,
      description: 'x',
      close: async () => {},
    } satisfies Database;
    const view = withSql(db, other);
    expect(view.sql).toBe(other);
    expect(view.kind).toBe('postgres');
    expect(built).toBe(0);
    // What `{ ...db, sql }` did: the getter ran and the client was built.
    const spread = { ...db, sql: other };
    expect(spread.sql).toBe(other);
    expect(built).toBe(1);
  });
});
