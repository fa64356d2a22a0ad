// Per-caller token buckets: one per API key, one per client IP for anonymous callers, and one per
// client IP for keys not yet verified (so key guessing is throttled too; see useAccessControl). With REDIS_URL the buckets live in
// Redis and a Lua script updates them atomically against Redis's clock, so several instances share
// one budget; otherwise they live in this process.
//
// The check runs in yoga's onRequest, before parsing and before the key is verified, so a flood of
// bad documents or bad keys costs no more than a flood of good ones. The caller is authenticated
// there too (memoised per request), and the context factory and the response cache reuse that answer.
import type { Plugin } from 'graphql-yoga';
import { newRedis } from '../redis.ts';
import type { Logger } from 'pino';
import { ErrorCode } from '../../errors.ts';
import type { Authenticator } from '../auth.ts';

export interface TakeResult {
  allowed: boolean;
  /** Whole seconds until one token is available again (0 when allowed). */
  retryAfter: number;
  remaining: number;
}

export interface RateLimiter {
  readonly kind: 'memory' | 'redis';
  take(bucket: string): Promise<TakeResult>;
  close(): Promise<void>;
}

export interface BucketConfig {
  /** Sustained rate. */
  perMinute: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
}

export function memoryRateLimiter(cfg: BucketConfig, now: () => number = Date.now): RateLimiter {
  const perMs = cfg.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; ts: number }>();
  const fullAfterMs = cfg.burst / perMs;
  return {
    kind: 'memory',
    async take(bucket) {
      const t = now();
      let b = buckets.get(bucket);
      if (!b) {
        if (buckets.size >= 100_000) {
          for (const [k, v] of buckets) if (t - v.ts >= fullAfterMs) buckets.delete(k);
          if (buckets.size >= 100_000) buckets.delete(buckets.keys().next().value!);
        }
        b = { tokens: cfg.burst, ts: t };
        buckets.set(bucket, b);
      }
      b.tokens = Math.min(cfg.burst, b.tokens + (t - b.ts) * perMs);
      b.ts = t;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true, retryAfter: 0, remaining: Math.floor(b.tokens) };
      }
      return { allowed: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)), remaining: 0 };
    },
    close: async () => {},
  };
}

// KEYS[1] bucket; ARGV[1] capacity, ARGV[2] tokens per millisecond. Returns {allowed, waitMs, remaining}.
const TAKE_LUA = `
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * perMs)
  ts = now
end
local allowed = 0
local waitMs = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  waitMs = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / perMs) + 1000)
return {allowed, waitMs, math.floor(tokens)}
`;

type TakeCommand = (key: string, capacity: string, perMs: string) => Promise<[number, number, number]>;

export function redisRateLimiter(cfg: BucketConfig, url: string, logger?: Logger, prefix = 'virtcompat:rl:'): RateLimiter {
  const redis = newRedis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
  // Every reconnect attempt fails while Redis is down: debug; the fallback is announced once below.
  redis.on('error', (err: Error) => logger?.debug({ err: err.message }, 'redis (rate limit) connection error'));
  let degraded = false;
  const degrade = (why: string) => {
    if (degraded) return;
    degraded = true;
    logger?.warn({ event: 'rate_limit_fallback', err: why }, 'rate limit: redis unavailable; using per-instance buckets until it is back');
  };
  redis.on('ready', () => {
    if (!degraded) return;
    degraded = false;
    logger?.info({ event: 'rate_limit_redis_restored' }, 'rate limit: redis is back; buckets are shared again');
  });
  redis.defineCommand('vcTakeToken', { numberOfKeys: 1, lua: TAKE_LUA });
  const take = (redis as unknown as { vcTakeToken: TakeCommand }).vcTakeToken.bind(redis);
  const perMs = String(cfg.perMinute / 60_000);
  const fallback = memoryRateLimiter(cfg);
  // The socket is unref'd when idle (so it never holds a finished process open) and ref'd while a
  // command waits for its reply (so the reply is not lost to an empty event loop).
  let inflight = 0;
  const stream = () => (redis as unknown as { stream?: { ref?: () => void; unref?: () => void } }).stream;
  redis.on('connect', () => {
    if (inflight === 0) stream()?.unref?.();
  });
  const busy = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (inflight++ === 0) stream()?.ref?.();
    try {
      return await fn();
    } finally {
      if (--inflight === 0) stream()?.unref?.();
    }
  };
  return {
    kind: 'redis',
    async take(bucket) {
      // Known to be down (after having connected): do not make every request wait for a reconnect.
      if (degraded && redis.status !== 'ready') return fallback.take(bucket);
      try {
        const [allowed, waitMs, remaining] = await busy(() => take(prefix + bucket, String(cfg.burst), perMs));
        return { allowed: allowed === 1, retryAfter: allowed === 1 ? 0 : Math.max(1, Math.ceil(waitMs / 1000)), remaining };
      } catch (err) {
        // Redis unreachable: keep limiting, per instance, rather than refuse or wave everyone through.
        degrade((err as Error).message);
        return fallback.take(bucket);
      }
    },
    async close() {
      await busy(() => redis.quit()).catch(() => redis.disconnect());
    },
  };
}

