// The only module that reads process.env. Everything else receives a frozen, typed Config.
import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'expected one of 1/0, true/false, yes/no, on/off',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: 'expected a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );

const EnvSchema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'expected a postgresql:// URL' })
    .optional(),
  DATABASE_REPLICA_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^postgres(ql)?:\/\//, { error: 'expected a comma-separated list of postgresql:// URLs' })))
    .optional(),
  /** How often each replica's replayed change-feed position is read (ms). */
  REPLICA_POLL_MS: int(10, 60_000).default(200),
  DATA_DIR: z.string().min(1).default('./data'),
  DB_POOL_SIZE: int(1, 200).default(10),
  /** A statement running longer is cancelled and answered 503 with Retry-After (0: no limit). */
  DB_STATEMENT_TIMEOUT_MS: int(0, 3_600_000).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_ON_START: bool.default(true),
  IMPORT_OSINFO_ON_START: bool.default(true),
  OSINFO_PATH: z.string().min(1).default('/usr/share/osinfo'),
  RESPONSE_CACHE: bool.default(true),
  RESPONSE_CACHE_TTL_MS: int(0, 86_400_000).default(60_000),
  GRAPHQL_MAX_DEPTH: int(2, 100).default(12),
  GRAPHQL_MAX_ALIASES: int(1, 1000).default(30),
  GRAPHQL_MAX_TOKENS: int(10, 100_000).default(2_000),
  GRAPHQL_MAX_COST: int(10, 10_000_000).default(50_000),
  MAX_BODY_BYTES: int(1024, 100_000_000).default(1_048_576),
  MAX_RECORDS_PER_REQUEST: int(1, 100_000).default(500),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
  RATE_LIMIT_BURST: int(1, 1_000_000).default(120),
  RATE_LIMIT_ENABLED: bool.default(true),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: 'expected a redis:// URL' })
    .optional(),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
});

export type Config = Readonly<{
  port: number;
  host: string;
  database: Readonly<
    { kind: 'postgres'; url: string; poolSize: number; statementTimeoutMs?: number } | { kind: 'pglite'; dataDir: string }
  >;
  /** Streaming replicas of DATABASE_URL that serve reads (DATABASE_REPLICA_URLS); empty: the primary serves all. */
  replicas: Readonly<{ urls: readonly string[]; pollMs: number }>;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  seedOnStart: boolean;
  /** Import osinfo-db from `path` at a start where it was never imported (and the path exists). */
  osinfoOnStart: Readonly<{ enabled: boolean; path: string }>;
  responseCache: Readonly<{ enabled: boolean; ttlMs: number }>;
  limits: Readonly<{
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
    maxBodyBytes: number;
    maxRecordsPerRequest: number;
    ratePerMinute: number;
    rateBurst: number;
    /** Token buckets per API key / client IP (RATE_LIMIT_ENABLED=false turns them off, e.g. for benchmarks). */
    rateLimitEnabled: boolean;
  }>;
  redisUrl?: string;
  shutdownTimeoutMs: number;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'BAD_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment once; reports every bad variable at once. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const known = Object.keys(EnvSchema.shape);
  const input: Record<string, string> = {};
  for (const k of known) {
    const v = env[k];
    if (v !== undefined && v !== '') input[k] = v;
  }
  const parsed = EnvSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(input[String(i.path[0])] ?? '')}: ${i.message}`),
    );
  }
  const e = parsed.data;
  if (e.DATABASE_REPLICA_URLS?.length && !e.DATABASE_URL) {
    throw new ConfigError([
      `DATABASE_REPLICA_URLS=${JSON.stringify(input.DATABASE_REPLICA_URLS)}: replicas serve a PostgreSQL primary; set DATABASE_URL to it`,
    ]);
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    database: Object.freeze(
      e.DATABASE_URL
        ? { kind: 'postgres' as const, url: e.DATABASE_URL, poolSize: e.DB_POOL_SIZE, statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS }
        : { kind: 'pglite' as const, dataDir: resolve(cwd, e.DATA_DIR) },
    ),
    replicas: Object.freeze({ urls: Object.freeze(e.DATABASE_REPLICA_URLS ?? []), pollMs: e.REPLICA_POLL_MS }),
    logLevel: e.LOG_LEVEL,
    seedOnStart: e.SEED_ON_START,
    osinfoOnStart: Object.freeze({ enabled: e.IMPORT_OSINFO_ON_START, path: resolve(cwd, e.OSINFO_PATH) }),
    responseCache: Object.freeze({ enabled: e.RESPONSE_CACHE, ttlMs: e.RESPONSE_CACHE_TTL_MS }),
    limits: Object.freeze({
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCost: e.GRAPHQL_MAX_COST,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxRecordsPerRequest: e.MAX_RECORDS_PER_REQUEST,
      ratePerMinute: e.RATE_LIMIT_PER_MINUTE,
      rateBurst: e.RATE_LIMIT_BURST,
      rateLimitEnabled: e.RATE_LIMIT_ENABLED,
    }),
    redisUrl: e.REDIS_URL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}

/** Variables the service understands, for --help texts and the README. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);
