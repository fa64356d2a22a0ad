// Two projects: unit tests next to the code (src/**), integration and end-to-end tests in test/.
// Files still written for node:test are run by scripts/run-tests.mjs until they are converted; a
// file belongs to vitest when it imports from 'vitest'.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

function vitestFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'generated') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) vitestFiles(p, out);
    else if (name.endsWith('.test.ts') && /from ['"]vitest['"]/.test(readFileSync(p, 'utf8'))) out.push(relative(root, p));
  }
  return out;
}

// No per-test time limit that load can exceed: tests wait for readiness with their own deadlines.
const patient = { testTimeout: 30 * 60_000, hookTimeout: 30 * 60_000, teardownTimeout: 60_000 };

export default defineConfig({
  test: {
    env: { NODE_ENV: 'test' },
    projects: [
      { test: { name: 'unit', include: vitestFiles(join(root, 'src')), ...patient } },
      {
        test: {
          name: 'integration',
          include: vitestFiles(join(root, 'test')),
          ...patient,
          // Integration files share one machine's QEMU, PostgreSQL server and ports: one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
