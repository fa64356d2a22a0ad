// The runtime's copy of the whole catalogue (the service's GET /snapshot, src/api/snapshot.ts), kept
// current with conditional requests and deltas, so every guest can be planned offline, not only those
// planned online before (client.ts's per-answer entries).
//
// On disk, in <snapshot dir>/catalogue/: index.json (version, service, where each guest and hypervisor
// is), one file per guest and one per hypervisor; a plan reads the index and two small files. A sync
// writes the changed files first and the index last (renamed into place), so a reader sees the old
// version or the new one.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../util/sha256.ts';

export const CATALOGUE_SCHEMA = 'virtcompat-catalogue/1';
const INDEX_SCHEMA = 'virtcompat-catalogue-index/1';

interface GuestAnswer {
  id: string;
  shortIds: string[];
  compatibilityRecords: { hypervisorRelease: { id: string } | null }[];
  [k: string]: unknown;
}
interface HypervisorAnswer {
  key: string;
  releases: { id: string }[];
  [k: string]: unknown;
}
interface SnapshotBody {
  schema: string;
  kind: 'full' | 'delta';
  version: string;
  since?: string;
  guests: GuestAnswer[];
  hypervisors: HypervisorAnswer[];
  removed?: { guests: string[]; hypervisors: string[] };
}

export interface CatalogueIndex {
  schema: typeof INDEX_SCHEMA;
  service: string;
  version: string;
  fetchedAt: string;
  checkedAt: string;
  /** guest id → file */
  guests: Record<string, string>;
  /** short id → guest id */
  shortIds: Record<string, string>;
  /** hypervisor key → file */
  hypervisors: Record<string, string>;
}

export interface SyncResult {
  /** current: the service answered 304; delta or full: that was applied. */
  outcome: 'current' | 'delta' | 'full';
  version: string;
  /** Bytes of the response body as sent (compressed). */
  bytes: number;
}

export class CatalogueError extends Error {
  override name = 'CatalogueError';
  readonly code = 'CATALOGUE_SYNC_FAILED';
}

const dirOf = (snapshotDir: string) => join(snapshotDir, 'catalogue');
const guestFile = (id: string) => `g-${sha256Hex(id).slice(0, 24)}.json`;
const hypervisorFile = (key: string) => `h-${key.replace(/[^a-z0-9-]/gi, '_')}-${sha256Hex(key).slice(0, 8)}.json`;

