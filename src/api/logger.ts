import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.ts';

/** Structured JSON logs on stderr (stdout stays free for command output). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level: config.logLevel, base: { service: 'virtcompat' }, timestamp: pino.stdTimeFunctions.isoTime }, destination as never);
}
