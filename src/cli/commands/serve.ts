import { setFlagsFromString } from 'node:v8';
import type { Command } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { loadConfig, CONFIG_VARIABLES } from '../../config/index.ts';

/**
 * V8 sizes its young generation by how much of it survives: while the service starts (its modules load,
 * the schema and the app are built) nearly everything allocated survives, and V8 grows the young
 * generation to its maximum, 32 MiB, which it then keeps resident through any idle time that follows
 * (its memory reducer returns it a minute or more later). The start is run with the growth held (factor
 * 1), and V8's default (2) is put back once the service listens, so the young generation is sized by the
 * requests from then on: a serving instance is as fast as before (bench/rss.ts measures both figures).
 */
async function withYoungGenerationHeld<T>(start: () => Promise<T>): Promise<T> {
  setFlagsFromString('--semi-space-growth-factor=1');
  try {
    return await start();
  } finally {
    setFlagsFromString('--semi-space-growth-factor=2');
  }
}

export const command: Command = {
  name: 'serve',
  summary: 'run the GraphQL service (embedded database unless DATABASE_URL is set)',
  usage: `Usage: virtcompat serve [--port N] [--host ADDR]

Runs the GraphQL service at http://HOST:PORT/graphql (GraphiQL in a browser), with
GET /healthz and GET /readyz and the web pages at /. Migrations are applied at start; the
curated seed is applied at a start where this version of it never was (SEED_ON_START=false
to skip), and osinfo-db is imported from OSINFO_PATH at a start where it never was
(IMPORT_OSINFO_ON_START=false to skip); the two merge the same way in either order.
npm start runs this command from a prebuilt bundle (VIRTCOMPAT_SERVICE_BUNDLE=0: from the
sources). SIGTERM/SIGINT shut down gracefully.

Options:
  --port N     overrides PORT (default 4000)
  --host ADDR  overrides HOST (default 127.0.0.1)

Environment: ${CONFIG_VARIABLES.join(', ')}
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { port: { type: 'string' }, host: { type: 'string' } });
    const env = { ...io.env };
    if (values.port) env.PORT = values.port;
    if (values.host) env.HOST = values.host;
    const config = loadConfig(env, io.cwd);
    const { logger, running } = await withYoungGenerationHeld(async () => {
      // the service's modules load here, with the rest of the start
      const [{ createLogger }, { startServer }] = await Promise.all([import('../../api/logger.ts'), import('../../api/server.ts')]);
      const logger = createLogger(config, io.stderr);
      return { logger, running: await startServer(config, logger) };
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        running.close().then(resolve, resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
