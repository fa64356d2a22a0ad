// Facts from the compatibility service over GraphQL (HTTP POST, JSON), with a local snapshot.
// I/O lives here (and in probe.ts); decide() never sees where the facts came from except through
// the provenance it copies into the plan.
//
// Snapshot: a folder with meta.json (service, catalogue version, change cursor) and one file per
// guest+hypervisor answer, so a warm plan reads one small file. Refresh is incremental: when the
// catalogue version moved, the change feed (if the service has it) says whether anything this answer
// rests on changed; only then is the planning operation sent again. When the service is unreachable or
// slow the snapshot is used and the plan says so; with no snapshot the error says what to do.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planningDataFromCatalogue } from './catalogue.ts';
import { normalizeFacts, type FactsProvenance, type PlanningFacts } from './facts.ts';
import { sha256Hex } from '../util/sha256.ts';
import { CHANGES_QUERY, guestVariables, PLANNING_QUERY, persistedHash, VERSION_QUERY } from './query.ts';

export const SNAPSHOT_SCHEMA = 'virtcompat-snapshot/1';
export const DEFAULT_SERVICE = 'http://127.0.0.1:4000/graphql';

export type FactsErrorCode =
  | 'SERVICE_UNREACHABLE'
  | 'NO_SNAPSHOT'
  | 'GUEST_NOT_FOUND'
  | 'HYPERVISOR_NOT_FOUND'
  | 'SERVICE_ERROR'
  | 'SNAPSHOT_CORRUPT';

export class FactsError extends Error {
  override name = 'FactsError';
  readonly code: FactsErrorCode;
  constructor(code: FactsErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface FetchFactsOptions {
  service: string;
  guest: string; // id or short id
  hypervisor: string; // key
  snapshotDir: string;
  /** Per-request time limit; the snapshot is used when the service is slower (default 3 s, 30 s with no snapshot). */
  timeoutMs?: number;
  /** Plan from the snapshot only. */
  offline?: boolean;
  /** A snapshot older than this gives a warning. */
  maxAgeSeconds?: number;
  now?: () => Date;
  /** Injected for tests of timeouts/unreachable services; defaults to global fetch. */
  fetchImpl?: typeof fetch;
}

export interface FetchFactsResult {
  facts: PlanningFacts;
  provenance: FactsProvenance;
  /** Requests sent to the service, for tests and benchmarks. */
  requests: { operation: string; persistedHit: boolean }[];
}

interface SnapshotMeta {
  schema: typeof SNAPSHOT_SCHEMA;
  service: string;
  catalogueVersion: string;
  cursor: string | null;
  checkedAt: string;
}

interface SnapshotEntry {
  schema: typeof SNAPSHOT_SCHEMA;
  service: string;
  key: { guest: string; hypervisor: string };
  catalogueVersion: string;
  fetchedAt: string;
  /** When the entry was last confirmed current against the service. */
  checkedAt: string;
  /** Catalogue ids this answer rests on (guest and ancestors, devices, releases, features). */
  entities: string[];
  data: Record<string, unknown>;
}

// Keyed by what is planned, not by where it came from: `--offline` (or a service that is down) finds
// the entry whichever --service URL is given or defaulted; the entry records its service, and an
// online lookup against another service refetches.
function entryPath(dir: string, guest: string, hypervisor: string): string {
  const h = sha256Hex(`${hypervisor}\n${guest}`).slice(0, 24);
  return join(dir, 'facts', `${hypervisor.replace(/[^a-z0-9-]/gi, '_')}-${guest.replace(/[^a-z0-9.-]/gi, '_').slice(-40)}-${h}.json`);
}

function readJson<T>(path: string): T | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new FactsError('SNAPSHOT_CORRUPT', `snapshot file ${path} is not valid JSON; delete it and plan online once`);
  }
}

