// Development: `node --import tsx scripts/migration-new.ts <name>` writes the next migration from the
// change in prisma/schema.prisma, offline (wasm schema engine, in-memory PGlite as shadow database).
import { openDatabase } from '../src/db/index.ts';
import { createMigration, migrate } from '../src/db/migrate.ts';

const name = process.argv[2];
if (!name) {
  console.error('usage: node --import tsx scripts/migration-new.ts <name>');
  process.exit(2);
}
const db = await openDatabase({ kind: 'pglite', dataDir: 'memory://migration-new' });
try {
  await migrate(db);
  const path = await createMigration(db, name);
  console.log(path ? `wrote ${path}/migration.sql` : 'schema and migrations agree: nothing to write');
  if (path) await migrate(db);
} finally {
  await db.close();
}
