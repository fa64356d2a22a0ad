// ioredis is loaded when a Redis connection is made: an instance without REDIS_URL never loads its
// modules (about 4 MiB of an idle service's memory). It is CommonJS, so it loads synchronously where
// the app is built.
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const load = createRequire(import.meta.url);

export function newRedis(url: string, options: RedisOptions): Redis {
  const { Redis: Client } = load('ioredis') as typeof import('ioredis');
  return new Client(url, options);
}
