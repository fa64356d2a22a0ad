// npm run check:osinfo [-- PATH] [--database] [--json]
//
// Imports an osinfo-db tree (default /usr/share/osinfo) into a fresh embedded database and
// compares, for EVERY OS, virtcompat's effective device list (src/catalogue/effective.ts:
// inheritance resolved, removals applied, inbox drivers) with what libosinfo computes from the
// same files (os.get_all_devices(), through GObject introspection, as virt-install does).
// Prints "N/M OS agree" and every disagreement; exits 0 only when all agree.
// --database compares the database the service is configured for (DATABASE_URL / DATA_DIR)
// instead, without importing: run `virtcompat import osinfo PATH` there first.
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadConfig } from '../src/config/index.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { findRoot, readVersion } from '../seed/importers/osinfo/parse.ts';
import { compareWithLibosinfo, findPython, libosinfoDump } from '../seed/importers/osinfo/libosinfo.ts';

const { values, positionals } = parseArgs({
  options: { database: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
});
if (values.help) {
  process.stdout.write('Usage: npm run check:osinfo [-- PATH] [--database] [--json]\n');
  process.exit(0);
}
if (!findPython()) {
  process.stderr.write('check:osinfo: python3 with Libosinfo introspection not found (apt: python3-gi gir1.2-libosinfo-1.0)\n');
  process.exit(2);
}
const root = await findRoot(positionals[0] ?? '/usr/share/osinfo');
const db = await openDatabase(values.database ? loadConfig(process.env).database : { kind: 'pglite', dataDir: 'memory://check-osinfo' });
try {
  if (!values.database) {
    await migrate(db);
    const s = await importOsinfo(db, { path: root });
    const [first] = s.problems;
    if (first)
      process.stderr.write(`check:osinfo: import reported ${s.problems.length} problem(s); first: ${first.path}: ${first.reason}\n`);
  }
  const dump = await libosinfoDump(root);
  const a = await compareWithLibosinfo(db.sql, dump);
  const version = readVersion(root);
  if (values.json) {
    process.stdout.write(JSON.stringify({ osinfoDb: version, libosinfo: dump.libosinfo, ...a }, null, 2) + '\n');
  } else {
    for (const d of a.disagreements) {
      if (d.absent) process.stdout.write(`${d.id}: not in ${d.absent === 'ours' ? 'virtcompat' : 'libosinfo'}\n`);
      else {
        process.stdout.write(`${d.id}:\n`);
        if (d.missing.length) process.stdout.write(`  libosinfo only: ${d.missing.join(' ')}\n`);
        if (d.extra.length) process.stdout.write(`  virtcompat only: ${d.extra.join(' ')}\n`);
      }
    }
    process.stdout.write(`${a.agree}/${a.total} OS agree with libosinfo ${dump.libosinfo} (osinfo-db ${version ?? 'unknown'}, ${root})\n`);
  }
  process.exitCode = a.agree === a.total ? 0 : 1;
} finally {
  await db.close();
}