export function createRateLimiter(cfg: BucketConfig & { redisUrl?: string }, logger?: Logger): RateLimiter {
  return cfg.redisUrl ? redisRateLimiter(cfg, cfg.redisUrl, logger) : memoryRateLimiter(cfg);
}

/** The address the request came from (express's view of it), or `local` for in-process calls. */
export function clientIp(serverContext: unknown): string {
  const req = (serverContext as { req?: { ip?: string; socket?: { remoteAddress?: string } } } | undefined)?.req;
  return req?.ip ?? req?.socket?.remoteAddress ?? 'local';
}

type ResponseCtor = new (body: string, init: { status: number; headers: Record<string, string> }) => Response;

function errorResponse(R: ResponseCtor, status: number, body: unknown, headers: Record<string, string>): Response {
  return new R(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

export function rateLimitedBody(retryAfter: number, who: string) {
  return {
    errors: [
      {
        message: `rate limit exceeded for ${who}; retry in ${retryAfter} s`,
        extensions: { code: ErrorCode.RATE_LIMITED, retryAfter },
      },
    ],
  };
}

/**
 * Takes a token from the caller's bucket, then authenticates it, before yoga does anything else.
 * Refusals are answered right here: 429 with Retry-After when the bucket is empty, 401 for a bad key.
 *
 * Which bucket pays, decided before the key is verified:
 * - no key: the client address (`ip:`);
 * - a key whose exact secret this process has already verified: the key's own bucket (`key:`);
 * - any other key (first use here, a wrong secret, an unknown id, a malformed key): the client
 *   address's bucket for unverified keys (`auth:`), and, once verified, the key's bucket as well.
 * So a wrong secret for a real key id costs the sender's address, never the key's owner: guessing
 * cannot drain someone else's budget, and unverified attempts are throttled per address before any
 * database read or hash. `auth:` is apart from `ip:` so anonymous readers behind the same address
 * do not pay for key holders' first requests, nor the reverse.
 */
export function useAccessControl(opts: {
  auth: Authenticator;
  limiter: RateLimiter | null;
  /** The answer when authentication failed because the database is gone (503), else undefined. */
  unavailable?: (err: unknown, R: typeof Response) => Response | undefined;
}): Plugin {
  return {
    async onRequest({ request, serverContext, endResponse, fetchAPI }) {
      const R = fetchAPI.Response as unknown as ResponseCtor;
      const ip = clientIp(serverContext);
      const refuse = (t: TakeResult, who: string) =>
        endResponse(errorResponse(R, 429, rateLimitedBody(t.retryAfter, who), { 'Retry-After': String(t.retryAfter) }));
      const hasKey = (request.headers.get('authorization') ?? '').trim() !== '';
      const claim = opts.auth.claim(request);
      if (opts.limiter) {
        const [bucket, who] = claim?.seen
          ? [`key:${claim.keyId}`, `API key ${claim.keyId}`]
          : hasKey
            ? [`auth:${ip}`, `unverified API keys from ${ip}`]
            : [`ip:${ip}`, `anonymous callers from ${ip}`];
        const t = await opts.limiter.take(bucket);
        if (!t.allowed) return refuse(t, who);
      }
      let keyId: string | null;
      try {
        keyId = (await opts.auth.authenticate(request)).keyId;
      } catch (err) {
        const e = err as { message: string; extensions?: { code?: string; http?: { status?: number; headers?: Record<string, string> } } };
        if (e.extensions?.code !== ErrorCode.UNAUTHENTICATED) {
          const down = opts.unavailable?.(err, fetchAPI.Response as typeof Response);
          if (down) return endResponse(down);
          throw err;
        }
        endResponse(
          errorResponse(
            R,
            401,
            { errors: [{ message: e.message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] },
            e.extensions.http?.headers ?? {},
          ),
        );
        return;
      }
      if (opts.limiter && keyId && !claim?.seen) {
        const t = await opts.limiter.take(`key:${keyId}`);
        if (!t.allowed) return refuse(t, `API key ${keyId}`);
      }
    },
  };
}