function writeAtomic(path: string, text: string) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** The local catalogue's index, or null when there is none (or it is not one this runtime wrote). */
export function readCatalogueIndex(snapshotDir: string): CatalogueIndex | null {
  let text: string;
  try {
    text = readFileSync(join(dirOf(snapshotDir), 'index.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    const i = JSON.parse(text) as CatalogueIndex;
    return i.schema === INDEX_SCHEMA ? i : null;
  } catch {
    return null;
  }
}

/** The service's snapshot URL next to its GraphQL endpoint (`…/graphql` → `…/snapshot`). */
export function snapshotUrl(service: string): URL {
  return new URL('snapshot', service);
}

/**
 * Brings the local catalogue up to the service's: a conditional GET with the version held (If-None-Match
 * and `since`), then a delta or the whole snapshot applied, or nothing on 304. Throws CatalogueError when
 * the service cannot be asked or answers something else.
 */
export async function syncCatalogue(opts: {
  service: string;
  snapshotDir: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  now?: () => Date;
}): Promise<SyncResult> {
  const now = opts.now ?? (() => new Date());
  const dir = dirOf(opts.snapshotDir);
  const held = readCatalogueIndex(opts.snapshotDir);
  const mine = held && held.service === opts.service ? held : null;
  const url = snapshotUrl(opts.service);
  if (mine) url.searchParams.set('since', mine.version);
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(url, {
      headers: { 'accept-encoding': 'br, gzip', ...(mine ? { 'if-none-match': `"${mine.version}"` } : {}) },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30000),
    });
  } catch (err) {
    throw new CatalogueError(`${url} is unreachable: ${(err as Error).message}`);
  }
  if (res.status === 304 && mine) {
    await res.arrayBuffer();
    writeAtomic(join(dir, 'index.json'), JSON.stringify({ ...mine, checkedAt: now().toISOString() }));
    return { outcome: 'current', version: mine.version, bytes: 0 };
  }
  if (res.status !== 200) throw new CatalogueError(`${url} answered HTTP ${res.status}`);
  // fetch() decodes the br or gzip it asked for; content-length is what came over the wire
  const raw = Buffer.from(await res.arrayBuffer());
  const bytes = Number(res.headers.get('content-length') ?? raw.length);
  let body: SnapshotBody;
  try {
    body = JSON.parse(raw.toString('utf8')) as SnapshotBody;
  } catch {
    throw new CatalogueError(`${url} answered something that is not JSON`);
  }
  if (body.schema !== CATALOGUE_SCHEMA) throw new CatalogueError(`${url} answered a snapshot of another layout (${body.schema})`);
  if (body.kind === 'delta' && (!mine || body.since !== mine.version))
    throw new CatalogueError(`${url} answered a delta from ${body.since}, not from ${mine?.version ?? 'nothing'}`);

  mkdirSync(dir, { recursive: true });
  const base: CatalogueIndex =
    body.kind === 'delta' && mine
      ? { ...mine, guests: { ...mine.guests }, shortIds: { ...mine.shortIds }, hypervisors: { ...mine.hypervisors } }
      : {
          schema: INDEX_SCHEMA,
          service: opts.service,
          version: '',
          fetchedAt: '',
          checkedAt: '',
          guests: {},
          shortIds: {},
          hypervisors: {},
        };
  const stale = new Set(body.kind === 'full' && mine ? [...Object.values(mine.guests), ...Object.values(mine.hypervisors)] : []);
  for (const g of body.guests) {
    const f = guestFile(g.id);
    writeAtomic(join(dir, f), JSON.stringify(g));
    base.guests[g.id] = f;
    stale.delete(f);
  }
  for (const h of body.hypervisors) {
    const f = hypervisorFile(h.key);
    writeAtomic(join(dir, f), JSON.stringify(h));
    base.hypervisors[h.key] = f;
    stale.delete(f);
  }
  for (const id of body.removed?.guests ?? []) {
    const f = base.guests[id];
    delete base.guests[id];
    if (f) stale.add(f);
  }
  for (const key of body.removed?.hypervisors ?? []) {
    const f = base.hypervisors[key];
    delete base.hypervisors[key];
    if (f) stale.add(f);
  }
  // short ids from every guest held (a delta may move a short id between guests)
  base.shortIds = {};
  const changed = new Map(body.guests.map((g) => [g.id, g]));
  for (const id of Object.keys(base.guests)) {
    const g = changed.get(id) ?? (JSON.parse(readFileSync(join(dir, base.guests[id] as string), 'utf8')) as GuestAnswer);
    for (const s of g.shortIds) base.shortIds[s] ??= id;
  }
  const t = now().toISOString();
  writeAtomic(join(dir, 'index.json'), JSON.stringify({ ...base, version: body.version, fetchedAt: t, checkedAt: t }));
  for (const f of stale) rmSync(join(dir, f), { force: true });
  return { outcome: body.kind, version: body.version, bytes };
}

/**
 * The planning operation's answer (`data`) for a guest (id or short id) on a hypervisor, from the local
 * catalogue, with the index it came from; null when the catalogue does not hold them.
 */
export function planningDataFromCatalogue(
  snapshotDir: string,
  guest: string,
  hypervisor: string,
): { data: Record<string, unknown>; index: CatalogueIndex } | null {
  const index = readCatalogueIndex(snapshotDir);
  if (!index) return null;
  const id = index.guests[guest] ? guest : index.shortIds[guest];
  const gf = id ? index.guests[id] : undefined;
  const hf = index.hypervisors[hypervisor];
  if (!gf || !hf) return null;
  const dir = dirOf(snapshotDir);
  const g = JSON.parse(readFileSync(join(dir, gf), 'utf8')) as GuestAnswer;
  const h = JSON.parse(readFileSync(join(dir, hf), 'utf8')) as HypervisorAnswer;
  // the operation asks for the records on this hypervisor's releases
  const releases = new Set(h.releases.map((r) => r.id));
  const compatibilityRecords = g.compatibilityRecords.filter((r) => r.hypervisorRelease && releases.has(r.hypervisorRelease.id));
  return { data: { catalogueVersion: index.version, guestOS: { ...g, compatibilityRecords }, hypervisor: h }, index };
}
