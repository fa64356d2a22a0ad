// Who is calling (a request's API key, or nobody) and who is writing (the same, or the CLI / the
// importers as SYSTEM). Request authentication (src/api/auth.ts) produces an Actor; every domain
// write takes one for authorization and the audit log.

/** Who is calling. Anonymous callers read accepted data only. */
export interface Actor {
  role: 'ANONYMOUS' | 'SUBMITTER' | 'MAINTAINER' | 'ADMIN';
  keyId: string | null;
  vendorId: string | null;
}

export const ANONYMOUS: Actor = Object.freeze({ role: 'ANONYMOUS', keyId: null, vendorId: null });

/** Who is writing, for authorization and the audit log. The CLI writes as SYSTEM. */
export interface AuditActor {
  role: Actor['role'] | 'SYSTEM';
  keyId: string | null;
  vendorId: string | null;
}

export const SYSTEM: AuditActor = Object.freeze({ role: 'SYSTEM', keyId: null, vendorId: null });
