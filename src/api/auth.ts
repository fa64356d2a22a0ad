// Request authentication: who is calling, from the Authorization header. The key format, its
// generation and hashing (HMAC-SHA-256 with a per-key salt; legacy scrypt hashes still verified)
// are the catalogue's (src/catalogue/accounts.ts); this file checks a presented key against its
// row and upgrades a legacy hash on first use. A request with a bad, expired or revoked key is
// refused (401), never served as anonymous.
import { createHash, timingSafeEqual } from 'node:crypto';
// graphql's own error class (what graphql-yoga's createGraphQLError makes): loading graphql-yoga
// costs every CLI command that touches the domain code over a second.
import { GraphQLError } from 'graphql';
import DataLoader from 'dataloader';
import type { Database } from '../db/index.ts';
import type { Sql } from '../db/sql.ts';
import { hashSecret, isLegacyHash, keyedDigest, parseApiKey, verifySecret, type KeyRole } from '../catalogue/accounts.ts';
import { ANONYMOUS, type Actor } from '../catalogue/actor.ts';
import { ErrorCode } from '../errors.ts';

/** lastUsedAt is written at most once a minute per key. */
const LAST_USED_EVERY_MS = 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

interface KeyRow {
  id: string;
  vendorId: string | null;
  role: KeyRole;
  hash: string;
  salt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export function unauthenticated(message: string) {
  return new GraphQLError(message, {
    extensions: {
      code: ErrorCode.UNAUTHENTICATED,
      http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="virtcompat", error="invalid_token"' } },
    },
  });
}

export interface Authenticator {
  /** The caller of a request; memoised per request. Throws UNAUTHENTICATED for a bad key. */
  authenticate(request: Request): Promise<Actor>;
  /** Verifies a key string (CLI and tests); same rules as a request. */
  verifyKey(key: string): Promise<Actor>;
  /**
   * What the request's key claims before anything is verified, with no database access: its key
   * id, and whether this process has already verified this very secret for it (so the request can
   * be charged to the key's rate-limit bucket before the key is checked). Null without a
   * well-formed Bearer key.
   */
  claim(request: Request): { keyId: string; seen: boolean } | null;
}

/** A salt no row has (salts are 32 hex digits): unknown key ids cost the same HMAC as known ones. */
const NO_SUCH_KEY_SALT = 'no-such-key';
const NO_SUCH_KEY_DIGEST = Buffer.alloc(32);

/**
 * Every request with a key reads its row (by primary key; requests arriving together share one
 * read), so revocation and expiry take effect at once on every instance; checking the secret
 * against it costs one HMAC (microseconds).
 */
export function createAuthenticator(db: Pick<Database, 'sql'>, opts: { now?: () => number } = {}): Authenticator {
  const now = opts.now ?? Date.now;
  // key id -> sha256 of the secret last verified for it here. Only routes rate limiting (claim);
  // every request is still verified against the row.
  const seen = new Map<string, Buffer>();
  const memo = new WeakMap<Request, Promise<Actor>>();
  const rows = keyRowBatcher(db.sql);

  async function verifyKey(key: string): Promise<Actor> {
    const parsed = parseApiKey(key);
    if (!parsed) throw unauthenticated('malformed API key: expected vc_<key id>_<secret>');
    const row = await rows.load(parsed.keyId);
    if (!row) {
      // Same work as checking a real key, so a wrong key id is not told apart by timing.
      timingSafeEqual(keyedDigest(parsed.secret, NO_SUCH_KEY_SALT), NO_SUCH_KEY_DIGEST);
      throw unauthenticated('invalid API key');
    }
    if (!(await verifySecret(parsed.secret, row.salt, row.hash))) throw unauthenticated('invalid API key');
    if (isLegacyHash(row.hash)) await upgradeHash(db.sql, row, parsed.secret);
    if (seen.size >= 10_000 && !seen.has(row.id)) {
      const oldest = seen.keys().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
    seen.set(row.id, sha256(parsed.secret));
    if (row.revokedAt) throw unauthenticated(`API key ${row.id} was revoked at ${row.revokedAt}`);
    if (row.expiresAt && Date.parse(row.expiresAt) <= now()) throw unauthenticated(`API key ${row.id} expired at ${row.expiresAt}`);
    if (!row.lastUsedAt || now() - Date.parse(row.lastUsedAt) >= LAST_USED_EVERY_MS) {
      touch(db.sql, row.id);
    }
    return Object.freeze({ role: row.role, keyId: row.id, vendorId: row.vendorId });
  }

  function bearer(request: Request): string | null {
    const header = request.headers.get('authorization');
    if (header == null || header.trim() === '') return null;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m?.[1]) throw unauthenticated('the Authorization header must be `Bearer <api key>`');
    return m[1];
  }

  async function fromRequest(request: Request): Promise<Actor> {
    const key = bearer(request);
    return key == null ? ANONYMOUS : verifyKey(key);
  }

  return {
    authenticate(request) {
      let p = memo.get(request);
      if (!p) {
        p = fromRequest(request);
        memo.set(request, p);
      }
      return p;
    },
    verifyKey,
    claim(request) {
      let key: string | null;
      try {
        key = bearer(request);
      } catch {
        return null;
      }
      const parsed = key == null ? null : parseApiKey(key);
      if (!parsed) return null;
      const digest = seen.get(parsed.keyId);
      return { keyId: parsed.keyId, seen: digest !== undefined && timingSafeEqual(digest, sha256(parsed.secret)) };
    },
  };
}

const KEY_ROW_SQL = `SELECT id, "vendorId", role::text AS role, hash, salt,
         to_char("expiresAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "expiresAt",
         to_char("revokedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "revokedAt",
         to_char("lastUsedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastUsedAt"
    FROM "ApiKey" WHERE id = ANY($1::text[])`;

/**
 * Reads key rows for the requests that arrive together with one statement: lookups queued while
 * the event loop handles one batch of I/O are sent as one `id = ANY(...)` read once that I/O is
 * done (setImmediate). Nothing is cached: every read starts after the request asking for it
 * arrived, so a revocation committed before a request arrives is always seen; the batching only
 * saves round trips.
 */
function keyRowBatcher(sql: Sql): DataLoader<string, KeyRow | undefined> {
  return new DataLoader(
    async (ids) => {
      const found = new Map((await sql.query<KeyRow>(KEY_ROW_SQL, [[...new Set(ids)]])).map((r) => [r.id, r]));
      return ids.map((id) => found.get(id));
    },
    { cache: false, batchScheduleFn: (run) => setImmediate(run) },
  );
}

/**
 * Rewrites a legacy scrypt hash in the fast scheme once the secret has been proven. Conditional on
 * the old hash, so concurrent first uses write once; a failure leaves the legacy hash, still valid.
 */
async function upgradeHash(sql: Sql, row: KeyRow, secret: string): Promise<void> {
  const { hash, salt } = await hashSecret(secret);
  try {
    await sql.query(`UPDATE "ApiKey" SET hash = $2, salt = $3 WHERE id = $1 AND hash = $4`, [row.id, hash, salt, row.hash]);
  } catch {
    // Bookkeeping only: the request is already authenticated.
  }
}

function touch(sql: Sql, keyId: string) {
  sql
    .query(
      `UPDATE "ApiKey" SET "lastUsedAt" = CURRENT_TIMESTAMP
        WHERE id = $1 AND ("lastUsedAt" IS NULL OR "lastUsedAt" < CURRENT_TIMESTAMP - interval '60 seconds')`,
      [keyId],
    )
    .catch(() => {
      // Bookkeeping only: a closed pool or a busy database must not fail the request.
    });
}
