// The service rides out its database. `virtcompat serve` runs as its own process against a private
// PostgreSQL cluster while 20 vendor clients submit records with idempotency keys (retrying on
// 503 / DATABASE_UNAVAILABLE / refused connections with the same key), and the test
//   (a) terminates the service's backends mid-transaction (pg_terminate_backend),
//   (b) restarts the cluster (pg_ctl restart -m fast),
//   (c) stops it immediately (-m immediate) and starts it again.
// The process never exits; during the outages answers are 503 DATABASE_UNAVAILABLE with
// Retry-After; /readyz turns 503 and back to 200 by itself; the service answers within 5 s of the
// database accepting connections; every acknowledged record is stored exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { goodRecord, loadFixtures, SUBMIT } from './helpers/vendor-fixtures.ts';
import {
  privatePostgresUnavailable,
  startPrivatePostgres,
  startService,
  waitFor,
  type PrivatePostgres,
  type ServiceProcess,
} from './helpers/private-services.ts';

const skipReason = privatePostgresUnavailable();
if (skipReason) console.warn(`db-outage.test.ts skipped: ${skipReason}`);

const CLIENTS = 20;
const RECORDS_PER_BATCH = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  t: number;
  status: number | 'CONNECTION_ERROR';
  code?: string;
  retryAfter?: string | null;
}

interface Window {
  name: string;
  from: number;
  to: number;
  /** When the database accepted connections again (outages only). */
  dbBackAt?: number;
  /** When the service answered a read with 200 again. */
  serviceBackAt?: number;
}

