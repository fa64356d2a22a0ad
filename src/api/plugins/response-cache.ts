// Whole-response cache for reads. The catalogue changes rarely, so correctness comes from dropping
// everything on any committed write: this instance's own (Services.onCatalogueChange), other
// instances' through Redis, and on PostgreSQL every writer's, the CLI and importers included,
// through the change feed's notifications (src/api/change-stream.ts). The TTL bounds staleness only
// where no notification can arrive (PGlite shared by nothing else cannot have other writers).
//
// Guarantee: an answer cached for one caller is never served to another. Each entry is keyed by the
// API key that asked (its key id), anonymous callers share one entry per query, and the key id comes
// from the request itself: the memoised authentication that access control already ran in yoga's
// onRequest, before the cache computes its key in onParams (the GraphQL context, where `actor`
// lives, does not exist yet at that point). A request whose key is refused never gets this far.
// Answers that exist only to say who the caller is or what it administers (viewer, API keys, the
// audit log) are not cached at all: they are cheap, and must reflect revocations and new audit
// entries at once, which no catalogue write announces.
import { useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import type { Plugin } from 'graphql-yoga';
import type { Authenticator } from '../auth.ts';

export class ClearableCache implements Cache {
  private readonly entries = new Map<string, { value: unknown; expires: number }>();
  constructor(private readonly maxEntries = 5_000) {}
  get(key: string) {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value as never;
  }
  set(key: string, value: unknown, _entities: unknown, ttl: number) {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: ttl === Infinity ? Infinity : Date.now() + ttl });
  }
  invalidate() {
    this.clear();
  }
  clear() {
    this.entries.clear();
  }
  get size() {
    return this.entries.size;
  }
}

/** Fields whose answers are never cached, for any caller (a TTL of 0 skips the whole response). */
export const UNCACHED_FIELDS = ['Query.viewer', 'Query.apiKeys', 'Query.auditLog', 'Vendor.apiKeys'] as const;

/** The cache session of a request: `key:<key id>` for a keyed caller, null (shared) for anonymous ones. */
export async function cacheSession(auth: Authenticator, request: Request): Promise<string | null> {
  const actor = await auth.authenticate(request);
  return actor.keyId ? `key:${actor.keyId}` : null;
}

export function responseCachePlugin(cache: ClearableCache, ttlMs: number, auth: Authenticator): Plugin {
  return useResponseCache({
    cache,
    ttl: ttlMs,
    session: (request) => cacheSession(auth, request),
    ttlPerSchemaCoordinate: Object.fromEntries(UNCACHED_FIELDS.map((c) => [c, 0])),
    // Belt and braces: were a TTL ever given to these, an anonymous (shared) entry still could not hold them.
    scopePerSchemaCoordinate: { Viewer: 'PRIVATE', ApiKey: 'PRIVATE', AuditEntry: 'PRIVATE' },
    invalidateViaMutation: false,
    includeExtensionMetadata: false,
  }) as Plugin;
}
