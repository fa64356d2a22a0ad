// `virtcompat submit FILE`: bulk submission of compatibility records over GraphQL, in batches no
// larger than the service allows. Each batch carries an idempotency key derived from the file's
// content and the batch's position, so running the same command again after an interruption
// replays the batches that got through (nothing written twice) and sends the rest.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Command, CliIO } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';

const DEFAULT_SERVICE = 'http://127.0.0.1:4000/graphql';
const FIELDS = new Set([
  'guest',
  'hypervisorRelease',
  'hostFeature',
  'device',
  'status',
  'backend',
  'testedDevices',
  'evidence',
  'supersedes',
]);
const EVIDENCE_FIELDS = new Set(['url', 'notes', 'date']);

const SUBMIT = `mutation Submit($records: [CompatibilityRecordInput!]!, $key: String!) {
  submitCompatibilityRecords(records: $records, idempotencyKey: $key) {
    ok replayed
    records { index duplicate record { id } }
    inputErrors { recordIndex path message code }
  }
}`;

interface InputError {
  recordIndex: number | null;
  path: string[];
  message: string;
  code: string;
}

interface SubmitResult {
  ok: boolean;
  replayed: boolean;
  records: Array<{ index: number; duplicate: boolean; record: { id: string } }>;
  inputErrors: InputError[];
}

interface GqlError {
  message: string;
  extensions?: { code?: string; retryAfter?: number; max?: number };
}

