// Vendors and API keys (admin writes), ownership of curated entities, and the key format itself.
//
// API keys: `vc_<keyId>_<secret>`. The key id is public (it names the ApiKey row); the secret is 32
// random bytes. Generating and hashing live here, with the writes that store them; src/api/auth.ts
// authenticates requests with parseApiKey and verifySecret.
//
// Storage: `sha256$<hex>` = HMAC-SHA-256 keyed by a per-key random salt over the secret, compared in
// constant time. The secret is 256 bits of randomness, not a password: nobody can search that space,
// so a slow password hash buys nothing and cost every request tens of milliseconds (and made wrong
// keys an easy way to burn CPU). Keys made before this scheme hold a bare hex scrypt hash; they are
// still accepted and rewritten to the fast scheme on their first successful use. The scheme lives in
// the hash string, so no schema change was needed.
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Sql } from '../db/sql.ts';
import { appError, badInput, ErrorCode } from '../errors.ts';
import { writeAudit } from './audit.ts';
import { authorize, type WriteEnv } from './authorize.ts';
import { appendChanges } from './changes.ts';
import type { CatalogueEvent } from './events.ts';
import { ts, type ApiKeyRow, type VendorRow } from './rows.ts';

export type { ApiKeyRow, VendorRow };
import { inTransaction, theRow } from './tx.ts';
import { Problems, RULES, text, unique, url } from './validate.ts';

// ───────────────────────────── key format and hashing ─────────────────────────────

export const KEY_PREFIX = 'vc_';
const KEY_RE = /^vc_([0-9a-f]{16})_([A-Za-z0-9_-]{43,128})$/;
/** The legacy scheme's parameters (N=2^15, r=8: some tens of milliseconds), kept to verify old hashes. */
const SCRYPT: ScryptOptions = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SCRYPT_LEN = 32;
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
/** HMAC-SHA-256 of a secret keyed by its salt: the fast scheme's digest. */
export const keyedDigest = (secret: string, salt: string) => createHmac('sha256', salt).update(secret).digest();

/** True for a hash in the legacy scrypt scheme (bare hex), which verification upgrades. */
export function isLegacyHash(hash: string): boolean {
  return !hash.startsWith(FAST_PREFIX);
}

/** The stored form of a secret: `sha256$<hex HMAC-SHA-256(salt, secret)>` and its salt. */
export async function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): Promise<{ hash: string; salt: string }> {
  return { hash: FAST_PREFIX + keyedDigest(secret, salt).toString('hex'), salt };
}

/** Whether `secret` matches a stored hash of either scheme; constant time in the comparison. */
export async function verifySecret(secret: string, salt: string, hash: string): Promise<boolean> {
  if (!isLegacyHash(hash)) {
    const want = Buffer.from(hash.slice(FAST_PREFIX.length), 'hex');
    const got = keyedDigest(secret, salt);
    return want.length === got.length && timingSafeEqual(want, got);
  }
  const want = Buffer.from(hash, 'hex');
  const got = await scrypt(secret, salt);
  return want.length === got.length && timingSafeEqual(want, got);
}

// ───────────────────────────── vendors and keys (admin) ─────────────────────────────

export interface VendorInput {
  id: string;
  name: string;
  kinds: string[];
  url?: string | null;
}

const VENDOR_SELECT = `SELECT id, name, url, kinds::text[] AS kinds FROM "Vendor"`;

function checkVendor(input: VendorInput): VendorInput {
  const p = new Problems([], ['input']);
  const id = text(p, ['id'], input.id, RULES.slug, true);
  const name = text(p, ['name'], input.name, RULES.name, true);
  const u = url(p, ['url'], input.url);
  if (!input.kinds?.length) p.add(['kinds'], 'REQUIRED', 'at least one kind (HYPERVISOR, OS, HARDWARE, OTHER)');
  unique(p, ['kinds'], input.kinds ?? [], (k) => k, 'kind');
  if (p.count) throw badInput(p.list.map((e) => `${e.path.join('.')}: ${e.message}`).join('; '), p.list[0]?.path.join('.'));
  return { id: id!, name: name!, kinds: [...input.kinds], url: u ?? null };
}

