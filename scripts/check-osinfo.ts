// npm run check:osinfo [-- PATH] [--database] [--with-seed] [--json]
//
// Imports an osinfo-db tree (default /usr/share/osinfo) into a fresh embedded database and
// compares, for EVERY OS, virtcompat's effective device list (src/catalogue/effective.ts:
// inheritance resolved, removals applied, inbox drivers) with what libosinfo computes from the
// same files (os.get_all_devices(), through GObject introspection, as virt-install does).
// Prints "N/M OS agree" and every disagreement; exits 0 only when all agree.
// --database compares the database the service is configured for (DATABASE_URL / DATA_DIR)
// instead, without importing: run `virtcompat import osinfo PATH` there first.
// --with-seed builds two more catalogues, curated seed then osinfo-db and osinfo-db then seed, and
// checks that they are the same (content digests) and that in both no osinfo-db OS loses a device
// libosinfo resolves and every inbox device beyond libosinfo's list comes from a non-osinfo row.
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { loadConfig } from '../src/config/index.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { findRoot, readVersion } from '../seed/importers/osinfo/parse.ts';
import {
  compareMergedWithLibosinfo,
  compareWithLibosinfo,
  findPython,
  libosinfoDump,
  type LibosinfoDump,
} from '../seed/importers/osinfo/libosinfo.ts';
import { applyCuratedSeed } from '../seed/load.ts';
import { catalogueDigest, digestDifferences } from '../src/catalogue/digest.ts';

const { values, positionals } = parseArgs({
  options: {
    database: { type: 'boolean' },
    'with-seed': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: true,
});
if (values.help) {
  process.stdout.write('Usage: npm run check:osinfo [-- PATH] [--database] [--with-seed] [--json]\n');
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
  if (values['with-seed']) {
    const merged = await withSeed(root, dump);
    if (values.json) process.stdout.write(`${JSON.stringify(merged, null, 2)}\n`);
    if (!merged.ok) process.exitCode = 1;
  }
} finally {
  await db.close();
}

/** Both orders of seed and import: equal digests, nothing lost, every extra attributed. */
async function withSeed(path: string, lib: LibosinfoDump) {
  const results: Record<string, unknown> = {};
  const digests = [];
  let ok = true;
  for (const order of ['seed, then osinfo-db', 'osinfo-db, then seed'] as const) {
    const m = await openDatabase({ kind: 'pglite', dataDir: `memory://check-osinfo-${order.startsWith('seed') ? 'a' : 'b'}` });
    try {
      await migrate(m);
      if (order.startsWith('seed')) {
        await applyCuratedSeed(m);
        await importOsinfo(m, { path });
      } else {
        await importOsinfo(m, { path });
        await applyCuratedSeed(m);
      }
      digests.push(await catalogueDigest(m.sql));
      const r = await compareMergedWithLibosinfo(m.sql, lib);
      results[order] = r;
      ok &&= r.lost.length === 0 && r.unattributed.length === 0;
      if (!values.json) {
        for (const l of r.lost) process.stdout.write(`${order}: ${l.id} loses ${l.missing.join(' ')}\n`);
        for (const u of r.unattributed)
          process.stdout.write(`${order}: ${u.id}: ${u.deviceId} beyond libosinfo's list from an osinfo-db row\n`);
        process.stdout.write(
          `${order}: ${r.total - r.lost.length}/${r.total} osinfo-db OS keep every device libosinfo resolves; ${r.refined.length} refined to add-on drivers by curated rows; inbox devices beyond libosinfo's list by source: ${JSON.stringify(r.extrasBySource)}\n`,
        );
      }
    } finally {
      await m.close();
    }
  }
  const [a, b] = digests;
  const differences = a && b ? digestDifferences(a, b) : ['a catalogue is missing'];
  ok &&= differences.length === 0;
  if (!values.json)
    process.stdout.write(
      differences.length ? `the two orders differ: ${differences.join('; ')}\n` : `both orders give catalogue ${a?.digest}\n`,
    );
  return { ok, differences, ...results };
}
