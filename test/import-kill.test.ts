// An import killed mid-way (SIGKILL, after its transaction has started and written) leaves the
// database exactly as it was. The CLI runs as a separate process; its plain progress lines on
// stderr (not a terminal) say when the transaction is open and which table it is writing.
import { describe, it } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { importPciIds } from '../seed/importers/pci-ids.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import {
  cliDatabase,
  fingerprint,
  idsForShortIds,
  osinfoSubset,
  pciIdsSubset,
  runCli,
  writeTemp,
  OSINFO,
  PCI_IDS,
} from './import-support.ts';

/** Opens the database in this process (the CLI child must not hold it at the same time). */
async function withDb<T>(target: Parameters<typeof openDatabase>[0], fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(target);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe('import killed mid-transaction', () => {
  it('PGlite: a pci.ids import killed while writing leaves the embedded database as it was', async () => {
    const cdb = await cliDatabase('pglite');
    const small = writeTemp('pci.ids', pciIdsSubset(['1af4', '1b36']));
    try {
      const before = await withDb(cdb.target, async (db) => {
        await importPciIds(db, { path: small.path });
        return fingerprint(db.sql);
      });

      // The whole pci.ids takes seconds to write into PGlite; kill it as soon as the transaction is open.
      let sawStart = false;
      const killed = await runCli(['import', 'pci-ids', PCI_IDS], cdb.env, (line, kill) => {
        if (!sawStart && /^pci\.ids: writing PciVendor/.test(line)) {
          sawStart = true;
          kill('SIGKILL');
        }
      });
      assert.ok(sawStart, `the import never reached its transaction:\n${killed.stderr}`);
      assert.equal(killed.signal, 'SIGKILL', `the import finished before it could be killed:\n${killed.stderr}`);
      assert.doesNotMatch(killed.stderr, /committed/);

      await withDb(cdb.target, async (db) => {
        assert.deepEqual(await fingerprint(db.sql), before);
        // and the database still works: the same import now runs to the end, finding nothing to do
        const again = await importPciIds(db, { path: small.path });
        assert.equal(again.changes, 0);
      });
    } finally {
      small.cleanup();
      await cdb.drop();
    }
  });

  it('PostgreSQL: an osinfo import killed while blocked inside its transaction changes nothing', {
    skip: skipWith(!process.env.DATABASE_URL && 'DATABASE_URL not set'),
  }, async () => {
    const cdb = await cliDatabase('postgres');
    const subset = await osinfoSubset(await idsForShortIds(['debian11', 'win11']));
    const locker = new pg.Client({ connectionString: cdb.env.DATABASE_URL });
    try {
      const before = await withDb(cdb.target, async (db) => {
        await importOsinfo(db, { path: subset.dir, pciIds: null, usbIds: null });
        return fingerprint(db.sql);
      });

      // Hold GuestOSDevice so the full import stops there, after it has written devices and guests.
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE "GuestOSDevice" IN ACCESS EXCLUSIVE MODE');
      let blocked = false;
      const killed = await runCli(['import', 'osinfo', OSINFO], cdb.env, (line, kill) => {
        if (/^osinfo: writing GuestOSDevice/.test(line)) {
          blocked = true;
          // give it time to send the statement and wait on the lock
          setTimeout(() => kill('SIGKILL'), 300);
        }
      });
      assert.ok(blocked, killed.stderr);
      assert.equal(killed.signal, 'SIGKILL');
      const wrote = /osinfo: writing GuestOS: (\d+) rows/.exec(killed.stderr);
      assert.ok(wrote && Number(wrote[1]) > 700, 'the killed import had written the guests before it stopped');
      await locker.query('ROLLBACK');

      assert.deepEqual(await withDb(cdb.target, (db) => fingerprint(db.sql)), before);
    } finally {
      await locker.end().catch(() => {});
      subset.cleanup();
      await cdb.drop();
    }
  });
});
