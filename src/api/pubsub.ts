// The transport of catalogue change events (src/catalogue/events.ts) for subscriptions and cache
// invalidation. In one process an in-memory event target; with REDIS_URL the events go through
// Redis pub/sub, so a write on one service instance reaches the subscribers (and clears the
// response cache) of every instance.
import { createPubSub, SlidingBuffer } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CATALOGUE_TOPIC, type CatalogueEvent } from '../catalogue/events.ts';
import type { CataloguePubSub } from '../schema/context.ts';

export type { CataloguePubSub };
// The event itself is the catalogue's; re-exported for the app's own modules.
export { CATALOGUE_TOPIC, type CatalogueEvent } from '../catalogue/events.ts';

export interface EventBus {
  pubsub: CataloguePubSub;
  /** Calls fn for every event, from this instance or another; returns the unsubscribe function. */
  onEvent(fn: (e: CatalogueEvent) => void): () => void;
  /** Resolves once the bus can receive events (Redis: the channel subscription is confirmed). */
  ready: Promise<void>;
  kind: 'memory' | 'redis';
  close(): Promise<void>;
}

type Listener = (e: CustomEvent<CatalogueEvent>) => void;

export function createEventBus(opts: { redisUrl?: string; logger?: Logger }): EventBus {
  if (!opts.redisUrl) {
    const target = new EventTarget();
    const pubsub: CataloguePubSub = createPubSub({ eventTarget: target as never, repeaterBuffer: new SlidingBuffer(1000) });
    return {
      pubsub,
      kind: 'memory',
      ready: Promise.resolve(),
      onEvent(fn) {
        const cb = ((e: CustomEvent<CatalogueEvent>) => fn(e.detail)) as unknown as EventListener;
        target.addEventListener(CATALOGUE_TOPIC, cb);
        return () => target.removeEventListener(CATALOGUE_TOPIC, cb);
      },
      close: async () => {},
    };
  }
  const redisOpts = { lazyConnect: false, maxRetriesPerRequest: 3, enableOfflineQueue: true };
  const publishClient = new Redis(opts.redisUrl, redisOpts);
  const subscribeClient = new Redis(opts.redisUrl, redisOpts);
  for (const c of [publishClient, subscribeClient]) {
    // Every reconnect attempt fails while Redis is down: debug, not one warning per attempt.
    c.on('error', (err: Error) => opts.logger?.debug({ err: err.message }, 'redis (pub/sub) connection error'));
    unrefOnConnect(c);
  }
  // ioredis resubscribes by itself when the connection comes back; say so once per outage.
  let lost = false;
  let everReady = false;
  subscribeClient.on('ready', () => {
    if (lost) opts.logger?.info({ event: 'pubsub_reconnected' }, 'subscriptions: redis is back; resubscribed, events flow again');
    lost = false;
    everReady = true;
  });
  subscribeClient.on('close', () => {
    if (lost || !everReady) return;
    lost = true;
    opts.logger?.warn({ event: 'pubsub_lost' }, 'subscriptions: redis connection lost; events from other instances pause until it is back');
  });
  // The event target neither awaits publish nor subscribe: a rejected command (Redis down) would be
  // an unhandled rejection and end the process. The write itself is committed; only the
  // notification is lost, which the outage line above already says.
  const quiet = <T>(p: Promise<T>) => {
    p.catch((err: Error) => opts.logger?.debug({ err: err.message }, 'redis (pub/sub) command failed'));
    return p;
  };
  const publish = publishClient.publish.bind(publishClient);
  const subscribe = subscribeClient.subscribe.bind(subscribeClient);
  const unsubscribe = subscribeClient.unsubscribe.bind(subscribeClient);
  Object.assign(publishClient, { publish: (...a: Parameters<typeof publish>) => quiet(publish(...a)) });
  Object.assign(subscribeClient, {
    subscribe: (...a: Parameters<typeof subscribe>) => quiet(subscribe(...a)),
    unsubscribe: (...a: Parameters<typeof unsubscribe>) => quiet(unsubscribe(...a)),
  });
  const target = createRedisEventTarget<CustomEvent<CatalogueEvent>>({ publishClient, subscribeClient });
  const pubsub: CataloguePubSub = createPubSub({ eventTarget: target as never, repeaterBuffer: new SlidingBuffer(1000) });
  // Subscribing here, once, means the channel is live before the first client subscribes.
  const ready = subscribeClient.subscribe(CATALOGUE_TOPIC).then(() => undefined);
  ready.catch(() => {});
  return {
    pubsub,
    kind: 'redis',
    ready,
    onEvent(fn) {
      const cb: Listener = (e) => fn(e.detail);
      target.addEventListener(CATALOGUE_TOPIC, cb as never);
      return () => target.removeEventListener(CATALOGUE_TOPIC, cb as never);
    },
    async close() {
      // Ref the sockets again so the replies to QUIT are waited for.
      for (const c of [subscribeClient, publishClient]) (c as unknown as { stream?: { ref?: () => void } }).stream?.ref?.();
      await Promise.allSettled([subscribeClient.quit(), publishClient.quit()]);
    },
  };
}

/**
 * Redis sockets do not keep the process alive: a service that closed its HTTP server and database
 * exits even when nobody called EventBus.close() / App.close().
 */
export function unrefOnConnect(client: Redis): void {
  client.on('connect', () => (client as unknown as { stream?: { unref?: () => void } }).stream?.unref?.());
}