export async function createVendor(
  env: Pick<WriteEnv, 'db' | 'actor'>,
  input: VendorInput,
  update = false,
): Promise<{ vendor: VendorRow; events: CatalogueEvent[] }> {
  const action = update ? 'vendor.update' : 'vendor.create';
  await authorize(env, ['ADMIN'], action, 'Vendor');
  const v = checkVendor(input);
  return inTransaction(env.db, async (tx) => {
    const [before] = await tx.query<VendorRow>(`${VENDOR_SELECT} WHERE id = $1 FOR UPDATE`, [v.id]);
    if (before && !update) throw appError(ErrorCode.CONFLICT, `vendor ${v.id} already exists`, { id: v.id });
    if (!before && update) throw appError(ErrorCode.NOT_FOUND, `vendor ${JSON.stringify(v.id)} does not exist`, { id: v.id });
    await tx.query(
      `INSERT INTO "Vendor" (id, name, kinds, url, "updatedAt") VALUES ($1, $2, $3::text[]::"VendorKind"[], $4, CURRENT_TIMESTAMP)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, kinds = excluded.kinds, url = excluded.url, "updatedAt" = CURRENT_TIMESTAMP`,
      [v.id, v.name, v.kinds, v.url],
    );
    const after = theRow(await tx.query<VendorRow>(`${VENDOR_SELECT} WHERE id = $1`, [v.id]), `vendor ${v.id}`);
    await writeAudit(tx, env.actor, [{ action, entityType: 'Vendor', entityId: v.id, outcome: 'OK', before: before ?? null, after }]);
    const events = await appendChanges(tx, [{ entityType: 'Vendor', entityId: v.id, op: 'UPSERT', data: after }]);
    return { vendor: after, events };
  });
}

export async function listVendors(sql: Sql): Promise<VendorRow[]> {
  return sql.query<VendorRow>(`${VENDOR_SELECT} ORDER BY id`);
}

export const API_KEY_SELECT = `SELECT id, "vendorId", role::text AS role, label, ${ts('"createdAt"')} AS "createdAt",
  ${ts('"lastUsedAt"')} AS "lastUsedAt", ${ts('"expiresAt"')} AS "expiresAt", ${ts('"revokedAt"')} AS "revokedAt" FROM "ApiKey"`;

export async function createApiKey(
  env: Pick<WriteEnv, 'db' | 'actor'>,
  input: { vendorId?: string | null; role: 'SUBMITTER' | 'MAINTAINER' | 'ADMIN'; label?: string | null; expiresAt?: string | null },
): Promise<{ key: string; apiKey: ApiKeyRow }> {
  const action = 'key.create';
  await authorize(env, ['ADMIN'], action, 'ApiKey');
  const p = new Problems();
  const vendorId = text(p, ['vendor'], input.vendorId, RULES.slug);
  const label = text(p, ['label'], input.label, RULES.short);
  if (input.role === 'SUBMITTER' && !input.vendorId) p.add(['vendor'], 'REQUIRED', 'a SUBMITTER key writes for a vendor: give the vendor');
  if (!['SUBMITTER', 'MAINTAINER', 'ADMIN'].includes(input.role))
    p.add(['role'], 'INVALID_FORMAT', 'role is SUBMITTER, MAINTAINER or ADMIN');
  if (input.expiresAt != null && !(Date.parse(input.expiresAt) > Date.now()))
    p.add(['expiresAt'], 'OUT_OF_RANGE', 'expiresAt must be in the future');
  if (p.count) throw badInput(p.list.map((e) => `${e.path.join('.')}: ${e.message}`).join('; '), p.list[0]?.path.join('.'));
  const { keyId, secret, key } = generateApiKey();
  const { hash, salt } = await hashSecret(secret);
  return inTransaction(env.db, async (tx) => {
    if (vendorId) {
      const [v] = await tx.query(`SELECT 1 FROM "Vendor" WHERE id = $1`, [vendorId]);
      if (!v)
        throw appError(ErrorCode.NOT_FOUND, `vendor ${JSON.stringify(vendorId)} does not exist; create it first`, { field: 'vendor' });
    }
    await tx.query(
      `INSERT INTO "ApiKey" (id, "vendorId", role, label, hash, salt, "expiresAt") VALUES ($1, $2, $3::"Role", $4, $5, $6, ($7::timestamptz AT TIME ZONE 'UTC'))`,
      [keyId, vendorId ?? null, input.role, label ?? null, hash, salt, input.expiresAt ?? null],
    );
    const row = theRow(await tx.query<ApiKeyRow>(`${API_KEY_SELECT} WHERE id = $1`, [keyId]), `API key ${keyId}`);
    await writeAudit(tx, env.actor, [{ action, entityType: 'ApiKey', entityId: keyId, outcome: 'OK', after: row }]);
    return { key, apiKey: row };
  });
}

