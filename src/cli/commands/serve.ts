import type { Command } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { loadConfig, CONFIG_VARIABLES } from '../../config/index.ts';
import { createLogger } from '../../api/logger.ts';
import { startServer } from '../../api/server.ts';

export const command: Command = {
  name: 'serve',
  summary: 'run the GraphQL service (embedded database unless DATABASE_URL is set)',
  usage: `Usage: virtcompat serve [--port N] [--host ADDR]

Runs the GraphQL service at http://HOST:PORT/graphql (GraphiQL in a browser), with
GET /healthz and GET /readyz. Migrations are applied at start; an empty catalogue is
loaded with the curated seed (SEED_ON_START=false to skip). SIGTERM/SIGINT shut down
gracefully.

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
    const logger = createLogger(config, io.stderr);
    const running = await startServer(config, logger);
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
