// GET /snapshot: the catalogue as one versioned artifact, for runtimes that keep their own copy and plan
// offline (src/hypervisor-runtime/catalogue.ts). It holds what the runtime's planning operation asks
// for, for every guest and every hypervisor: each guest as the operation answers it, with its
// compatibility records for all hypervisors (the runtime keeps those of the hypervisor it plans for).
//
// Versioned by catalogueVersion (`<change-feed seq>.<last import>`), with a strong ETag per version and
// encoding; If-None-Match → 304. `?since=<version>` answers a delta: the guests and hypervisors whose
// answer differs from that version's (compared entry by entry, so a change to a guest reaches the
// guests that derive from it, which the change feed does not name), the ones gone, and the change-feed
// rows in between. A `since` this instance no longer holds gets the full snapshot (`kind: "full"`).
// gzip or br by Accept-Encoding, compressed once per version (deltas once per `since`).
//
// Built on first request per version, once however many ask at the same time. The catalogue-changed
// event (from this instance or, with Redis, another) marks the build stale; the next request reads the
// catalogue's version (one statement, shared by the requests that arrive meanwhile) and builds again only
// if it moved: a write that changes no answer here (a pending submission, a key created) leaves the
// build, and the polls of a fleet, as they were.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { execute, type GraphQLSchema, parse } from 'graphql';
import { ANONYMOUS } from '../catalogue/actor.ts';
import type { Database } from '../db/index.ts';
import { catalogueVersion } from '../schema/common/resolvers.ts';
import type { GraphQLContext, Services } from '../schema/context.ts';
import { createLoaders } from '../schema/loaders.ts';

export const SNAPSHOT_SCHEMA = 'virtcompat-catalogue/1';
/** Versions whose entry hashes are kept to answer deltas from. */
const HISTORY = 16;
const VERSION_RE = /^\d+\.\d+$/;

// The runtime's planning operation (src/hypervisor-runtime/query.ts), for every guest and hypervisor.
// test/api-snapshot.test.ts holds the runtime's answer from the snapshot equal to the operation's.
const GUEST_FIELDS = `
    id shortIds name family distro version kernel architectures tpmRequired
    derivesFrom { id }
    ancestors { id }
    firmware { arch type supported secureBoot }
    resources { arch kind cpus ramBytes storageBytes }
    devices { supported driverSource driverName source inheritedFrom { id } device { ...D } }
    paravirt { supported minKernel notes inheritedFrom { id } feature { ...F } }
    drivers { arch status reason sourceRef build { id version sourceRef package { key } } }
    compatibilityRecords {
      id status backend hypervisorRelease { id } device { id } hostFeature { key } testedDevices { id } evidence { url }
    }`;
const HYPERVISOR_FIELDS = `
    key name family
    releases {
      id version name maxVcpus maxMemoryMiB machineTypes firmware virtualHardwareVersion vfio sriov
      devices { model supported device { ...D } }
      paravirt { supported feature { ...F } }
      hostFeatures { requirement anyOf feature { key vendor category detection { method value } } }
    }
    driverPackages { key name family feature { key } }`;
const FRAGMENTS = `
fragment D on Device { id name bus vendorId productId class kind paravirtInterface }
fragment F on ParavirtFeature { key family kind dependsOnKeys }`;
const GUESTS = parse(`query ($after: String) {
  guestOSes(first: 100, after: $after, orderBy: { field: ID, direction: ASC }) {
    pageInfo { hasNextPage endCursor }
    nodes { ${GUEST_FIELDS} }
  }
}${FRAGMENTS}`);
const HYPERVISORS = parse(`query ($after: String) {
  hypervisors(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { ${HYPERVISOR_FIELDS} }
  }
}${FRAGMENTS}`);

type Encoding = 'br' | 'gzip' | 'identity';
interface Body {
  identity: Buffer;
  gzip?: Promise<Buffer>;
  br?: Promise<Buffer>;
}
interface Entry {
  json: string;
  hash: string;
}
interface Built {
  version: string;
  builtAt: string;
  guests: Map<string, Entry>;
  hypervisors: Map<string, Entry>;
  full: Body;
  deltas: Map<string, Promise<Body>>;
}
/** An older version's entries, by hash: what a delta from it compares with. */
interface Past {
  guests: Map<string, string>;
  hypervisors: Map<string, string>;
}

