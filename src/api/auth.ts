// API keys: `vc_<keyId>_<secret>`. The key id is public (it names the ApiKey row); the secret is 32
// random bytes, stored only as scrypt(secret, salt) and compared in constant time. A request with a
// bad, expired or revoked key is refused (401), never served as anonymous.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { createGraphQLError } from 'graphql-yoga';
import type { Database } from '../db/index.ts';
import type { Sql } from '../db/sql.ts';
import { ANONYMOUS, type Actor } from '../schema/context.ts';
import { ErrorCode } from '../errors.ts';

export const KEY_PREFIX = 'vc_';
const KEY_RE = /^vc_([0-9a-f]{16})_([A-Za-z0-9_-]{43,128})$/;
/** N=2^15, r=8: about 32 MiB and some tens of milliseconds per verification; results are cached. */
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
  return m ? { keyId: m[1], secret: m[2] } : null;
}

function scrypt(secret: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(secret, salt, SCRYPT_LEN, SCRYPT, (err, out) => (err ? reject(err) : resolve(out))),
  );
}

export async function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): Promise<{ hash: string; salt: string }> {
  return { hash: (await scrypt(secret, salt)).toString('hex'), salt };
}

export async function verifySecret(secret: string, salt: string, hash: string): Promise<boolean> {
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
  return createGraphQLError(message, {
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
}

/**
 * Every request with a key reads its row (by primary key), so revocation and expiry take effect at
 * once on every instance; the slow scrypt runs only when this process has not yet seen the secret
 * for the row's current hash.
 */
export function createAuthenticator(db: Pick<Database, 'sql'>, opts: { now?: () => number } = {}): Authenticator {
  const now = opts.now ?? Date.now;
  const verified = new Map<string, { hash: string; digest: Buffer }>();
  const memo = new WeakMap<Request, Promise<Actor>>();

  async function verifyKey(key: string): Promise<Actor> {
    const parsed = parseApiKey(key);
    if (!parsed) throw unauthenticated('malformed API key: expected vc_<key id>_<secret>');
    const [row] = await db.sql.query<KeyRow>(
      `SELECT id, "vendorId", role::text AS role, hash, salt,
              to_char("expiresAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "expiresAt",
              to_char("revokedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "revokedAt",
              to_char("lastUsedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastUsedAt"
         FROM "ApiKey" WHERE id = $1`,
      [parsed.keyId],
    );
    if (!row) {
      // Same work as a real check, so a wrong key id is not told apart by timing.
      await scrypt(parsed.secret, 'no-such-key');
      throw unauthenticated('invalid API key');
    }
    const digest = sha256(parsed.secret);
    const seen = verified.get(row.id);
    let ok = false;
    if (seen && seen.hash === row.hash) {
      ok = timingSafeEqual(seen.digest, digest);
    }
    if (!ok) {
      ok = await verifySecret(parsed.secret, row.salt, row.hash);
      if (ok) {
        if (verified.size >= 10_000) verified.delete(verified.keys().next().value!);
        verified.set(row.id, { hash: row.hash, digest });
      }
    }
    if (!ok) throw unauthenticated('invalid API key');
    if (row.revokedAt) throw unauthenticated(`API key ${row.id} was revoked at ${row.revokedAt}`);
    if (row.expiresAt && Date.parse(row.expiresAt) <= now()) throw unauthenticated(`API key ${row.id} expired at ${row.expiresAt}`);
    if (!row.lastUsedAt || now() - Date.parse(row.lastUsedAt) >= LAST_USED_EVERY_MS) {
      touch(db.sql, row.id);
    }
    return Object.freeze({ role: row.role, keyId: row.id, vendorId: row.vendorId });
  }

  async function fromRequest(request: Request): Promise<Actor> {
    const header = request.headers.get('authorization');
    if (header == null || header.trim() === '') return ANONYMOUS;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) throw unauthenticated('the Authorization header must be `Bearer <api key>`');
    return verifyKey(m[1]);
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
  };
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
