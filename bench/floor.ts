// The raw floor: a minimal node:http server that answers the benchmark's questions (and the matrix,
// POST /matrix with {guests, releases}: bench/matrix.ts) with
// hand-written SQL through pg and JSON.stringify, nothing else. `node --import tsx bench/floor.ts`
// with DATABASE_URL and PORT; prints "listening <port>" when ready.
import { createServer } from 'node:http';
import pg from 'pg';
import { EFFECTIVE_DEVICES_SQL, EFFECTIVE_PARAVIRT_SQL } from '../src/catalogue/effective.ts';
import { ts } from '../src/catalogue/rows.ts';
import { deriveVerdict, LEVEL_ORDER, type Status } from '../src/schema/compatibility/verdict.ts';
import { must } from '../src/util/must.ts';

pg.types.setTypeParser(1082, (v) => v);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 10) });

const GUEST_SQL = `SELECT id, name FROM "GuestOS" WHERE "shortIds" @> ARRAY[$1::text]`;
const DEVICES_SQL = `SELECT e."deviceId", e.supported, e."driverSource", e."fromGuestId", d.name, d.class::text AS class,
       d."vendorId", d."productId", d."paravirtInterface"::text AS pvi
  FROM (${EFFECTIVE_DEVICES_SQL(false)}) e JOIN "Device" d ON d.id = e."deviceId" ORDER BY d.class, d.id`;
const PAGE_SQL = `WITH page AS (SELECT id, name FROM "GuestOS" ORDER BY id LIMIT 51),
  counts AS (SELECT "guestId", count(*)::int AS n FROM (${EFFECTIVE_DEVICES_SQL(false).replace('$1::text[]', 'ARRAY(SELECT id FROM page)')}) e GROUP BY "guestId")
  SELECT p.id, p.name, coalesce(c.n, 0) AS n FROM page p LEFT JOIN counts c ON c."guestId" = p.id ORDER BY p.id`;

async function guest(shortId: string) {
  const [g] = (await pool.query(GUEST_SQL, [shortId])).rows;
  if (!g) return { guestOS: null };
  const devices = (await pool.query(DEVICES_SQL, [[g.id]])).rows;
  return {
    guestOS: {
      id: g.id,
      name: g.name,
      devices: devices.map((d) => ({
        device: {
          id: d.deviceId,
          name: d.name,
          class: d.class,
          busId: d.vendorId && d.productId ? `${d.vendorId}:${d.productId}` : null,
          paravirtInterface: d.pvi,
        },
        supported: d.supported,
        driverSource: d.driverSource,
        inheritedFrom: d.fromGuestId === g.id ? null : { id: d.fromGuestId },
      })),
    },
  };
}

/** The service's cursor format for the ID sort: base64url of [sort value, id]. */
const cursor = (id: string) => Buffer.from(JSON.stringify([id, id])).toString('base64url');

async function page() {
  const rows = (await pool.query(PAGE_SQL)).rows;
  const nodes = rows.slice(0, 50);
  return {
    guestOSes: {
      edges: nodes.map((r) => ({ node: { id: r.id, name: r.name, deviceCount: r.n } })),
      pageInfo: { endCursor: nodes.length ? cursor(nodes.at(-1).id) : null, hasNextPage: rows.length > 50 },
    },
  };
}

