// Browser sessions for vendors and maintainers. The cookie holds only a random token (HTTP-only,
// SameSite=Strict); the row is keyed by the token's SHA-256 and keeps the API key AES-256-GCM
// encrypted under a key derived from the token (HKDF), so the API key is never in a page, never in
// the cookie, and a copy of the table alone does not reveal it. Rows expire after SESSION_TTL_MS.
// CSRF: every form carries a token derived from the cookie (HMAC of the session token, or of a
// separate random `vc_csrf` cookie before sign-in) and a POST without the matching one is refused.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/sql.ts';

export const SESSION_COOKIE = 'vc_session';
export const CSRF_COOKIE = 'vc_csrf';
export const SESSION_TTL_MS = 8 * 3600_000;

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');
const keyFor = (token: string) => Buffer.from(hkdfSync('sha256', token, 'virtcompat-web-session', 'api-key', 32));

export function seal(apiKey: string, token: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyFor(token), iv);
  const body = Buffer.concat([c.update(apiKey, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

export function unseal(sealed: string, token: string): string | null {
  try {
    const b = Buffer.from(sealed, 'base64');
    const d = createDecipheriv('aes-256-gcm', keyFor(token), b.subarray(0, 12));
    d.setAuthTag(b.subarray(12, 28));
    return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export interface Session {
  token: string;
  keyId: string;
  apiKey: string;
}

export function sessionStore(sql: Sql, now: () => number = Date.now) {
  return {
    async create(apiKey: string, keyId: string): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await sql.query(`DELETE FROM "WebSession" WHERE "expiresAt" < $1`, [new Date(now()).toISOString()]);
      await sql.query(`INSERT INTO "WebSession" (id, "keyId", "sealedKey", "expiresAt") VALUES ($1, $2, $3, $4)`, [
        sha256hex(token),
        keyId,
        seal(apiKey, token),
        new Date(now() + SESSION_TTL_MS).toISOString(),
      ]);
      return token;
    },
    async read(token: string | undefined): Promise<Session | null> {
      if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
      const rows = await sql.query<{ keyId: string; sealedKey: string }>(
        `SELECT "keyId", "sealedKey" FROM "WebSession" WHERE id = $1 AND "expiresAt" > $2`,
        [sha256hex(token), new Date(now()).toISOString()],
      );
      const row = rows[0];
      const apiKey = row ? unseal(row.sealedKey, token) : null;
      return row && apiKey ? { token, keyId: row.keyId, apiKey } : null;
    },
    async destroy(token: string | undefined): Promise<void> {
      if (token) await sql.query(`DELETE FROM "WebSession" WHERE id = $1`, [sha256hex(token)]);
    },
  };
}
export type SessionStore = ReturnType<typeof sessionStore>;

/** The form token for a cookie value (session token or the pre-sign-in CSRF cookie). */
export function csrfToken(cookieValue: string): string {
  return createHmac('sha256', cookieValue).update('virtcompat-csrf').digest('base64url');
}

export function csrfValid(cookieValue: string | undefined, formToken: unknown): boolean {
  if (!cookieValue || typeof formToken !== 'string') return false;
  const a = Buffer.from(csrfToken(cookieValue));
  const b = Buffer.from(formToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k && !(k in out)) {
      try {
        out[k] = decodeURIComponent(v);
      } catch {
        out[k] = v;
      }
    }
  }
  return out;
}

export function cookie(name: string, value: string, opts: { maxAgeSeconds?: number; secure?: boolean } = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}
