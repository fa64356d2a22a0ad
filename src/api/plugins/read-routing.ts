// Queries read from a streaming replica that has replayed far enough; everything else (mutations,
// subscriptions, key lookups) stays on the primary. "Far enough" is read-your-writes:
// - a keyed caller's own last write: after every mutation the caller's position (the primary's WAL
//   position once it committed: it covers every write, pending submissions too, which the change
//   feed does not) is remembered, in Redis when there is one so every instance knows it;
// - a position the client says it has seen, in the `X-Catalogue-Min-Position` request header
//   (mutation responses carry the position they reached in `X-Catalogue-Position`);
// - the newest change this instance was notified of (see `floor`).
// A query for which no replica is far enough reads the primary. The response says where it read,
// in `X-Catalogue-Read` (`primary` or `replica-N`).
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withSql, type Database } from '../../db/index.ts';
import { parseLsn, type ReadRouter } from '../../db/replicas.ts';
import { createLoaders } from '../../schema/loaders.ts';
import type { Actor } from '../../catalogue/actor.ts';

export const MIN_POSITION_HEADER = 'x-catalogue-min-position';
export const POSITION_HEADER = 'x-catalogue-position';
export const READ_HEADER = 'x-catalogue-read';

/** How long a caller's write position is kept: far longer than any replica should lag. */
const POSITION_TTL_SECONDS = 600;

/** Callers' last write positions: in this process, and in Redis for the other instances. */
export interface WritePositions {
  remember(keyId: string, lsn: bigint): Promise<void>;
  /** The caller's last write position; undefined when it cannot be known (Redis down): read the primary. */
  get(keyId: string): Promise<bigint | undefined>;
}

const KEEP_MAX = `local c = redis.call('GET', KEYS[1])
if (not c) or tonumber(c) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1`;

export function writePositions(redis?: Redis, logger?: Logger): WritePositions {
  const local = new Map<string, { seq: bigint; expires: number }>();
  const key = (keyId: string) => `virtcompat:write-position:${keyId}`;
  return {
    async remember(keyId, n) {
      const seq = n.toString();
      const cur = local.get(keyId);
      if (!cur || cur.seq < n) local.set(keyId, { seq: n, expires: Date.now() + POSITION_TTL_SECONDS * 1000 });
      if (local.size > 50_000) local.delete(local.keys().next().value as string);
      await redis?.eval(KEEP_MAX, 1, key(keyId), seq, String(POSITION_TTL_SECONDS)).catch((err: Error) => {
        logger?.debug({ err: err.message }, 'write position not shared (redis)');
      });
    },
    async get(keyId) {
      const cur = local.get(keyId);
      const mine = cur && cur.expires > Date.now() ? cur.seq : 0n;
      if (!redis) return mine;
      try {
        const shared = await redis.get(key(keyId));
        const s = shared ? BigInt(shared) : 0n;
        return s > mine ? s : mine;
      } catch {
        return undefined;
      }
    },
  };
}

function operationOf(document: DocumentNode, name?: string | null): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? ops.find((o) => o.name?.value === name) : ops[0];
}

function headerPosition(request: Request): bigint {
  const v = request.headers.get(MIN_POSITION_HEADER);
  return (v && parseLsn(v.trim())) || 0n;
}

/** The primary's WAL position now: after a commit, at or past that commit. */
async function walPosition(primary: Database): Promise<string | undefined> {
  const [row] = await primary.sql.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
  return row?.lsn;
}

export function useReadRouting(opts: {
  router: ReadRouter;
  primary: Database;
  positions: WritePositions;
  /**
   * The newest change this instance has been told of (the change feed's notifications). No read is
   * routed below it: an answer cached after an invalidation is never read from a replica that has
   * not replayed the change that caused it, and one instance's reads never go back in time.
   */
  floor?: () => bigint;
}): Plugin {
  const notes = new WeakMap<Request, { read?: string; position?: string }>();
  return {
    async onExecute({ args, extendContext }) {
      const ctx = args.contextValue as { request?: Request; actor?: Actor };
      const request = ctx.request;
      const op = operationOf(args.document, args.operationName);
      if (!request || !op) return;
      if (op.operation === 'mutation') {
        const keyId = ctx.actor?.keyId;
        return {
          async onExecuteDone() {
            // Where the WAL stands after the write committed: this caller's reads must see that much.
            const lsn = await walPosition(opts.primary).catch(() => undefined);
            const n = lsn ? parseLsn(lsn) : undefined;
            if (!lsn || n === undefined) return;
            notes.set(request, { position: lsn });
            if (keyId) await opts.positions.remember(keyId, n);
          },
        };
      }
      if (op.operation !== 'query') return;
      let lsn = headerPosition(request);
      const keyId = ctx.actor?.keyId;
      if (keyId) {
        const own = await opts.positions.get(keyId);
        // Unknown (Redis down): only the primary is sure to hold the caller's writes.
        lsn = own === undefined ? BigInt('0xFFFFFFFFFFFFFFFF') : own > lsn ? own : lsn;
      }
      const view = opts.router.route({ lsn, seq: opts.floor?.() ?? 0n });
      notes.set(request, { read: view.target });
      extendContext({ db: withSql(opts.primary, view.sql), loaders: createLoaders(view.sql) } as never);
      return undefined;
    },
    onResponse({ request, response }) {
      const n = notes.get(request);
      if (n?.read) response.headers.set(READ_HEADER, n.read);
      if (n?.position) response.headers.set(POSITION_HEADER, n.position);
    },
  };
}