export interface SnapshotRoute {
  handle(req: Request, res: Response): Promise<void>;
  /** The catalogue may have changed: the next request builds the snapshot again if its version moved. */
  invalidate(): void;
  /** Builds of the whole snapshot so far (for tests: one per version, however many ask). */
  readonly builds: number;
}

const hashOf = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

export function createSnapshotRoute(opts: { schema: GraphQLSchema; db: Database; services: Services }): SnapshotRoute {
  const { schema, db } = opts;
  let current: Promise<Built> | null = null;
  /** A catalogue-changed event arrived since `current` was asked for: check its version first. */
  let stale = false;
  const history = new Map<string, Past>();
  let builds = 0;

  async function run<T>(doc: ReturnType<typeof parse>, variables: Record<string, unknown>, ctx: GraphQLContext): Promise<T> {
    const r = await execute({ schema, document: doc, variableValues: variables, contextValue: ctx });
    // the first error as it was thrown (a database outage stays one: app.ts answers it with 503)
    const first = r.errors?.[0];
    if (first) throw first.originalError ?? first;
    return r.data as T;
  }

  async function page<T>(doc: ReturnType<typeof parse>, field: string, ctx: GraphQLContext): Promise<T[]> {
    const out: T[] = [];
    let after: string | null = null;
    for (;;) {
      const data: Record<string, { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: T[] }> = await run(
        doc,
        { after },
        ctx,
      );
      const conn = data[field];
      if (!conn) throw new Error(`snapshot: no ${field} in the answer`);
      out.push(...conn.nodes);
      if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) return out;
      after = conn.pageInfo.endCursor;
    }
  }

  async function build(): Promise<Built> {
    // the version before and after reading everything: a write in between means another round
    for (let attempt = 0; ; attempt++) {
      const ctx: GraphQLContext = { ...opts.services, loaders: createLoaders(db.sql), actor: ANONYMOUS };
      const version = await catalogueVersion(ctx);
      const [guests, hypervisors] = await Promise.all([
        page<{ id: string }>(GUESTS, 'guestOSes', ctx),
        page<{ key: string }>(HYPERVISORS, 'hypervisors', ctx),
      ]);
      if ((await catalogueVersion(ctx)) !== version && attempt < 3) continue;
      builds++;
      const entries = <T>(xs: T[], key: (x: T) => string) =>
        new Map(
          xs.map((x) => {
            const json = JSON.stringify(x);
            return [key(x), { json, hash: hashOf(json) }] as const;
          }),
        );
      const g = entries(guests, (x) => x.id);
      const h = entries(hypervisors, (x) => x.key);
      const builtAt = new Date().toISOString();
      const identity = Buffer.from(
        `{"schema":${JSON.stringify(SNAPSHOT_SCHEMA)},"kind":"full","version":${JSON.stringify(version)},"builtAt":${JSON.stringify(builtAt)},` +
          `"guests":[${[...g.values()].map((e) => e.json).join(',')}],"hypervisors":[${[...h.values()].map((e) => e.json).join(',')}]}`,
      );
      history.set(version, {
        guests: new Map([...g].map(([k, e]) => [k, e.hash])),
        hypervisors: new Map([...h].map(([k, e]) => [k, e.hash])),
      });
      while (history.size > HISTORY) history.delete(history.keys().next().value as string);
      return { version, builtAt, guests: g, hypervisors: h, full: { identity }, deltas: new Map() };
    }
  }

  async function revalidate(held: Promise<Built>): Promise<Built> {
    const b = await held.catch(() => null);
    if (b && (await catalogueVersion({ db })) === b.version) return b;
    return build();
  }

  function snapshot(): Promise<Built> {
    if (!current || stale) {
      const p = current && stale ? revalidate(current) : build();
      stale = false;
      current = p;
      // a failed build is not kept: the next request tries again
      p.catch(() => {
        if (current === p) current = null;
      });
    }
    return current;
  }

  async function delta(b: Built, since: string, past: Past): Promise<Body> {
    const changed = <K extends 'guests' | 'hypervisors'>(k: K) =>
      [...b[k]].filter(([key, e]) => past[k].get(key) !== e.hash).map(([, e]) => e.json);
    const removed = <K extends 'guests' | 'hypervisors'>(k: K) => [...past[k].keys()].filter((key) => !b[k].has(key));
    const [fromSeq, toSeq] = [since.split('.')[0], b.version.split('.')[0]];
    const rows = await db.sql.query<{ seq: string; entityType: string; entityId: string; op: string }>(
      `SELECT seq::text AS seq, "entityType", "entityId", op FROM "Change"
        WHERE seq > $1::bigint AND seq <= $2::bigint ORDER BY seq LIMIT 1001`,
      [fromSeq, toSeq],
    );
    const identity = Buffer.from(
      `{"schema":${JSON.stringify(SNAPSHOT_SCHEMA)},"kind":"delta","since":${JSON.stringify(since)},"version":${JSON.stringify(b.version)},` +
        `"builtAt":${JSON.stringify(b.builtAt)},"changes":${JSON.stringify(rows.slice(0, 1000))},"changesTruncated":${rows.length > 1000},` +
        `"guests":[${changed('guests').join(',')}],"hypervisors":[${changed('hypervisors').join(',')}],` +
        `"removed":${JSON.stringify({ guests: removed('guests'), hypervisors: removed('hypervisors') })}}`,
    );
    return { identity };
  }

  function encoded(body: Body, enc: Encoding): Promise<Buffer> {
    if (enc === 'identity') return Promise.resolve(body.identity);
    if (enc === 'gzip') {
      body.gzip ??= promisify(gzip)(body.identity, { level: 6 });
      return body.gzip;
    }
    body.br ??= promisify(brotliCompress)(body.identity, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_SIZE_HINT]: body.identity.length },
    });
    return body.br;
  }

  async function send(req: Request, res: Response, body: Body, etag: string, kind: 'full' | 'delta') {
    const enc = negotiate(req.get('accept-encoding'));
    const data = await encoded(body, enc);
    res.status(200);
    res.set({
      'content-type': 'application/json',
      etag: `"${etag}${enc === 'identity' ? '' : `;${enc}`}"`,
      'cache-control': 'no-cache',
      vary: 'Accept-Encoding',
      'x-snapshot-kind': kind,
      'content-length': String(data.length),
    });
    if (enc !== 'identity') res.set('content-encoding', enc);
    res.end(data);
  }

  return {
    get builds() {
      return builds;
    },
    invalidate() {
      stale = true;
    },
    async handle(req, res) {
      const since = typeof req.query.since === 'string' ? req.query.since : undefined;
      if (since !== undefined && !VERSION_RE.test(since)) {
        res.status(400).json({
          errors: [{ message: `since: expected a catalogue version like 1117.2, got '${since}'`, extensions: { code: 'BAD_REQUEST' } }],
        });
        return;
      }
      const b = await snapshot();
      const etag = `"${b.version}"`;
      // the client's copy is this version (whichever encoding it came in): nothing to send
      const held = (req.get('if-none-match') ?? '').split(',').map((t) =>
        t
          .trim()
          .replace(/^W\//, '')
          .replace(/;[a-z]+"$/, '"'),
      );
      if (held.includes(etag) || held.includes('*') || since === b.version) {
        res.status(304).set({ etag, 'cache-control': 'no-cache', vary: 'Accept-Encoding' }).end();
        return;
      }
      const past = since === undefined ? undefined : history.get(since);
      if (since === undefined || !past) {
        await send(req, res, b.full, b.version, 'full');
        return;
      }
      let d = b.deltas.get(since);
      if (!d) {
        d = delta(b, since, past);
        b.deltas.set(since, d);
        d.catch(() => b.deltas.delete(since));
      }
      await send(req, res, await d, `${b.version};since=${since}`, 'delta');
    },
  };
}

/** br, else gzip, else identity, as the client accepts them (q=0 refuses). */
export function negotiate(header: string | undefined): Encoding {
  const accepted = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (e: string) => (accepted.get(e) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}