async function compatibility(guestShort: string, releaseRef: string, hostFeatures: string[]) {
  const [key, version] = releaseRef.split(':');
  const [[g], [r]] = await Promise.all([
    pool.query(GUEST_SQL, [guestShort]).then((x) => x.rows),
    pool
      .query(
        `SELECT r.id, r.name FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId" WHERE h.key = $1 AND r.version = $2`,
        [key, version],
      )
      .then((x) => x.rows),
  ]);
  const [chainRes, records, reqs, gdev, rdev, known, rbackends, gbackends] = await Promise.all([
    pool.query(
      `SELECT a."ancestorId" AS id, g.name FROM "GuestOSAncestor" a JOIN "GuestOS" g ON g.id = a."ancestorId" WHERE a."guestId" = $1 ORDER BY a.depth, a.rank`,
      [g.id],
    ),
    pool.query(
      `SELECT c.id, c."guestId", c.status::text AS status, coalesce(c."submitterVendorId", c.source) AS submitter, f.key AS hk, c."evidenceDate",
              c."evidenceLevel"::text AS "evidenceLevel", c.backend, c."deviceId", ${ts('c."createdAt"')} AS "createdAt"
         FROM "CompatibilityRecord" c LEFT JOIN "HardwareFeature" f ON f.id = c."hostFeatureId"
        WHERE c."guestId" IN (SELECT "ancestorId" FROM "GuestOSAncestor" WHERE "guestId" = $1) AND c."hypervisorReleaseId" = $2
          AND c."reviewState" = 'ACCEPTED' AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)
        ORDER BY c."createdAt" DESC, c.id`,
      [g.id, r.id],
    ),
    pool.query(
      `SELECT f.key, x.requirement::text AS requirement, x."anyOf" FROM "HypervisorReleaseHostFeature" x JOIN "HardwareFeature" f ON f.id = x."featureId" WHERE x."releaseId" = $1`,
      [r.id],
    ),
    pool.query(
      `SELECT e."deviceId" AS id, d.class::text AS class, d.kind::text AS kind, d."paravirtInterface"::text AS "paravirtInterface", e."driverSource"
         FROM (${EFFECTIVE_DEVICES_SQL(false)}) e JOIN "Device" d ON d.id = e."deviceId"`,
      [[g.id]],
    ),
    pool.query(
      `SELECT x."deviceId" AS id, d.class::text AS class, d.kind::text AS kind, d."paravirtInterface"::text AS "paravirtInterface", x.model FROM "HypervisorReleaseDevice" x JOIN "Device" d ON d.id = x."deviceId" WHERE x."releaseId" = $1 AND x.supported`,
      [r.id],
    ),
    pool.query(`SELECT key FROM "HardwareFeature" WHERE key = ANY($1::text[])`, [hostFeatures]),
    pool.query(
      `SELECT p.key FROM "HypervisorReleaseParavirt" rp JOIN "ParavirtFeature" p ON p.id = rp."featureId"
        WHERE rp."releaseId" = $1 AND rp.supported AND p.kind = 'BACKEND'`,
      [r.id],
    ),
    pool.query(
      `SELECT p.key, e.supported FROM (${EFFECTIVE_PARAVIRT_SQL}) e JOIN "ParavirtFeature" p ON p.id = e."featureId" WHERE p.kind = 'BACKEND'`,
      [[g.id]],
    ),
  ]);
  if (known.rows.length !== new Set(hostFeatures).size) throw new Error('unknown hardware feature');
  const chain = chainRes.rows;
  const v = deriveVerdict({
    guest: { id: g.id, name: g.name },
    chain,
    release: { id: r.id, name: r.name },
    records: records.rows.map((x) => ({
      id: x.id,
      guestId: x.guestId,
      status: x.status as Status,
      submitter: x.submitter,
      hostFeatureKey: x.hk,
      evidenceDate: x.evidenceDate,
      evidenceLevel: x.evidenceLevel,
      backend: x.backend,
      deviceId: x.deviceId,
      createdAt: x.createdAt,
    })),
    hostFeatures,
    hostRequirements: reqs.rows,
    guestDevices: gdev.rows,
    releaseDevices: rdev.rows,
    releaseBackends: rbackends.rows.map((b) => b.key),
    guestBackends: gbackends.rows,
  });
  return {
    compatibility: {
      verdict: v.verdict,
      basis: v.basis,
      reasons: v.reasons,
      records: v.recordIds.map((id) => ({ id, status: records.rows.find((x) => x.id === id)?.status })),
      devices: v.devices.map((d) => ({ class: d.class, model: d.model, paravirtual: d.paravirtual })),
    },
  };
}

// The matrix: every fact for all guests and releases in one hand-written statement (JSON arrays,
// one per kind of fact), then the same pure derivation the service uses, cell by cell.
const MATRIX_SQL = `
  WITH guests AS (SELECT id, name FROM "GuestOS" WHERE id = ANY($1::text[])),
       releases AS (SELECT id, name FROM "HypervisorRelease" WHERE id = ANY($2::text[])),
       chains AS (SELECT a."guestId", a."ancestorId" AS id, g.name, a.depth, a.rank
                    FROM "GuestOSAncestor" a JOIN "GuestOS" g ON g.id = a."ancestorId" WHERE a."guestId" = ANY($1::text[]))
  SELECT
    (SELECT json_agg(g) FROM guests g) AS guests,
    (SELECT json_agg(r) FROM releases r) AS releases,
    (SELECT json_agg(c ORDER BY c."guestId", c.depth, c.rank) FROM chains c) AS chains,
    (SELECT json_agg(x) FROM (
       SELECT c.id, c."guestId", c."hypervisorReleaseId" AS "releaseId", c.status::text AS status,
              coalesce(c."submitterVendorId", c.source) AS submitter, f.key AS "hostFeatureKey",
              to_char(c."evidenceDate", 'YYYY-MM-DD') AS "evidenceDate", c."evidenceLevel"::text AS "evidenceLevel", c.backend, c."deviceId",
              ${ts('c."createdAt"')} AS "createdAt"
         FROM "CompatibilityRecord" c LEFT JOIN "HardwareFeature" f ON f.id = c."hostFeatureId"
        WHERE c."guestId" IN (SELECT id FROM chains) AND c."hypervisorReleaseId" = ANY($2::text[]) AND c."reviewState" = 'ACCEPTED'
          AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)) x) AS records,
    (SELECT json_agg(x) FROM (
       SELECT e."guestId", e."deviceId" AS id, d.class::text AS class, d.kind::text AS kind,
              d."paravirtInterface"::text AS "paravirtInterface", e."driverSource"
         FROM (${EFFECTIVE_DEVICES_SQL(false)}) e JOIN "Device" d ON d.id = e."deviceId") x) AS "guestDevices",
    (SELECT json_agg(x) FROM (
       SELECT x."releaseId", x."deviceId" AS id, d.class::text AS class, d.kind::text AS kind,
              d."paravirtInterface"::text AS "paravirtInterface", x.model
         FROM "HypervisorReleaseDevice" x JOIN "Device" d ON d.id = x."deviceId" WHERE x."releaseId" = ANY($2::text[]) AND x.supported) x) AS "releaseDevices",
    (SELECT json_agg(x) FROM (
       SELECT rp."releaseId", p.key FROM "HypervisorReleaseParavirt" rp JOIN "ParavirtFeature" p ON p.id = rp."featureId"
        WHERE rp."releaseId" = ANY($2::text[]) AND rp.supported AND p.kind = 'BACKEND') x) AS "releaseBackends",
    (SELECT json_agg(x) FROM (
       SELECT e."guestId", p.key, e.supported FROM (${EFFECTIVE_PARAVIRT_SQL}) e
         JOIN "ParavirtFeature" p ON p.id = e."featureId" WHERE p.kind = 'BACKEND') x) AS "guestBackends",
    (SELECT json_agg(x) FROM (
       SELECT x."releaseId", f.key, x.requirement::text AS requirement, x."anyOf"
         FROM "HypervisorReleaseHostFeature" x JOIN "HardwareFeature" f ON f.id = x."featureId" WHERE x."releaseId" = ANY($2::text[])) x) AS reqs`;

