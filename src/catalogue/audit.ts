// The audit log: every write attempt by a key leaves an entry (OK with before/after, INVALID with
// the first input error, FORBIDDEN with the refusal). OK entries are written inside the write's
// transaction; INVALID and FORBIDDEN ones after its rollback, in their own.
import type { Sql } from '../db/sql.ts';
import type { AuditActor } from './actor.ts';
import type { InputError } from './validate.ts';

export interface AuditInput {
  action: string;
  entityType: string;
  entityId?: string | null;
  outcome: 'OK' | 'FORBIDDEN' | 'INVALID';
  before?: unknown;
  after?: unknown;
  detail?: string | null;
}

export async function writeAudit(sql: Sql, actor: AuditActor, entries: AuditInput[]): Promise<void> {
  if (entries.length === 0) return;
  await sql.query(
    `INSERT INTO "AuditEntry" ("actorKeyId", "actorVendor", "actorRole", action, "entityType", "entityId", outcome, before, after, detail)
     SELECT $1, $2, $3, x.action, x."entityType", x."entityId", x.outcome, x.before, x.after, x.detail
       FROM jsonb_to_recordset($4::jsonb) AS x(action text, "entityType" text, "entityId" text, outcome text, before jsonb, after jsonb, detail text)`,
    [
      actor.keyId,
      actor.vendorId,
      actor.role,
      JSON.stringify(
        entries.map((e) => ({
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId ?? null,
          outcome: e.outcome,
          before: e.before ?? null,
          after: e.after ?? null,
          detail: e.detail ?? null,
        })),
      ),
    ],
  );
}

/** The INVALID entry of a write refused for its input: how many problems, and the first. */
export function invalidEntry(action: string, entityType: string, problems: InputError[]): AuditInput {
  const first = problems[0];
  return {
    action,
    entityType,
    outcome: 'INVALID',
    detail: `${problems.length} input error(s); first: ${first ? `${first.path.join('.')}: ${first.message}` : '-'}`.slice(0, 2000),
  };
}
