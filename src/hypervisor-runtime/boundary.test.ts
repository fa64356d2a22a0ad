// The runtime ships alone: nothing under src/hypervisor-runtime/ imports the service's code
// (src/api, src/schema, src/db, src/config, the generated Prisma client) or Prisma itself, nor the CLI;
// and it is a library: argv and the environment are the CLI's (src/cli/env.ts), never read here.
import { it } from 'vitest';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { captures } from '../util/must.ts';

const DIR = import.meta.dirname;
const SRC = resolve(DIR, '..');
const FORBIDDEN = ['api', 'schema', 'db', 'config', 'generated', 'catalogue', 'cli'].map((d) => join(SRC, d));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

it('src/hypervisor-runtime imports none of the service code nor Prisma', () => {
  const bad: string[] = [];
  for (const f of files(DIR)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) {
      const [spec] = captures(m, 1);
      if (/^@prisma\/|^prisma$|^pg$|^@electric-sql\//.test(spec)) bad.push(`${relative(SRC, f)} imports ${spec}`);
      if (spec.startsWith('.')) {
        const target = resolve(dirname(f), spec);
        if (FORBIDDEN.some((d) => target === d || target.startsWith(`${d}/`))) bad.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

it('src/hypervisor-runtime reads neither process.env nor process.argv', () => {
  const bad = files(DIR).flatMap((f) => (/process\.(env|argv)\b/.test(readFileSync(f, 'utf8')) ? [relative(SRC, f)] : []));
  assert.deepEqual(bad, []);
});