function writeJsonAtomic(path: string, value: unknown) {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

/**
 * Stores a planning answer (the `data` of the planning operation) in the snapshot, as if fetched from
 * `service` at `fetchedAt`: for shipping facts to machines that never reach the service, and for tests.
 */
export function writeSnapshotEntry(
  dir: string,
  service: string,
  guest: string,
  hypervisor: string,
  data: Record<string, unknown>,
  fetchedAt: Date,
): string {
  normalizeFacts(data); // refuse what the planner could not read
  const path = entryPath(dir, guest, hypervisor);
  const t = fetchedAt.toISOString();
  writeJsonAtomic(path, {
    schema: SNAPSHOT_SCHEMA,
    service,
    key: { guest, hypervisor },
    catalogueVersion: String(data.catalogueVersion ?? 'unknown'),
    fetchedAt: t,
    checkedAt: t,
    entities: entitiesOf(data),
    data,
  } satisfies SnapshotEntry);
  return path;
}

/** Every catalogue id the planning answer mentions: what a change must touch to make it stale. */
export function entitiesOf(data: Record<string, unknown>): string[] {
  const ids = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if ((k === 'id' || k === 'key') && typeof x === 'string') ids.add(x);
        else walk(x);
      }
    }
  };
  walk(data);
  return [...ids].sort();
}

