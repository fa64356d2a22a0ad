// Two projects: unit tests next to the code (src/**), integration and end-to-end tests in test/.
// `npm test` runs both (unit first, then integration); `npm run test:unit` only the first;
// `npm test -- <path substring>` only the matching files.
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// No per-test time limit that load can exceed: tests wait for readiness with their own deadlines.
const patient = { testTimeout: 30 * 60_000, hookTimeout: 30 * 60_000, teardownTimeout: 60_000 };

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) side by side with no `exports` map. Node, and
    // so every dependency vitest leaves to Node (graphql-yoga, graphql-armor...), loads the CommonJS
    // one; vite would hand our own files the ESM one, and the two copies' types do not mix ("Cannot
    // use GraphQLEnumType from another module or realm"). Resolve it as Node does.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    env: { NODE_ENV: 'test' },
    // Every test on its own line, with the note of a skipped test and the annotations of a passing
    // one (what node:test's spec reporter showed): a CI log says what ran, what did not and why.
    reporters: ['verbose'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], ...patient, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          ...patient,
          // Integration files share one machine's QEMU, PostgreSQL server and ports: one at a time,
          // after the unit files, so a loaded 2-core machine is not asked to boot guests beside them.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
