// Authorization: one gate for every catalogue write. A caller without a key is UNAUTHENTICATED; a
// key with the wrong role, or a write to what another vendor owns, is FORBIDDEN, and every such
// refusal leaves a FORBIDDEN audit entry, written in its own transaction (the write's own rolls
// back). Refusals found inside a write's transaction are thrown as `Refused` and turned into the
// audited error by `gate`, so no write path can refuse without auditing.
import type { Database } from '../db/index.ts';
import { appError, ErrorCode } from '../errors.ts';
import type { AuditActor } from './actor.ts';
import { writeAudit } from './audit.ts';

/** What a write needs besides its input: the database, who writes, and the request limits. */
export interface WriteEnv {
  db: Database;
  actor: AuditActor;
  limits: { maxRecordsPerRequest: number };
}

export type Role = 'SUBMITTER' | 'MAINTAINER' | 'ADMIN';

/** Thrown inside a transaction to roll it back; `gate` writes the FORBIDDEN audit entry afterwards. */
export class Refused extends Error {
  constructor(
    message: string,
    readonly entityType: string,
    readonly entityId: string | null,
  ) {
    super(message);
  }
}

/** Writes the FORBIDDEN audit entry (in its own transaction) and returns the error to throw. */
export async function forbidden(
  env: Pick<WriteEnv, 'db' | 'actor'>,
  action: string,
  entityType: string,
  entityId: string | null,
  message: string,
) {
  await writeAudit(env.db.sql, env.actor, [{ action, entityType, entityId, outcome: 'FORBIDDEN', detail: message }]);
  return appError(ErrorCode.FORBIDDEN, message, { action });
}

const ROLE_TEXT: Record<string, string> = {
  SUBMITTER: 'a submitter key (a vendor\u2019s writes)',
  MAINTAINER: 'a maintainer key',
  ADMIN: 'an admin key',
};

/** Anonymous callers get UNAUTHENTICATED; a key with the wrong role FORBIDDEN, with an audit entry. */
export async function authorize(env: Pick<WriteEnv, 'db' | 'actor'>, allowed: Role[], action: string, entityType: string): Promise<void> {
  const role = env.actor.role;
  if (role === 'SYSTEM') return;
  if (role === 'ANONYMOUS') {
    throw appError(ErrorCode.UNAUTHENTICATED, `${action} needs an API key (Authorization: Bearer vc_...)`);
  }
  if (!allowed.includes(role)) {
    throw await forbidden(
      env,
      action,
      entityType,
      null,
      `${action} needs ${allowed.map((r) => ROLE_TEXT[r]).join(' or ')}; this key is ${role.toLowerCase()}`,
    );
  }
  if (allowed.length === 1 && allowed[0] === 'SUBMITTER' && !env.actor.vendorId) {
    throw await forbidden(env, action, entityType, null, `${action} needs a key that belongs to a vendor`);
  }
}

/** Runs a write; a `Refused` thrown inside it becomes the FORBIDDEN error, after its audit entry. */
export async function gate<T>(env: Pick<WriteEnv, 'db' | 'actor'>, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Refused) throw await forbidden(env, action, err.entityType, err.entityId, err.message);
    throw err;
  }
}

/**
 * The vendor a SUBMITTER-only write acts for. `authorize(env, ['SUBMITTER'], ...)` refuses keys
 * without one, so only a SYSTEM caller (the CLI) can get here without: a programming error.
 */
export function writingVendor(env: Pick<WriteEnv, 'actor'>, action: string): string {
  const vendorId = env.actor.vendorId;
  if (!vendorId) throw new Error(`${action} writes for a vendor; the caller (${env.actor.role}) has none`);
  return vendorId;
}
