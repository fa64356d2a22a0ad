// Automatic persisted queries (the Apollo APQ protocol): a client sends the SHA-256 of its document;
// the service answers PERSISTED_QUERY_NOT_FOUND once, the client resends with the text, and from
// then on the hash alone is enough. The store is bounded (LRU by insertion) so it cannot grow
// without limit.
import { createHash } from 'node:crypto';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export function usePersistedQueries(maxEntries = 2_000): Plugin {
  const store = new Map<string, string>();
  return {
    onParams({ params, setParams }) {
      const pq = (params.extensions as { persistedQuery?: { version?: number; sha256Hash?: string } } | undefined)?.persistedQuery;
      if (!pq) return;
      if (pq.version !== 1 || typeof pq.sha256Hash !== 'string' || !/^[0-9a-f]{64}$/.test(pq.sha256Hash)) {
        throw createGraphQLError('persistedQuery needs version 1 and a lower-case hex sha256Hash', {
          extensions: { code: 'PERSISTED_QUERY_INVALID', http: { status: 400 } },
        });
      }
      if (params.query) {
        const actual = createHash('sha256').update(params.query).digest('hex');
        if (actual !== pq.sha256Hash) {
          throw createGraphQLError('persistedQuery sha256Hash does not match the query text', {
            extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH', http: { status: 400 } },
          });
        }
        if (!store.has(actual)) {
          if (store.size >= maxEntries) store.delete(store.keys().next().value!);
          store.set(actual, params.query);
        }
        return;
      }
      const query = store.get(pq.sha256Hash);
      if (!query) {
        throw createGraphQLError('PersistedQueryNotFound', {
          extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 200 } },
        });
      }
      setParams({ ...params, query });
    },
  };
}
