// API keys: `vc_<keyId>_<secret>`. The key id is public (it names the ApiKey row); the secret is 32
// random bytes. A request with a bad, expired or revoked key is refused (401), never served as
// anonymous.
//
// Storage: `sha256$<hex>` = HMAC-SHA-256 keyed by a per-key random salt over the secret, compared in
// constant time. The secret is 256 bits of randomness, not a password: nobody can search that space,
// so a slow password hash buys nothing and cost every request tens of milliseconds (and made wrong
// keys an easy way to burn CPU). Keys made before this scheme hold a bare hex scrypt hash; they are
// still accepted and rewritten to the fast scheme on their first successful use. The scheme lives in
// the hash string, so no schema change was needed.
import { createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
// graphql's own error class (what graphql-yoga's createGraphQLError makes): loading graphql-yoga
// costs every CLI command that touches the domain code over a second.
import { GraphQLError } from 'graphql';
import type { Database } from '../db/index.ts';
import type { Sql } from '../db/sql.ts';
import { ANONYMOUS, type Actor } from '../schema/context.ts';
import { ErrorCode } from '../errors.ts';

export const KEY_PREFIX = 'vc_';
const KEY_RE = /^vc_([0-9a-f]{16})_([A-Za-z0-9_-]{43,128})$/;
/** The legacy scheme's parameters (N=2^15, r=8: some tens of milliseconds), kept to verify old hashes. */
const SCRYPT: ScryptOptions = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SCRYPT_LEN = 32;
/** lastUsedAt is written at most once a minute per key. */
const LAST_USED_EVERY_MS = 60_000;

export type KeyRole = 'SUBMITTER' | 'MAINTAINER' | 'ADMIN';

export interface ParsedKey {
  keyId: string;
  secret: string;
}

/** A fresh key: the id names the row, the full key is shown once and never stored. */
export function generateApiKey(): ParsedKey & { key: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, key: `${KEY_PREFIX}${keyId}_${secret}` };
}

export function parseApiKey(key: string): ParsedKey | null {
  const m = KEY_RE.exec(key);
  const keyId = m?.[1];
  const secret = m?.[2];
  return keyId && secret ? { keyId, secret } : null;
}

function scrypt(secret: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(secret, salt, SCRYPT_LEN, SCRYPT, (err, out) => (err ? reject(err) : resolve(out))));
}

const FAST_PREFIX = 'sha256$';
const hmac = (secret: string, salt: string) => createHmac('sha256', salt).update(secret).digest();

/** True for a hash in the legacy scrypt scheme (bare hex), which verification upgrades. */
export function isLegacyHash(hash: string): boolean {
  return !hash.startsWith(FAST_PREFIX);
}

/** The stored form of a secret: `sha256$<hex HMAC-SHA-256(salt, secret)>` and its salt. */
export async function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): Promise<{ hash: string; salt: string }> {
  return { hash: FAST_PREFIX + hmac(secret, salt).toString('hex'), salt };
}

/** Whether `secret` matches a stored hash of either scheme; constant time in the comparison. */
export async function verifySecret(secret: string, salt: string, hash: string): Promise<boolean> {
  if (!isLegacyHash(hash)) {
    const want = Buffer.from(hash.slice(FAST_PREFIX.length), 'hex');
    const got = hmac(secret, salt);
    return want.length === got.length && timingSafeEqual(want, got);
  }
  const want = Buffer.from(hash, 'hex');
  const got = await scrypt(secret, salt);
  return want.length === got.length && timingSafeEqual(want, got);
}

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
      timingSafeEqual(hmac(parsed.secret, NO_SUCH_KEY_SALT), NO_SUCH_KEY_DIGEST);
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
 * done (setImmediate). Every read starts after the request asking for it arrived, so a revocation
 * committed before a request arrives is always seen; the batching only saves round trips.
 */
function keyRowBatcher(sql: Sql) {
  let queue: Map<string, Array<{ resolve: (r: KeyRow | undefined) => void; reject: (e: unknown) => void }>> | null = null;
  const flush = async (batch: NonNullable<typeof queue>) => {
    try {
      const found = new Map((await sql.query<KeyRow>(KEY_ROW_SQL, [[...batch.keys()]])).map((r) => [r.id, r]));
      for (const [id, waiters] of batch) for (const w of waiters) w.resolve(found.get(id));
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    }
  };
  return {
    load(id: string): Promise<KeyRow | undefined> {
      return new Promise((resolve, reject) => {
        if (!queue) {
          const batch = new Map<string, Array<{ resolve: (r: KeyRow | undefined) => void; reject: (e: unknown) => void }>>();
          queue = batch;
          setImmediate(() => {
            queue = null;
            void flush(batch);
          });
        }
        const waiters = queue.get(id);
        if (waiters) waiters.push({ resolve, reject });
        else queue.set(id, [{ resolve, reject }]);
      });
    },
  };
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
