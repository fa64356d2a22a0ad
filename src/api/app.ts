// Builds the express app with graphql-yoga mounted. Listening and shutdown live in server.ts, so
// tests drive this app in-process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type Response, type NextFunction } from 'express';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import type { Logger } from 'pino';
import { Kind, type ExecutionArgs, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { buildSchema } from '../schema/index.ts';
import { createLoaders } from '../schema/loaders.ts';
import type { GraphQLContext, Services } from '../schema/context.ts';
import { fromPrismaError } from '../errors.ts';
import { usePersistedQueries } from './plugins/persisted-queries.ts';
import { createAuthenticator, type Authenticator } from './auth.ts';
import { createEventBus, type EventBus } from './pubsub.ts';
import { createRateLimiter, useAccessControl } from './plugins/rate-limit.ts';
import { classifyClientError, useInputGuards } from './plugins/input-errors.ts';
import { databaseErrorFor, outageLog, outageResponse, readiness } from './database-health.ts';
import type { VendorServices } from '../schema/vendor/resolvers.ts';
import type { MoveServices } from '../schema/move/resolvers.ts';
import { ClearableCache, responseCachePlugin } from './plugins/response-cache.ts';
import { GRAPHIQL_ASSETS, graphiqlAssets, renderGraphiQL } from './graphiql.ts';
import { useHttpErrors } from './plugins/http-errors.ts';
import { useFieldCost } from './plugins/field-cost.ts';
import { createSnapshotRoute, type SnapshotRoute } from './snapshot.ts';
import { createReadRouter, type ReadRouter } from '../db/replicas.ts';
import { useReadRouting, writePositions } from './plugins/read-routing.ts';
import { startChangeStream, type ChangeStream } from './change-stream.ts';
import { newRedis } from './redis.ts';
import { unrefOnConnect } from './pubsub.ts';
import { webRouter } from '../web/routes.ts';

export interface App {
  app: express.Express;
  /**
   * What the HTTP server calls: POST /graphql with a JSON body goes straight to yoga (see
   * `graphqlPost`), everything else through `app`.
   */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  yoga: YogaServerInstance<Services, Record<string, unknown>>;
  services: AppServices;
  cache: ClearableCache;
  /** GET /snapshot (src/api/snapshot.ts). */
  snapshot: SnapshotRoute;
  /** Replicas serving reads (DATABASE_REPLICA_URLS), when there are any. */
  router?: ReadRouter;
  /** The change feed's notifications (PostgreSQL), when listening. */
  changes?: ChangeStream;
  /** Resolves once events flow (Redis subscribed, change feed listened to) and replicas were polled once. */
  ready: Promise<void>;
  /** Releases what the app holds besides the database (Redis connections); call before db.close(). */
  close(): Promise<void>;
}

/** What the resolvers receive (Services, VendorServices) plus what the app's plugins use. */
export type AppServices = Services & VendorServices & MoveServices & { auth: Authenticator; events: EventBus };

let schemaSingleton: GraphQLSchema | undefined;

export function buildApp(config: Config, db: Database, logger: Logger): App {
  schemaSingleton ??= buildSchema();
  const cache = new ClearableCache();
  const outage = outageLog(logger);
  const events = createEventBus({ redisUrl: config.redisUrl, logger });
  const auth = createAuthenticator(db);
  const limiter = config.limits.rateLimitEnabled
    ? createRateLimiter({ perMinute: config.limits.ratePerMinute, burst: config.limits.rateBurst, redisUrl: config.redisUrl }, logger)
    : null;
  const services: AppServices = {
    db,
    config,
    onCatalogueChange: () => catalogueChanged(),
    auth,
    events,
  };
  const snapshot = createSnapshotRoute({ schema: schemaSingleton, db, services });
  /** A write committed (here, or on any instance): this instance's response cache and catalogue snapshot go stale. */
  function catalogueChanged() {
    cache.clear();
    snapshot.invalidate();
  }
  events.onEvent(catalogueChanged);
  // On PostgreSQL every committed change, from any writer, arrives through the change feed too.
  const changes =
    config.database.kind === 'postgres' && db.kind === 'postgres'
      ? startChangeStream({ url: config.database.url, sql: db.sql, bus: events, logger })
      : undefined;
  const router =
    config.database.kind === 'postgres' && db.kind === 'postgres' && config.replicas.urls.length > 0
      ? createReadRouter(db, config.replicas.urls, {
          pollMs: config.replicas.pollMs,
          poolSize: config.database.poolSize,
          statementTimeoutMs: config.database.statementTimeoutMs,
        })
      : undefined;
  // Callers' write positions are shared through Redis, so a write on one instance and a read on
  // another still read the write; without Redis they are known to the instance that wrote.
  const positionsRedis =
    router && config.redisUrl
      ? newRedis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500 })
      : undefined;
  positionsRedis?.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis (write positions) connection error'));
  if (positionsRedis) unrefOnConnect(positionsRedis);

  const plugins: Plugin[] = [
    // The rate-limit token is taken before any key lookup; a lookup the database cannot answer is 503.
    useAccessControl({ auth, limiter, unavailable: (err, R) => outageResponse(err, outage, R) }),
    useHttpErrors(),
    useInputGuards(),
    usePersistedQueries(),
    maxTokensPlugin({ n: config.limits.maxTokens }) as Plugin,
    maxDepthPlugin({ n: config.limits.maxDepth, flattenFragments: true }) as Plugin,
    maxAliasesPlugin({ n: config.limits.maxAliases }) as Plugin,
    costLimitPlugin({ maxCost: config.limits.maxCost }) as Plugin,
    useFieldCost(),
    blockFieldSuggestionsPlugin() as Plugin,
    // Subscriptions run on graphql-js: graphql-jit's subscribe leaves a stream hanging when the
    // subscribe resolver rejects (e.g. an unknown guest) instead of sending the error.
    useGraphQlJit({}, { cache: jitCache(), enableIf: (args) => !isSubscription(args) }) as Plugin,
  ];
  if (router) {
    const positions = writePositions(positionsRedis, logger);
    plugins.push(useReadRouting({ router, primary: db, positions, floor: () => BigInt(changes?.position() ?? '0') }));
  }
  if (config.responseCache.enabled) plugins.push(responseCachePlugin(cache, config.responseCache.ttlMs, auth));

  const yoga = createYoga<Services, Record<string, unknown>>({
    schema: schemaSingleton,
    context: async ({ request }): Promise<Record<string, unknown>> =>
      ({ ...services, loaders: createLoaders(db.sql), actor: await auth.authenticate(request) }) satisfies GraphQLContext & VendorServices,
    plugins,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'virtcompat', defaultQuery: DEFAULT_QUERY },
    renderGraphiQL, // every asset from the service itself: works offline
    logging: {
      debug: (...a: unknown[]) => logger.debug(a.map(String).join(' ')),
      info: (...a: unknown[]) => logger.info(a.map(String).join(' ')),
      warn: (...a: unknown[]) => logger.warn(a.map(String).join(' ')),
      error: (...a: unknown[]) => logger.error({ err: a.find((x) => x instanceof Error) }, a.map(String).join(' ')),
    },
    maskedErrors: {
      maskError(error, message) {
        const original = (error as { originalError?: unknown }).originalError;
        const translated = original ? fromPrismaError(original) : undefined;
        if (translated) return translated;
        const ext = (error as { extensions?: { code?: unknown } }).extensions;
        if (ext?.code) return error as Error;
        const clientError = classifyClientError(error);
        if (clientError) return clientError;
        const dbError = databaseErrorFor(error, outage);
        if (dbError) return dbError;
        logger.error({ err: original ?? error }, 'unexpected error in GraphQL execution');
        return createGraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      },
    },
  });

  // movePlan: the runtime's move, asking this service for facts in-process (loaded on first use)
  let movePlanner: Promise<NonNullable<MoveServices['movePlanner']>> | undefined;
  services.movePlanner = async (req) => {
    movePlanner ??= import('../hypervisor-runtime/move/service.ts').then((m) =>
      m.createMovePlanner({ fetchImpl: ((url: string, init?: RequestInit) => yoga.fetch(url, init ?? {})) as unknown as typeof fetch }),
    );
    return (await movePlanner)(req) as ReturnType<NonNullable<MoveServices['movePlanner']>>;
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const r = await readiness(db, outage);
    // Replicas are reported, never a reason to be unready: the primary serves their reads.
    const body = router ? { ...r.body, replicas: router.status().map(({ lastError: _, ...rest }) => rest) } : r.body;
    res.status(r.status).set(r.headers).json(body);
  });

  // the catalogue for runtimes that plan offline: not rate-limited (a 304 costs less than the limiter's check)
  app.get('/snapshot', (req, res, next) => {
    snapshot.handle(req, res).catch(async (err: unknown) => {
      // the database away: 503 with Retry-After, as GraphQL answers then
      const r = outageResponse(err, outage, Response);
      if (!r) return next(err);
      res.status(r.status);
      for (const [k, v] of r.headers) res.set(k, v);
      res.end(await r.text());
    });
  });
  app.use(GRAPHIQL_ASSETS, graphiqlAssets());
  app.use(
    yoga.graphqlEndpoint,
    express.json({ limit: config.limits.maxBodyBytes, type: ['application/json', 'application/graphql-response+json'] }),
  );
  app.use(yoga.graphqlEndpoint, yoga as unknown as express.RequestHandler);
  // The web pages (src/web): they run their GraphQL through this same yoga instance.
  app.use(webRouter({ yoga, sql: db.sql, logger }));
  app.use((req, res) => {
    res.status(404).json({ errors: [{ message: `no route ${req.method} ${req.path}`, extensions: { code: 'NOT_FOUND' } }] });
  });
  // express's own errors (body too large, malformed JSON) as GraphQL-shaped JSON, never a stack trace.
  const bodyError = (res: ServerResponse, err: Error & { status?: number; type?: string }) => {
    const status = err.status ?? 500;
    const code =
      err.type === 'entity.too.large'
        ? 'BODY_TOO_LARGE'
        : err.type === 'entity.parse.failed'
          ? 'BAD_REQUEST_BODY'
          : status >= 500
            ? 'INTERNAL_SERVER_ERROR'
            : 'BAD_REQUEST';
    if (status >= 500) logger.error({ err }, 'unexpected error in request handling');
    const message =
      code === 'BODY_TOO_LARGE'
        ? `request body exceeds ${config.limits.maxBodyBytes} bytes`
        : code === 'BAD_REQUEST_BODY'
          ? 'request body is not valid JSON'
          : status >= 500
            ? 'Unexpected error.'
            : err.message;
    const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  };
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => bodyError(res, err));

  const yogaListener = yoga as unknown as (req: IncomingMessage, res: ServerResponse) => void;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!graphqlPost(req, config.limits.maxBodyBytes)) {
      app(req, res);
      return;
    }
    readJsonBody(req).then(
      (body) => {
        (req as IncomingMessage & { body?: unknown }).body = body;
        yogaListener(req, res);
      },
      (err: Error & { status?: number; type?: string }) => bodyError(res, err),
    );
  };

  return {
    app,
    handler,
    yoga,
    services,
    cache,
    snapshot,
    router,
    changes,
    ready: Promise.all([events.ready, changes?.ready, router?.ready]).then(() => undefined),
    async close() {
      await Promise.allSettled([events.close(), limiter?.close(), changes?.close(), router?.close(), positionsRedis?.quit()]);
    },
  };
}

