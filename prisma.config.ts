// Prisma CLI configuration. The service itself never reads this: src/db builds the client with a
// driver adapter (PostgreSQL or PGlite) and applies migrations with the wasm schema engine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
