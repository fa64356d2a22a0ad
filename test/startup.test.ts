// A first start: the curated seed, then osinfo-db when it is installed (with progress on the log),
// or the log says how to get it; a restart re-does neither; a catalogue osinfo-db was imported
// into first still gets the seed. And a port in use is found before any database work.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../src/config/index.ts';
import type { Database } from '../src/db/index.ts';
import { prepareDatabase, decideStartup } from '../src/api/startup.ts';
import { PortInUseError, startServer } from '../src/api/server.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { applyCuratedSeed, DEFAULT_SEED_DIR } from '../seed/load.ts';
import { freshDatabase, testTargets } from './helpers/db.ts';
import { idsForShortIds, osinfoSubset, runCli, tempDir } from './import-support.ts';

function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push((JSON.parse(l) as { msg: string }).msg);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function counts(db: Database) {
  const [row] = await db.sql.query<{
    guests: number;
    curated: number;
    fromSeed: number;
    osinfo: number;
    hypervisors: number;
    seedRuns: number;
    osinfoRuns: number;
    changes: number;
  }>(
    `SELECT (SELECT count(*)::int FROM "GuestOS") AS guests,
            (SELECT count(*)::int FROM "GuestOS" WHERE source = 'curated') AS curated,
            -- the seed's guests: its own, and osinfo-db's it adds an owner to (seed/provenance.ts)
            (SELECT count(*)::int FROM "GuestOS" WHERE "ownerVendorId" IS NOT NULL) AS "fromSeed",
            (SELECT count(*)::int FROM "GuestOS" WHERE source = 'osinfo-db') AS osinfo,
            (SELECT count(*)::int FROM "Hypervisor") AS hypervisors,
            (SELECT count(*)::int FROM "ImportRun" WHERE source = 'seed') AS "seedRuns",
            (SELECT count(*)::int FROM "ImportRun" WHERE source = 'osinfo-db') AS "osinfoRuns",
            (SELECT count(*)::int FROM "Change") AS changes`,
  );
  if (!row) throw new Error('no counts');
  return row;
}

describe('first-start configuration', () => {
  it('imports osinfo-db from /usr/share/osinfo by default; IMPORT_OSINFO_ON_START and OSINFO_PATH change it', () => {
    expect(loadConfig({}, '/srv').osinfoOnStart).toEqual({ enabled: true, path: '/usr/share/osinfo' });
    expect(loadConfig({ IMPORT_OSINFO_ON_START: 'false', OSINFO_PATH: 'osinfo-db' }, '/srv').osinfoOnStart).toEqual({
      enabled: false,
      path: '/srv/osinfo-db',
    });
    expect(() => loadConfig({ IMPORT_OSINFO_ON_START: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ IMPORT_OSINFO_ON_START: 'maybe' })).toThrow(/IMPORT_OSINFO_ON_START="maybe"/);
  });
});

describe('first-start decision', () => {
  const on = { seed: true, osinfo: { enabled: true, path: '/x' } };
  it('seeds when the seed was never applied, imports when osinfo-db was never imported and is installed', () => {
    expect(decideStartup({ seedApplied: false, osinfoImported: false, osinfoInstalled: true }, on)).toEqual({
      seed: true,
      osinfo: 'import',
    });
    expect(decideStartup({ seedApplied: false, osinfoImported: true, osinfoInstalled: true }, on)).toEqual({
      seed: true,
      osinfo: 'already-imported',
    });
    expect(decideStartup({ seedApplied: true, osinfoImported: false, osinfoInstalled: false }, on)).toEqual({
      seed: false,
      osinfo: 'not-installed',
    });
    expect(
      decideStartup(
        { seedApplied: false, osinfoImported: false, osinfoInstalled: true },
        { seed: false, osinfo: { enabled: false, path: '/x' } },
      ),
    ).toEqual({
      seed: false,
      osinfo: 'disabled',
    });
  });
});