export async function revokeApiKey(env: Pick<WriteEnv, 'db' | 'actor'>, id: string): Promise<ApiKeyRow> {
  const action = 'key.revoke';
  await authorize(env, ['ADMIN'], action, 'ApiKey');
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) {
    throw appError(ErrorCode.NOT_FOUND, `API key ${JSON.stringify(String(id).slice(0, 40))} does not exist (key ids are 16 hex digits)`);
  }
  return inTransaction(env.db, async (tx) => {
    const [before] = await tx.query<ApiKeyRow>(`${API_KEY_SELECT} WHERE id = $1 FOR UPDATE`, [id]);
    if (!before) throw appError(ErrorCode.NOT_FOUND, `API key ${id} does not exist`);
    if (before.revokedAt) return before;
    await tx.query(`UPDATE "ApiKey" SET "revokedAt" = CURRENT_TIMESTAMP WHERE id = $1`, [id]);
    const after = theRow(await tx.query<ApiKeyRow>(`${API_KEY_SELECT} WHERE id = $1`, [id]), `API key ${id}`);
    await writeAudit(tx, env.actor, [{ action, entityType: 'ApiKey', entityId: id, outcome: 'OK', before, after }]);
    return after;
  });
}

export async function listApiKeys(
  sql: Sql,
  opts: { vendorId?: string | null; includeRevoked?: boolean | null } = {},
): Promise<ApiKeyRow[]> {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (opts.vendorId) {
    params.push(opts.vendorId);
    conds.push(`"vendorId" = $${params.length}`);
  }
  if (!opts.includeRevoked) conds.push(`"revokedAt" IS NULL`);
  return sql.query<ApiKeyRow>(`${API_KEY_SELECT} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY "createdAt", id`, params);
}

export const OWNED_TABLES = {
  GUEST_OS: { table: 'GuestOS', entityType: 'GuestOS' },
  DEVICE: { table: 'Device', entityType: 'Device' },
  HYPERVISOR: { table: 'Hypervisor', entityType: 'Hypervisor' },
  HARDWARE_FEATURE: { table: 'HardwareFeature', entityType: 'HardwareFeature' },
} as const;

export async function assignOwner(
  env: Pick<WriteEnv, 'db' | 'actor'>,
  entityType: keyof typeof OWNED_TABLES,
  id: string,
  vendorId: string | null,
): Promise<{ entityType: string; id: string; vendorId: string | null }> {
  const action = 'owner.assign';
  const t = OWNED_TABLES[entityType];
  await authorize(env, ['ADMIN'], action, t.entityType);
  const p = new Problems();
  const eid = text(p, ['id'], id, RULES.ref, true);
  const vid = text(p, ['vendor'], vendorId, RULES.slug);
  if (!eid || p.count) throw badInput(p.list.map((e) => `${e.path.join('.')}: ${e.message}`).join('; '));
  return inTransaction(env.db, async (tx) => {
    const [before] = await tx.query<{ ownerVendorId: string | null }>(`SELECT "ownerVendorId" FROM "${t.table}" WHERE id = $1 FOR UPDATE`, [
      eid,
    ]);
    if (!before) throw appError(ErrorCode.NOT_FOUND, `${t.entityType} ${JSON.stringify(eid)} does not exist`);
    if (vid) {
      const [v] = await tx.query(`SELECT 1 FROM "Vendor" WHERE id = $1`, [vid]);
      if (!v) throw appError(ErrorCode.NOT_FOUND, `vendor ${JSON.stringify(vid)} does not exist`, { field: 'vendor' });
    }
    await tx.query(`UPDATE "${t.table}" SET "ownerVendorId" = $2, "updatedAt" = CURRENT_TIMESTAMP WHERE id = $1`, [eid, vid ?? null]);
    await writeAudit(tx, env.actor, [
      { action, entityType: t.entityType, entityId: eid, outcome: 'OK', before, after: { ownerVendorId: vid ?? null } },
    ]);
    return { entityType, id: eid, vendorId: vid ?? null };
  });
}
