// One data path: the pages read the catalogue only through GraphQL (gql.ts runs operations on the
// API's own yoga instance). So src/web imports neither the schema nor the catalogue domain nor the
// Prisma client, and of the database layer only the Sql type its session table needs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const WEB = import.meta.dirname;
const ROOT = resolve(WEB, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith('.ts') && !n.endsWith('.test.ts') ? [p] : [];
  });
}

const imports = files(WEB).flatMap((f) =>
  [...readFileSync(f, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => ({
    from: relative(ROOT, f),
    to: m[1]?.startsWith('.') ? relative(ROOT, resolve(f, '..', m[1])) : (m[1] ?? ''),
  })),
);

describe('src/web', () => {
  it('is scanned', () => {
    expect(imports.some((e) => e.from === 'src/web/routes.ts' && e.to === 'src/web/gql.ts')).toBe(true);
  });
  it('reads the catalogue only through GraphQL', () => {
    const bad = imports.filter(
      (e) =>
        /^src\/(schema|catalogue|generated|api|cli)(\/|$)/.test(e.to) ||
        /^(@prisma\/|pg$|@electric-sql\/)/.test(e.to) ||
        (e.to.startsWith('src/db/') && e.to !== 'src/db/sql.ts'),
    );
    expect(bad).toEqual([]);
  });
});
