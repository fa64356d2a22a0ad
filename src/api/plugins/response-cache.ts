// Whole-response cache for reads. The catalogue changes rarely, so correctness comes from dropping
// everything on any committed write (Services.onCatalogueChange), and the TTL bounds staleness when
// several instances share one database. Keys include the caller's session (role and vendor), so
// what a submitter may see never leaks to another caller.
import { useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../../schema/context.ts';

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
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
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

export function responseCachePlugin(cache: ClearableCache, ttlMs: number): Plugin {
  return useResponseCache<GraphQLContext>({
    cache,
    ttl: ttlMs,
    session: (_req, ctx) => (ctx.actor && ctx.actor.role !== 'ANONYMOUS' ? `${ctx.actor.role}:${ctx.actor.vendorId ?? ctx.actor.keyId}` : null),
    invalidateViaMutation: false,
    includeExtensionMetadata: false,
  }) as Plugin;
}