const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json']);

/**
 * Whether a request is the API's common one, POST /graphql with a JSON body of a declared length
 * within the limit, in UTF-8, not compressed: such a request goes to yoga without express (its
 * router, request setup and body parser were ~8% of a simple query's CPU). The body is read and
 * parsed here as express.json() would (readJsonBody); anything else (chunked, compressed, another
 * charset or type, too large, GET) goes through express, whose express.json() answers as before.
 */
function graphqlPost(req: IncomingMessage, limit: number): boolean {
  if (req.method !== 'POST' || (req.url !== '/graphql' && !req.url?.startsWith('/graphql?'))) return false;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined || (h['content-encoding'] !== undefined && h['content-encoding'] !== 'identity')) return false;
  const length = Number(h['content-length']);
  if (!(length > 0 && length <= limit)) return false;
  const [type, ...params] = (h['content-type'] ?? '').toLowerCase().split(';');
  if (!JSON_TYPES.has((type ?? '').trim())) return false;
  return params.every((p) => /^\s*charset\s*=\s*"?utf-8"?\s*$/.test(p));
}

/** The body as express.json() (strict) gives it: an object or array, else a parse failure (400). */
function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err: Error) => reject(Object.assign(err, { status: 400 })));
    req.on('end', () => {
      // as iconv (express's decoder) does, a leading byte order mark is not part of the text
      const text = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/^\uFEFF/, '');
      const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
      try {
        if (first !== '{' && first !== '[') throw new SyntaxError('not a JSON object or array');
        resolve(JSON.parse(text));
      } catch (err) {
        reject(Object.assign(err as Error, { status: 400, type: 'entity.parse.failed' }));
      }
    });
  });
}

function isSubscription(args: ExecutionArgs): boolean {
  const ops = args.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = args.operationName ? ops.find((o) => o.name?.value === args.operationName) : ops[0];
  return op?.operation === 'subscription';
}

function jitCache() {
  const m = new Map<string, unknown>();
  return {
    get: (k: string) => m.get(k) as never,
    set: (k: string, v: unknown) => {
      if (m.size > 1000) m.delete(m.keys().next().value!);
      m.set(k, v);
    },
  };
}

const DEFAULT_QUERY = `# virtcompat: the shared compatibility catalogue.
query Example {
  guestOS(shortId: "rhel9.2") {
    id
    name
    devices(effective: true, class: NETWORK) {
      device { id name busId kind paravirtInterface }
      supported
      inheritedFrom { id }
    }
  }
}
`;