function byKey<T extends Record<string, unknown>>(rows: T[] | null, key: keyof T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows ?? []) {
    const k = String(r[key]);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** The service's `matrix` answer for guest and release ids (bench/matrix.ts asks for these fields). */
async function matrix(guestIds: string[], releaseIds: string[]) {
  const row = must((await pool.query(MATRIX_SQL, [guestIds, releaseIds])).rows[0], 'the one row of the matrix statement');
  const guestById = new Map((row.guests ?? []).map((g: { id: string; name: string }) => [g.id, g]));
  const releaseById = new Map((row.releases ?? []).map((r: { id: string; name: string }) => [r.id, r]));
  const chains = byKey(row.chains, 'guestId');
  const records = byKey(row.records, 'releaseId');
  const gdev = byKey(row.guestDevices, 'guestId');
  const rdev = byKey(row.releaseDevices, 'releaseId');
  const rback = byKey(row.releaseBackends, 'releaseId');
  const gback = byKey(row.guestBackends, 'guestId');
  const reqs = byKey(row.reqs, 'releaseId');
  const cells = [];
  const counts = new Map<string, number>();
  for (const gid of new Set(guestIds)) {
    const g = must(guestById.get(gid), `guest ${gid}`) as { id: string; name: string };
    const chain = (chains.get(gid) ?? []).map((c) => ({ id: c.id as string, name: c.name as string }));
    const inChain = new Set(chain.map((c) => c.id));
    for (const rid of new Set(releaseIds)) {
      const r = must(releaseById.get(rid), `release ${rid}`) as { id: string; name: string };
      const v = deriveVerdict({
        guest: g,
        chain,
        release: r,
        records: (records.get(rid) ?? []).filter((x) => inChain.has(x.guestId as string)) as never,
        hostFeatures: null,
        hostRequirements: (reqs.get(rid) ?? []) as never,
        guestDevices: (gdev.get(gid) ?? []) as never,
        releaseDevices: (rdev.get(rid) ?? []) as never,
        releaseBackends: (rback.get(rid) ?? []).map((b) => b.key as string),
        guestBackends: (gback.get(gid) ?? []) as never,
      });
      counts.set(v.verdict, (counts.get(v.verdict) ?? 0) + 1);
      cells.push({
        guest: { id: g.id },
        hypervisorRelease: { id: r.id },
        level: v.verdict,
        basis: v.cellBasis,
        evidenceLevel: v.evidenceLevel,
        reasons: v.reasons,
        conflicts: v.conflicts.map((c) => ({ reason: c.reason })),
        backends: v.backends.map((b) => ({ backend: b.backend, level: b.level, basis: b.cellBasis, evidenceLevel: b.evidenceLevel })),
      });
    }
  }
  return {
    matrix: {
      cells,
      counts: LEVEL_ORDER.filter((l) => counts.has(l)).map((level) => ({ level, count: counts.get(level) })),
    },
  };
}

async function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += chunk;
  return s;
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://floor');
    let data: unknown;
    if (url.pathname === '/matrix') {
      const { guests, releases } = JSON.parse(await readBody(req)) as { guests: string[]; releases: string[] };
      data = await matrix(guests, releases);
    } else if (url.pathname === '/guest') data = await guest(url.searchParams.get('s')!);
    else if (url.pathname === '/page') data = await page();
    else if (url.pathname === '/compatibility') {
      data = await compatibility(url.searchParams.get('g')!, url.searchParams.get('r')!, url.searchParams.getAll('h'));
    } else {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.stringify({ data });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
  }
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : ''}`);
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