for (const kind of testTargets()) {
  describe(`first start on ${kind}`, () => {
    let subset: Awaited<ReturnType<typeof osinfoSubset>>;
    beforeAll(async () => {
      subset = await osinfoSubset(await idsForShortIds(['win10', 'rhel9.1', 'debian11', 'ubuntu22.04', 'alpinelinux3.17']));
    });
    afterAll(() => subset?.cleanup());

    it('seeds, then imports osinfo-db with progress on the log; a restart does neither again', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        const { logger, lines } = capturedLogger();
        const first = await prepareDatabase(db, { seed: true, osinfo: { enabled: true, path: subset.dir }, logger });
        expect(first).toMatchObject({ seeded: true, osinfo: 'imported' });
        const after = await counts(db);
        expect(after.fromSeed).toBeGreaterThan(50);
        expect(after.osinfo).toBeGreaterThan(0);
        expect(after.guests).toBe(after.curated + after.osinfo);
        expect(after.seedRuns).toBe(1);
        expect(after.osinfoRuns).toBe(1);
        expect(lines.some((l) => l.startsWith('first start: importing osinfo-db'))).toBe(true);
        expect(lines.some((l) => /^osinfo: writing GuestOS: \d+ rows$/.test(l))).toBe(true);
        expect(lines.some((l) => l.startsWith('imported osinfo-db'))).toBe(true);

        const again = await prepareDatabase(db, { seed: true, osinfo: { enabled: true, path: subset.dir }, logger });
        expect(again).toMatchObject({ seeded: false, osinfo: 'already-imported' });
        expect(await counts(db)).toEqual(after);
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('seeds a catalogue that osinfo-db was imported into first', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        await prepareDatabase(db, { seed: false });
        await importOsinfo(db, { path: subset.dir });
        const before = await counts(db);
        // osinfo-db brings hypervisors (its platforms); the old "no hypervisor yet" test skipped the seed here.
        expect(before.hypervisors).toBeGreaterThan(0);
        expect(before.curated).toBe(0);
        const report = await prepareDatabase(db, { seed: true, osinfo: { enabled: true, path: subset.dir } });
        expect(report).toMatchObject({ seeded: true, osinfo: 'already-imported' });
        const after = await counts(db);
        expect(after.fromSeed).toBeGreaterThan(50);
        expect(after.osinfoRuns).toBe(1);
      } finally {
        await db.close();
        await t.drop();
      }
    });

    it('seeds again when the seed files are not the ones last applied, then not again', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      const older = mkdtempSync(join(tmpdir(), 'vc-startup-seed-'));
      try {
        await prepareDatabase(db, { seed: false });
        // An older seed: the same files with another name for Debian 12.
        cpSync(DEFAULT_SEED_DIR, older, { recursive: true });
        const file = join(older, 'guests/debian.yaml');
        const text = readFileSync(file, 'utf8');
        expect(text).toContain('  name: Debian 12\n');
        writeFileSync(file, text.replace('  name: Debian 12\n', '  name: Debian 12 (older seed)\n'));
        await applyCuratedSeed(db, { dir: older });
        const name = async () =>
          (await db.sql.query<{ name: string }>(`SELECT name FROM "GuestOS" WHERE id = 'http://debian.org/debian/12'`)).map((r) => r.name);
        expect(await name()).toEqual(['Debian 12 (older seed)']);
        const report = await prepareDatabase(db, { seed: true });
        expect(report.seeded).toBe(true);
        expect(await name()).toEqual(['Debian 12']);
        expect((await prepareDatabase(db, { seed: true })).seeded).toBe(false);
      } finally {
        rmSync(older, { recursive: true, force: true });
        await db.close();
        await t.drop();
      }
    });

    it('says how to get osinfo-db when it is not installed, and imports nothing when turned off', async () => {
      const t = await freshDatabase(kind);
      const db = await t.open();
      try {
        const { logger, lines } = capturedLogger();
        const missing = join(subset.dir, 'not-here');
        const report = await prepareDatabase(db, { seed: true, osinfo: { enabled: true, path: missing }, logger });
        expect(report).toMatchObject({ seeded: true, osinfo: 'not-installed' });
        const hint = lines.find((l) => l.includes(missing));
        expect(hint).toContain('apt-get install osinfo-db');
        expect(hint).toContain('virtcompat import osinfo PATH');
        const off = await prepareDatabase(db, { seed: true, osinfo: { enabled: false, path: subset.dir } });
        expect(off).toMatchObject({ seeded: false, osinfo: 'disabled' });
        expect((await counts(db)).osinfo).toBe(0);
      } finally {
        await db.close();
        await t.drop();
      }
    });
  });
}

describe('a port in use', () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const addr = holder.address();
    if (!addr || typeof addr === 'string') throw new Error('no port');
    port = addr.port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  });

  it('is refused before the data folder is created, migrated or seeded', async () => {
    const tmp = tempDir('vc-port-');
    try {
      const dataDir = join(tmp.dir, 'data');
      const config = loadConfig({
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        IMPORT_OSINFO_ON_START: 'false',
      });
      const err = await startServer(config, pino({ level: 'silent' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PortInUseError);
      expect((err as PortInUseError).code).toBe('PORT_IN_USE');
      expect((err as Error).message).toContain(`127.0.0.1:${port} is already in use`);
      expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });

  it('`virtcompat serve` exits 1 at once with the coded message', async () => {
    const tmp = tempDir('vc-port-');
    try {
      const started = Date.now();
      const res = await runCli(['serve', '--port', String(port)], { DATA_DIR: join(tmp.dir, 'data'), HOST: '127.0.0.1' });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`virtcompat serve: [PORT_IN_USE] 127.0.0.1:${port} is already in use`);
      expect(res.stderr).toContain('PORT=N or --port N');
      expect(existsSync(join(tmp.dir, 'data'))).toBe(false);
      // No migration or seed ran: nothing about them is logged.
      expect(res.stderr).not.toMatch(/migration|curated seed/);
      expect(Date.now() - started).toBeLessThan(120_000);
    } finally {
      tmp.cleanup();
    }
  });
});