describe.skipIf(!!skipReason)('database outages under load (private PostgreSQL, service as a separate process)', () => {
  let cluster: PrivatePostgres | undefined;
  let svc: ServiceProcess | undefined;
  const keys: string[] = [];

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    await cluster.query('CREATE DATABASE vc');
    const db = await openDatabase({ kind: 'postgres', url: cluster.url('vc'), poolSize: 4 });
    try {
      await migrate(db);
      await loadFixtures(db);
      for (let i = 0; i < CLIENTS; i++) {
        keys.push((await createApiKey({ db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'acme', label: `outage client ${i}` })).key);
      }
    } finally {
      await db.close();
    }
    svc = await startService({
      DATABASE_URL: cluster.url('vc'),
      SEED_ON_START: 'false',
      RATE_LIMIT_ENABLED: 'false',
      RESPONSE_CACHE: 'false',
      DB_POOL_SIZE: '10',
    });
  });

  afterAll(async () => {
    await svc?.stop();
    await cluster?.destroy();
  });

  it('never exits, answers 503 DATABASE_UNAVAILABLE during outages, recovers by itself, loses and duplicates nothing', async () => {
    assert.ok(cluster && svc);
    const c = cluster;
    const s = svc;
    const answers: Answer[] = [];
    const unexpected: Array<{ status: number; body: string }> = [];
    const acked = new Set<string>();
    let stopping = false;
    let ackedSinceMark = 0;

    const readAnswer = async (res: Response): Promise<{ body: any; text: string }> => {
      const text = await res.text();
      try {
        return { body: JSON.parse(text), text };
      } catch {
        return { body: undefined, text };
      }
    };

    async function client(n: number): Promise<void> {
      for (let b = 0; !stopping; b++) {
        const notes = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => `outage c${n} b${b} r${i}`);
        const records = notes.map((note) => goodRecord({ evidence: { notes: note, date: '2024-05-01' } }));
        const payload = JSON.stringify({ query: SUBMIT, variables: { records, key: `c${n}-b${b}` } });
        for (let attempt = 1; ; attempt++) {
          let res: Response;
          try {
            res = await fetch(`${s.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[n]}` },
              body: payload,
              signal: AbortSignal.timeout(120_000),
            });
          } catch {
            answers.push({ t: Date.now(), status: 'CONNECTION_ERROR' });
            await sleep(Math.min(2000, 100 * attempt));
            continue;
          }
          const { body, text } = await readAnswer(res);
          const code = body?.errors?.[0]?.extensions?.code as string | undefined;
          answers.push({ t: Date.now(), status: res.status, code, retryAfter: res.headers.get('retry-after') });
          if (res.status === 200 && body?.data?.submitCompatibilityRecords?.ok === true) {
            for (const note of notes) acked.add(note);
            ackedSinceMark++;
            break;
          }
          if (res.status === 503 || code === 'DATABASE_UNAVAILABLE') {
            await sleep(Math.min(2000, 100 * attempt + Math.random() * 100));
            continue;
          }
          unexpected.push({ status: res.status, body: text.slice(0, 500) });
          return;
        }
      }
    }

    // /readyz, polled throughout.
    const ready: Array<{ t: number; status: number }> = [];
    const readyPoller = (async () => {
      while (!stopping) {
        try {
          const res = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(30_000) });
          await res.text();
          ready.push({ t: Date.now(), status: res.status });
        } catch {
          ready.push({ t: Date.now(), status: 0 });
        }
        await sleep(100);
      }
    })();

    const serviceAnswersRead = async () => {
      const res = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ guestOS(shortId: "acmeos1") { id } }' }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { data?: { guestOS?: { id: string } } };
      return res.status === 200 && body.data?.guestOS?.id ? true : undefined;
    };
    const progress = async (n: number, what: string) => {
      ackedSinceMark = 0;
      const until = Date.now() + 300_000;
      while (ackedSinceMark < n) {
        if (unexpected.length) throw new Error(`unexpected answers ${what}: ${JSON.stringify(unexpected.slice(0, 3))}`);
        if (s.exited) throw new Error(`the service exited ${what}: ${JSON.stringify(s.exited)}\n${s.stderrTail()}`);
        if (Date.now() > until) throw new Error(`timed out waiting for ${n} acknowledged batches ${what}`);
        await sleep(50);
      }
    };
    const dbAccepts = async () => ((await c.accepts()) ? true : undefined);

    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
    const windows: Window[] = [];
    let faults = 0;

    // (a) backends terminated mid-transaction, several rounds.
    await progress(CLIENTS, 'before the first fault');
    const aFrom = Date.now();
    let inTransaction = 0;
    let terminated = 0;
    for (let round = 0; round < 8 || inTransaction < 3; round++) {
      await waitFor(
        'a service backend inside a transaction',
        async () => {
          const [r] = await c.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'vc' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
          );
          return r && r.n > 0 ? true : undefined;
        },
        300_000,
        5,
      );
      const [r] = await c.query<{ in_tx: number; killed: number }>(
        `SELECT count(*) FILTER (WHERE xact_start IS NOT NULL)::int AS in_tx, count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS killed
           FROM pg_stat_activity WHERE datname = 'vc' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      inTransaction += r?.in_tx ?? 0;
      terminated += r?.killed ?? 0;
      faults++;
      await progress(3, 'after a termination round');
      if (round > 40) break;
    }
    windows.push({
      name: `(a) ${faults} rounds of pg_terminate_backend: ${terminated} backends, ${inTransaction} inside a transaction`,
      from: aFrom,
      to: Date.now(),
    });
    assert.ok(inTransaction >= 1, 'no backend was terminated mid-transaction');

    // (b) fast restart.
    await progress(CLIENTS, 'before the fast restart');
    const bFrom = Date.now();
    await c.restart('fast');
    await waitFor('the database to accept connections after the restart', dbAccepts, 300_000, 20);
    const bDb = Date.now();
    await waitFor('the service to answer after the restart', serviceAnswersRead, 300_000, 20);
    windows.push({ name: '(b) pg_ctl restart -m fast', from: bFrom, to: bDb, dbBackAt: bDb, serviceBackAt: Date.now() });
    faults++;

    // (c) immediate stop, then start.
    await progress(CLIENTS, 'before the immediate stop');
    const cFrom = Date.now();
    await c.stop('immediate');
    const outageAnswersAt = answers.length;
    await waitFor(
      '/readyz to turn unready',
      async () => (ready.some((x) => x.t > cFrom && x.status === 503) ? true : undefined),
      300_000,
      20,
    );
    await waitFor(
      'client requests to be answered during the outage',
      async () => (answers.slice(outageAnswersAt).filter((a) => a.status === 503).length >= CLIENTS ? true : undefined),
      300_000,
      20,
    );
    await c.start();
    await waitFor('the database to accept connections after the start', dbAccepts, 300_000, 20);
    const cDb = Date.now();
    await waitFor('the service to answer after the start', serviceAnswersRead, 300_000, 20);
    windows.push({ name: '(c) pg_ctl stop -m immediate, then start', from: cFrom, to: cDb, dbBackAt: cDb, serviceBackAt: Date.now() });
    faults++;
    await waitFor(
      '/readyz to turn ready again',
      async () => (ready.some((x) => x.t > cDb && x.status === 200) ? true : undefined),
      300_000,
      20,
    );

    await progress(CLIENTS, 'after the last fault');
    stopping = true;
    await Promise.all(clients);
    await readyPoller;

    // The figures.
    const describeAnswers = (xs: Answer[]) => {
      const m = new Map<string, number>();
      for (const a of xs) {
        const k =
          a.status === 200
            ? '200'
            : `${a.status}${a.code ? ` ${a.code}` : ''}${a.status === 503 ? (a.retryAfter ? ' (Retry-After)' : ' (no Retry-After)') : ''}`;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return [...m].map(([k, v]) => `${v} × ${k}`).join(', ') || 'none';
    };
    const rows = await c.query<{ notes: string; n: number }>(
      `SELECT "evidenceNotes" AS notes, count(*)::int AS n FROM "CompatibilityRecord" WHERE "evidenceNotes" LIKE 'outage %' GROUP BY 1`,
      [],
      'vc',
    );
    const stored = new Map(rows.map((r) => [r.notes, r.n]));
    const present = [...acked].filter((n) => (stored.get(n) ?? 0) >= 1).length;
    const duplicated = rows.filter((r) => r.n > 1).length;
    const summary = [
      `faults survived: ${faults} (service process exited: ${s.exited ? JSON.stringify(s.exited) : 'no'})`,
      ...windows.map((w) => {
        const during = answers.filter((a) => a.t >= w.from && a.t <= w.to);
        const back =
          w.dbBackAt && w.serviceBackAt
            ? `; service answered ${w.serviceBackAt - w.dbBackAt} ms after the database accepted connections`
            : '';
        return `${w.name}: ${w.to - w.from} ms, ${during.length} requests answered: ${describeAnswers(during)}${back}`;
      }),
      `/readyz during (c): ${[...new Set(ready.filter((x) => x.t >= cFrom).map((x) => x.status))].join(' → ')}`,
      `all answers: ${describeAnswers(answers)}`,
      `records acknowledged ${acked.size}, present ${present}, duplicated ${duplicated} (stored in all: ${rows.length})`,
    ];
    console.log(`db-outage figures:\n  ${summary.join('\n  ')}`);

    expect(s.exited).toBeNull();
    expect(unexpected).toEqual([]);
    const bad = answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.code === 'DATABASE_UNAVAILABLE' && a.retryAfter));
    expect(bad.filter((a) => a.status !== 'CONNECTION_ERROR')).toEqual([]);
    // The service itself stayed up: no request failed to connect to it.
    expect(bad.length).toBe(0);
    const cWindow = answers.filter((a) => a.t >= cFrom && a.t <= cDb);
    expect(cWindow.some((a) => a.status === 503)).toBe(true);
    // /readyz: ready before, 503 during, 200 after, without a restart of the service.
    const cReady = ready.filter((x) => x.t >= cFrom).map((x) => x.status);
    const firstDown = cReady.indexOf(503);
    expect(firstDown).toBeGreaterThanOrEqual(0);
    expect(cReady.slice(firstDown).includes(200)).toBe(true);
    for (const w of windows) if (w.dbBackAt && w.serviceBackAt) expect(w.serviceBackAt - w.dbBackAt).toBeLessThan(5000);
    expect(acked.size).toBeGreaterThan(0);
    expect(present).toBe(acked.size);
    expect(duplicated).toBe(0);
  });

  it('the submit CLI retries DATABASE_UNAVAILABLE through an outage, and a second run reports the batch stored', async () => {
    assert.ok(cluster && svc);
    const c = cluster;
    const s = svc;
    const dir = mkdtempSync(join(tmpdir(), 'vc-submit-'));
    const file = join(dir, 'records.json');
    const notes = ['outage cli r0', 'outage cli r1'];
    writeFileSync(file, JSON.stringify(notes.map((note) => goodRecord({ evidence: { notes: note, date: '2024-05-01' } }))));
    const submit = () => {
      const p = spawn(
        process.execPath,
        [resolve(import.meta.dirname, '../bin/virtcompat.mjs'), 'submit', file, '--key', keys[0] ?? '', '--service', `${s.url}/graphql`],
        {
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const out = { stdout: '', stderr: '', code: null as number | null };
      p.stdout.on('data', (b: Buffer) => (out.stdout += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
      const done = new Promise<typeof out>((r) => p.once('exit', (code) => r({ ...out, code })));
      return { out, done };
    };
    try {
      await c.stop('immediate');
      const first = submit();
      try {
        await waitFor(
          'the CLI to be told DATABASE_UNAVAILABLE',
          async () => (/DATABASE_UNAVAILABLE/.test(first.out.stderr) ? true : undefined),
          300_000,
          50,
        );
      } finally {
        await c.start();
      }
      const r1 = await first.done;
      console.log(`submit during an outage: exit ${r1.code}\n${r1.stderr.trim()}\n${r1.stdout.trim()}`);
      expect(r1.code).toBe(0);
      expect(r1.stdout).toMatch(/2 new/);
      const r2 = await submit().done;
      expect(r2.code).toBe(0);
      expect(r2.stdout).toMatch(/1 batch\(es\) stored by an earlier run/);
      const rows = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "CompatibilityRecord" WHERE "evidenceNotes" = ANY($1::text[])`,
        [notes],
        'vc',
      );
      expect(rows[0]?.n).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