/** Parses the file (JSON or YAML): a list of records, or `{ records: [...] }`; checks field names. */
export function readRecords(text: string, name: string): Array<Record<string, unknown>> {
  let doc: unknown;
  const json = /\.json$/i.test(name);
  try {
    doc = json ? JSON.parse(text) : parseYaml(text, { strict: true, uniqueKeys: true });
  } catch (err) {
    throw new Error(`${name}: not valid ${json ? 'JSON' : 'YAML/JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { records?: unknown } | null)?.records;
  if (!Array.isArray(list)) throw new Error(`${name}: expected a list of records, or an object with a "records" list`);
  const problems: string[] = [];
  list.forEach((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      problems.push(`record ${i}: expected an object`);
      return;
    }
    for (const k of Object.keys(r))
      if (!FIELDS.has(k)) problems.push(`record ${i}: unknown field ${JSON.stringify(k)} (fields: ${[...FIELDS].join(', ')})`);
    const ev = (r as { evidence?: unknown }).evidence;
    if (ev != null) {
      if (typeof ev !== 'object' || Array.isArray(ev)) problems.push(`record ${i}: evidence must be an object with url, notes, date`);
      else
        for (const k of Object.keys(ev))
          if (!EVIDENCE_FIELDS.has(k)) problems.push(`record ${i}: unknown evidence field ${JSON.stringify(k)}`);
      // YAML reads an unquoted 2024-05-01 as a string with the default schema; a Date would come from a custom tag.
      const d = (ev as { date?: unknown }).date;
      if (d instanceof Date) (ev as { date?: unknown }).date = d.toISOString().slice(0, 10);
    }
  });
  if (problems.length) {
    const shown = problems.slice(0, 20);
    throw new Error(
      `${name}: ${problems.length} problem(s):\n  ${shown.join('\n  ')}${problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : ''}`,
    );
  }
  return list as Array<Record<string, unknown>>;
}

/** Deterministic per file content, batch size and position: a rerun resumes without duplicates. */
export function batchKey(fileHash: string, batchSize: number, index: number): string {
  return `submit-${fileHash}-${batchSize}-${index}`;
}

class Stop extends Error {}

interface Progress {
  update(done: number, total: number, records: number, totalRecords: number, note?: string): void;
  line(s: string): void;
  end(): void;
}

function progress(io: CliIO, quiet: boolean): Progress {
  const tty = !!io.stderr.isTTY;
  let drawn = false;
  return {
    update(done, total, records, totalRecords, note) {
      if (quiet) return;
      if (tty) {
        const width = 30;
        const fill = total ? Math.round((done / total) * width) : width;
        io.stderr.write(
          `\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} batches, ${records}/${totalRecords} records${note ? ` ${note}` : ''}\x1b[K`,
        );
        drawn = true;
      } else {
        io.stderr.write(`batch ${done}/${total}: ${records}/${totalRecords} records${note ? ` (${note})` : ''}\n`);
      }
    },
    line(s) {
      if (drawn) io.stderr.write('\n');
      drawn = false;
      io.stderr.write(s + '\n');
    },
    end() {
      if (drawn) io.stderr.write('\n');
      drawn = false;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const command: Command = {
  name: 'submit',
  summary: 'bulk-submit compatibility records from a JSON/YAML file (resumable)',
  usage: `Usage: virtcompat submit FILE [--key KEY] [--service URL] [--batch-size N] [--retries N] [--keep-going] [--json] [--quiet]

Sends the records in FILE (JSON or YAML: a list, or { records: [...] }) to the service in
batches, each all-or-nothing, with an idempotency key made from the file's content and the
batch's position. If the run is interrupted, run the same command again: batches that got
through are answered from the service's record of them (nothing is written twice), the rest
are sent. Records start PENDING until a maintainer reviews them.

A record: { guest, hypervisorRelease, status, hostFeature?, device?, backend?,
            testedDevices?: [device ids], evidence?: { url?, notes?, date? }, supersedes? }
(guest: id or short id; hypervisorRelease: id or key:version; CERTIFIED needs evidence).

Options:
  --key KEY         a submitter API key (default $VIRTCOMPAT_API_KEY)
  --service URL     GraphQL endpoint (default $VIRTCOMPAT_SERVICE or ${DEFAULT_SERVICE})
  --batch-size N    records per request (default: the service's maximum, at most 500)
  --retries N       retries per batch on network errors, 5xx answers and DATABASE_UNAVAILABLE (default 8);
                    rate-limit answers are waited out as the service asks
  --keep-going      report batches with input errors and go on with the next ones
  --json            print the summary as JSON on stdout
  --quiet           no progress on stderr

Exit codes: 0 all records stored, 1 something was not stored (see stderr), 2 usage.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        key: { type: 'string' },
        service: { type: 'string' },
        'batch-size': { type: 'string' },
        retries: { type: 'string' },
        'keep-going': { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      true,
    );
    const [file] = positionals;
    if (positionals.length !== 1 || file === undefined) throw new UsageError('give exactly one FILE');
    const env = (await import('../env.ts')).clientEnv(io.env);
    const apiKey = values.key ?? env.apiKey;
    if (!apiKey) throw new UsageError('give --key or set VIRTCOMPAT_API_KEY');
    const service = values.service ?? env.service;
    try {
      new URL(service);
    } catch {
      throw new UsageError(`--service: not a URL: ${service}`);
    }
    const num = (v: string | undefined, name: string, min: number, max: number) => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
        throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
      return Number(v);
    };
    const wantBatch = num(values['batch-size'], 'batch-size', 1, 100_000);
    const retries = num(values.retries, 'retries', 0, 100) ?? 8;

    // A missing or unreadable FILE is a usage error (exit 2), as in every command; records the
    // file gets wrong are input errors (exit 1), as the service's own answers are.
    const path = resolve(io.cwd, file);
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    let records: Array<Record<string, unknown>>;
    try {
      records = readRecords(content, file);
    } catch (err) {
      io.stderr.write(`virtcompat submit: ${(err as Error).message}\n`);
      return 1;
    }
    const fileHash = createHash('sha256').update(content).digest('hex').slice(0, 16);
    const show = progress(io, !!values.quiet);

    async function call<T>(query: string, variables: Record<string, unknown>, label: string): Promise<T> {
      let failures = 0;
      for (;;) {
        let res: Response;
        try {
          res = await fetch(service, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` },
            body: JSON.stringify({ query, variables }),
            signal: AbortSignal.timeout(120_000),
          });
        } catch (err) {
          if (++failures > retries)
            throw new Stop(`${label}: ${service} unreachable: ${(err as Error).message} (gave up after ${retries} retries)`);
          show.line(`${label}: ${(err as Error).message}; retry ${failures}/${retries}`);
          await sleep(Math.min(30_000, 500 * 2 ** (failures - 1)));
          continue;
        }
        const text = await res.text();
        let body: { data?: T; errors?: GqlError[] } | undefined;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const err0 = body?.errors?.[0];
        const code = err0?.extensions?.code;
        if (res.status === 429 || code === 'RATE_LIMITED') {
          const wait = Number(res.headers.get('retry-after') ?? err0?.extensions?.retryAfter ?? 1);
          show.line(`${label}: rate limited; waiting ${wait} s as the service asks`);
          await sleep(Math.max(1, wait) * 1000);
          continue;
        }
        // DATABASE_UNAVAILABLE (503 with Retry-After): the service is up, its database is not; the
        // same batch with the same idempotency key is safe to send again (a stored one replays).
        if (res.status >= 500 || !body || code === 'DATABASE_UNAVAILABLE') {
          if (++failures > retries)
            throw new Stop(
              `${label}: the service answered ${res.status}${err0 ? `: ${err0.message}` : ''} (gave up after ${retries} retries)`,
            );
          const asked = Number(res.headers.get('retry-after'));
          const wait = Math.min(30_000, Math.max(500 * 2 ** (failures - 1), Number.isFinite(asked) ? asked * 1000 : 0));
          show.line(
            `${label}: the service answered ${res.status}${code ? ` ${code}` : ''}; retry ${failures}/${retries} in ${Math.round(wait / 100) / 10} s`,
          );
          await sleep(wait);
          continue;
        }
        if (err0) {
          const hint =
            code === 'UNAUTHENTICATED'
              ? ' (check the key)'
              : code === 'TOO_MANY_RECORDS'
                ? ` (use --batch-size ${err0.extensions?.max ?? 'smaller'})`
                : code === 'BODY_TOO_LARGE'
                  ? ' (use a smaller --batch-size)'
                  : '';
          throw new Stop(`${label}: [${code ?? 'ERROR'}] ${err0.message}${hint}`);
        }
        return body.data as T;
      }
    }

    const summary = {
      file,
      records: records.length,
      batches: 0,
      batchSize: 0,
      created: 0,
      duplicates: 0,
      replayedBatches: 0,
      failedBatches: 0,
      inputErrors: 0,
    };
    try {
      const who = await call<{
        viewer: { role: string; vendor: { id: string } | null };
        submissionLimits: { maxRecordsPerRequest: number };
      }>(`{ viewer { role vendor { id } } submissionLimits { maxRecordsPerRequest } }`, {}, 'connect');
      if (who.viewer.role !== 'SUBMITTER' || !who.viewer.vendor) {
        throw new Stop(`the key is ${who.viewer.role.toLowerCase()}; submitting records needs a vendor's submitter key`);
      }
      const size = Math.min(wantBatch ?? 500, who.submissionLimits.maxRecordsPerRequest);
      const batches = Math.ceil(records.length / size);
      Object.assign(summary, { batches, batchSize: size });
      let sent = 0;
      show.update(0, batches, 0, records.length, `as ${who.viewer.vendor.id}`);
      for (let b = 0; b < batches; b++) {
        const start = b * size;
        const batch = records.slice(start, start + size);
        const label = `batch ${b + 1}/${batches} (records ${start}-${start + batch.length - 1})`;
        const data = await call<{ submitCompatibilityRecords: SubmitResult }>(
          SUBMIT,
          { records: batch, key: batchKey(fileHash, size, b) },
          label,
        );
        const r = data.submitCompatibilityRecords;
        sent += batch.length;
        if (!r.ok) {
          summary.failedBatches++;
          summary.inputErrors += r.inputErrors.length;
          show.line(`${label}: nothing stored, ${r.inputErrors.length} input error(s):`);
          for (const e of r.inputErrors.slice(0, 50)) {
            const at = e.recordIndex != null ? `record ${start + e.recordIndex}` : 'batch';
            show.line(`  ${at} ${e.path.slice(2).join('.') || e.path.join('.')}: [${e.code}] ${e.message}`);
          }
          if (r.inputErrors.length > 50) show.line(`  ... and ${r.inputErrors.length - 50} more`);
          if (!values['keep-going']) throw new Stop(`stopped at ${label}; fix the file and run again (stored batches are not sent twice)`);
          show.update(b + 1, batches, sent, records.length, 'input errors');
          continue;
        }
        const dup = r.records.filter((x) => x.duplicate).length;
        if (r.replayed) summary.replayedBatches++;
        else {
          summary.created += r.records.length - dup;
          summary.duplicates += dup;
        }
        show.update(
          b + 1,
          batches,
          sent,
          records.length,
          r.replayed ? 'already stored' : `${r.records.length - dup} new, ${dup} already present`,
        );
      }
      show.end();
    } catch (err) {
      show.end();
      if (!(err instanceof Stop)) throw err;
      io.stderr.write(`virtcompat submit: ${err.message}\n`);
      if (values.json) io.stdout.write(JSON.stringify({ ...summary, complete: false }, null, 2) + '\n');
      return 1;
    }
    const complete = summary.failedBatches === 0;
    if (values.json) io.stdout.write(JSON.stringify({ ...summary, complete }, null, 2) + '\n');
    else {
      io.stdout.write(
        `${summary.records} record(s) in ${summary.batches} batch(es) of up to ${summary.batchSize}: ` +
          `${summary.created} new, ${summary.duplicates} already present, ${summary.replayedBatches} batch(es) stored by an earlier run` +
          `${summary.failedBatches ? `, ${summary.failedBatches} batch(es) with ${summary.inputErrors} input error(s) not stored` : ''}.` +
          ` New records wait for review.\n`,
      );
    }
    return complete ? 0 : 1;
  },
};