class ServiceDown extends Error {}
class RateLimited extends ServiceDown {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

interface GqlResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export class GraphQLClient {
  readonly requests: { operation: string; persistedHit: boolean }[] = [];
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private async post(body: unknown): Promise<GqlResponse> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError')
        throw new ServiceDown(`${this.url} did not answer within ${this.timeoutMs} ms`);
      throw new ServiceDown(`${this.url} is unreachable: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
    }
    let json: GqlResponse;
    try {
      json = (await res.json()) as GqlResponse;
    } catch {
      throw new ServiceDown(`${this.url} answered HTTP ${res.status} without a GraphQL body`);
    }
    const limited = res.status === 429 || json.errors?.some((e) => e.extensions?.code === 'RATE_LIMITED');
    if (limited) {
      const ext = json.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED')?.extensions as { retryAfter?: number } | undefined;
      const retryAfter = Number(res.headers.get('retry-after') ?? ext?.retryAfter ?? NaN);
      throw new RateLimited(
        `${this.url} is rate limiting this client (retry in ${Number.isFinite(retryAfter) ? `${retryAfter} s` : 'a while'})`,
        Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
      );
    }
    if (res.status >= 500 && !json.data)
      throw new ServiceDown(`${this.url} answered HTTP ${res.status}: ${json.errors?.[0]?.message ?? ''}`);
    return json;
  }

  /** post, waiting out one rate-limit refusal when the wait fits in the time limit. */
  private async postPatiently(body: unknown): Promise<GqlResponse> {
    try {
      return await this.post(body);
    } catch (err) {
      if (err instanceof RateLimited && err.retryAfterMs !== null && err.retryAfterMs <= this.timeoutMs) {
        await new Promise((r) => setTimeout(r, err.retryAfterMs!));
        return this.post(body);
      }
      throw err;
    }
  }

  /** Automatic persisted query: the hash alone first, the text too when the service does not know it yet. */
  async request(operation: string, query: string, hash: string, variables: Record<string, unknown>): Promise<GqlResponse> {
    const ext = { persistedQuery: { version: 1, sha256Hash: hash } };
    const first = await this.postPatiently({ operationName: operation, variables, extensions: ext });
    const notFound = first.errors?.some(
      (e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND' || e.message === 'PersistedQueryNotFound',
    );
    const unsupported = first.errors?.some(
      (e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_SUPPORTED' || /must provide (a )?query/i.test(e.message),
    );
    if (!notFound && !unsupported) {
      this.requests.push({ operation, persistedHit: true });
      return first;
    }
    this.requests.push({ operation, persistedHit: false });
    return this.postPatiently({ operationName: operation, query, variables, extensions: unsupported ? undefined : ext });
  }
}

function serviceErrorToFacts(errs: GqlResponse['errors'], opts: FetchFactsOptions): FactsError {
  const msg = errs?.map((e) => `${e.message}${e.extensions?.code ? ` [${e.extensions.code}]` : ''}`).join('; ') ?? 'no data';
  return new FactsError('SERVICE_ERROR', `${opts.service} rejected the planning query: ${msg}`);
}

/** Fetches planning facts, using and refreshing the local snapshot. */
export async function fetchFacts(opts: FetchFactsOptions): Promise<FetchFactsResult> {
  const now = opts.now ?? (() => new Date());
  const maxAge = opts.maxAgeSeconds ?? 7 * 24 * 3600;
  const path = entryPath(opts.snapshotDir, opts.guest, opts.hypervisor);
  const metaPath = join(opts.snapshotDir, 'meta.json');
  // A corrupt entry blocks nothing while the service answers: it is refetched and overwritten. It
  // is reported only when the snapshot is all there is (offline, or the service is down).
  let entry: SnapshotEntry | null = null;
  let corrupt: FactsError | null = null;
  try {
    entry = readJson<SnapshotEntry>(path);
    if (
      entry &&
      (entry.schema !== SNAPSHOT_SCHEMA || !entry.data || typeof entry.catalogueVersion !== 'string' || !Array.isArray(entry.entities))
    ) {
      throw new FactsError('SNAPSHOT_CORRUPT', `snapshot file ${path} has an unknown layout; delete it`);
    }
  } catch (err) {
    if (!(err instanceof FactsError)) throw err;
    entry = null;
    corrupt = err;
  }
  // With a snapshot to fall back to, a slow service is not waited for long; without one, waiting is the only
  // way to a plan (a loaded machine, a service still starting), so the limit is generous.
  const timeoutMs = opts.timeoutMs ?? (entry ? 3000 : 30000);
  const client = new GraphQLClient(opts.service, timeoutMs, opts.fetchImpl);

  const fromSnapshot = (fallbackReason: string): FetchFactsResult => {
    if (corrupt) throw new FactsError('SNAPSHOT_CORRUPT', `${fallbackReason}, and ${corrupt.message}`);
    // no answer of its own for this guest and hypervisor: the whole catalogue, when this runtime keeps one
    const held = entry ? null : planningDataFromCatalogue(opts.snapshotDir, opts.guest, opts.hypervisor);
    if (held) {
      const ageSeconds = Math.max(0, Math.round((now().getTime() - Date.parse(held.index.checkedAt)) / 1000));
      const warnings = [
        `facts from the local catalogue snapshot (${fallbackReason}), catalogue ${held.index.version}, last confirmed ${held.index.checkedAt}`,
      ];
      if (ageSeconds > maxAge)
        warnings.push(`the snapshot is ${formatAge(ageSeconds)} old (older than ${formatAge(maxAge)}); facts may be stale`);
      return {
        facts: normalizeFacts(held.data),
        provenance: {
          source: 'snapshot',
          service: held.index.service,
          catalogueVersion: held.index.version,
          fetchedAt: held.index.fetchedAt,
          ageSeconds,
          fallbackReason,
          warnings,
        },
        requests: client.requests,
      };
    }
    if (!entry)
      throw new FactsError(
        'NO_SNAPSHOT',
        `${fallbackReason}, and there is no local snapshot for ${opts.guest} on ${opts.hypervisor} in ${opts.snapshotDir}; plan once with the service reachable (--service URL) to create it`,
      );
    const ageSeconds = Math.max(0, Math.round((now().getTime() - Date.parse(entry.checkedAt)) / 1000));
    const warnings = [
      `facts from the local snapshot (${fallbackReason}), catalogue ${entry.catalogueVersion}, last confirmed ${entry.checkedAt}`,
    ];
    if (ageSeconds > maxAge)
      warnings.push(`the snapshot is ${formatAge(ageSeconds)} old (older than ${formatAge(maxAge)}); facts may be stale`);
    return {
      facts: normalizeFacts(entry.data),
      provenance: {
        source: 'snapshot',
        service: entry.service,
        catalogueVersion: entry.catalogueVersion,
        fetchedAt: entry.fetchedAt,
        ageSeconds,
        fallbackReason,
        warnings,
      },
      requests: client.requests,
    };
  };

  if (opts.offline) return fromSnapshot('--offline');

  const save = (data: Record<string, unknown>, version: string, fetchedAt: string) => {
    const t = now().toISOString();
    writeJsonAtomic(path, {
      schema: SNAPSHOT_SCHEMA,
      service: opts.service,
      key: { guest: opts.guest, hypervisor: opts.hypervisor },
      catalogueVersion: version,
      fetchedAt,
      checkedAt: t,
      entities: entitiesOf(data),
      data,
    } satisfies SnapshotEntry);
  };
  const online = (data: Record<string, unknown>, fetchedAt: string): FetchFactsResult => ({
    facts: normalizeFacts(data),
    provenance: {
      source: 'service',
      service: opts.service,
      catalogueVersion: String(data.catalogueVersion),
      fetchedAt,
      ageSeconds: 0,
      fallbackReason: null,
      warnings: [],
    },
    requests: client.requests,
  });

  try {
    if (entry && entry.service === opts.service) {
      // Is the entry still current? One cheap operation, then the change feed if the version moved.
      const v = await client.request('VirtcompatCatalogueVersion', VERSION_QUERY, persistedHash(VERSION_QUERY), {});
      const version = v.data?.catalogueVersion;
      if (typeof version !== 'string') throw serviceErrorToFacts(v.errors, opts);
      let stale = version !== entry.catalogueVersion;
      if (stale) {
        // catalogueVersion is `<last change seq>.<last import>`: with no import in between, the change
        // feed after our seq says whether anything this answer rests on changed.
        const [oldSeq, oldImport] = entry.catalogueVersion.split('.');
        const [, newImport] = version.split('.');
        if (oldSeq !== undefined && oldImport === newImport && /^\d+$/.test(oldSeq)) {
          const feed = await readChanges(client, oldSeq, new Set(entry.entities)).catch(() => null);
          if (feed && !feed.touches) stale = false;
        }
      }
      if (!stale) {
        const t = now().toISOString();
        writeJsonAtomic(path, { ...entry, catalogueVersion: version, checkedAt: t });
        writeJsonAtomic(metaPath, {
          schema: SNAPSHOT_SCHEMA,
          service: opts.service,
          catalogueVersion: version,
          cursor: version.split('.')[0] ?? null,
          checkedAt: t,
        } satisfies SnapshotMeta);
        return {
          facts: normalizeFacts(entry.data),
          provenance: {
            source: 'service',
            service: opts.service,
            catalogueVersion: version,
            fetchedAt: entry.fetchedAt,
            ageSeconds: 0,
            fallbackReason: null,
            warnings: [],
          },
          requests: client.requests,
        };
      }
    }
    const r = await client.request('VirtcompatPlanningFacts', PLANNING_QUERY, persistedHash(PLANNING_QUERY), {
      ...guestVariables(opts.guest),
      hypervisor: opts.hypervisor,
    });
    if (!r.data) throw serviceErrorToFacts(r.errors, opts);
    if (r.data.guestOS === null) {
      // The service names the closest guests it has (extensions.suggestions of GUEST_OS_NOT_FOUND).
      const near =
        (r.errors?.find((e) => e.extensions?.code === 'GUEST_OS_NOT_FOUND')?.extensions as { suggestions?: string[] } | undefined)
          ?.suggestions ?? [];
      throw new FactsError(
        'GUEST_NOT_FOUND',
        `the catalogue at ${opts.service} has no guest OS '${opts.guest}'${near.length ? `; did you mean ${near.join(' or ')}?` : ''}`,
      );
    }
    if (r.data.hypervisor === null)
      throw new FactsError('HYPERVISOR_NOT_FOUND', `the catalogue at ${opts.service} has no hypervisor '${opts.hypervisor}'`);
    if (r.errors?.length) throw serviceErrorToFacts(r.errors, opts);
    const fetchedAt = now().toISOString();
    const version = String(r.data.catalogueVersion);
    const result = online(r.data, fetchedAt);
    save(r.data, version, fetchedAt);
    writeJsonAtomic(metaPath, {
      schema: SNAPSHOT_SCHEMA,
      service: opts.service,
      catalogueVersion: version,
      cursor: version.split('.')[0] ?? null,
      checkedAt: fetchedAt,
    } satisfies SnapshotMeta);
    return result;
  } catch (err) {
    if (err instanceof ServiceDown) return fromSnapshot(err.message);
    throw err;
  }
}

/** Walks the change feed after `cursor`; `touches` when a change names an entity the entry rests on. */
async function readChanges(
  client: GraphQLClient,
  cursor: string,
  entities: Set<string>,
): Promise<{ touches: boolean; cursor: string } | null> {
  let after = cursor;
  for (let page = 0; page < 20; page++) {
    const r = await client.request('VirtcompatChanges', CHANGES_QUERY, persistedHash(CHANGES_QUERY), { after, first: 500 });
    type Edge = { cursor: string; node: { entityId: string; guestIds?: string[]; hypervisorReleaseIds?: string[] } };
    const ch = r.data?.changes as { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | undefined;
    if (!ch || r.errors?.length) return null; // no change feed (or it rejects the cursor): refetch
    for (const e of ch.edges) {
      const named = [e.node.entityId, ...(e.node.guestIds ?? []), ...(e.node.hypervisorReleaseIds ?? [])];
      if (named.some((id) => entities.has(id))) return { touches: true, cursor: e.cursor };
    }
    after = ch.pageInfo.endCursor ?? after;
    if (!ch.pageInfo.hasNextPage) return { touches: false, cursor: after };
  }
  return null; // too many changes: refetch
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}
