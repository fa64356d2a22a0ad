// The transport of catalogue change events (src/catalogue/events.ts) for subscriptions and cache
// invalidation. Each instance delivers events to its own listeners through one in-process target,
// once per event (deduplicated by sequence number), whichever path brings them: its own writes at
// once; other instances' API writes through Redis pub/sub (REDIS_URL); and on PostgreSQL every
// committed change from any writer, the CLI and importers included, through the change feed's
// LISTEN/NOTIFY (src/api/change-stream.ts).
import { createPubSub, SlidingBuffer } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { newRedis } from './redis.ts';
import type { Logger } from 'pino';
import { CATALOGUE_TOPIC, type CatalogueEvent } from '../catalogue/events.ts';
import type { CataloguePubSub } from '../schema/context.ts';

export type { CataloguePubSub };
// The event itself is the catalogue's; re-exported for the app's own modules.
export { CATALOGUE_TOPIC, type CatalogueEvent } from '../catalogue/events.ts';

export interface EventBus {
  pubsub: CataloguePubSub;
  /** Calls fn for every event, from this instance or another, once each; returns the unsubscribe function. */
  onEvent(fn: (e: CatalogueEvent) => void): () => void;
  /**
   * Hands this instance's listeners an event committed anywhere (read from the change feed after a
   * PostgreSQL notification). An event already delivered (by a local write or through Redis) is
   * dropped: every event reaches each listener once, whichever path brings it first.
   */
  deliver(e: CatalogueEvent): void;
  /** Resolves once the bus can receive events (Redis: the channel subscription is confirmed). */
  ready: Promise<void>;
  kind: 'memory' | 'redis';
  close(): Promise<void>;
}

/** Sequence numbers already delivered, the newest `size` of them. */
export class SeenSeqs {
  private readonly seen = new Set<string>();
  constructor(private readonly size = 10_000) {}
  /** True the first time a sequence number is offered, false after. */
  add(seq: string): boolean {
    if (this.seen.has(seq)) return false;
    this.seen.add(seq);
    if (this.seen.size > this.size) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return true;
  }
}

/**
 * Local delivery for every transport: listeners (subscriptions, the response cache) hang on one
 * in-process target, and each event reaches it once. Publishing delivers locally at once and hands
 * the event to `forward` (Redis) for the other instances; what comes back from Redis, or from the
 * change feed, is delivered only if it was not already.
 */
function localBus(forward?: (e: CatalogueEvent) => void) {
  const target = new EventTarget();
  const seen = new SeenSeqs();
  const deliver = (e: CatalogueEvent) => {
    if (!seen.add(e.seq)) return;
    target.dispatchEvent(new CustomEvent(CATALOGUE_TOPIC, { detail: e }));
  };
  const publishing = {
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    dispatchEvent(ev: Event) {
      const e = (ev as CustomEvent<CatalogueEvent>).detail;
      deliver(e);
      forward?.(e);
      return true;
    },
  };
  const pubsub: CataloguePubSub = createPubSub({ eventTarget: publishing as never, repeaterBuffer: new SlidingBuffer(1000) });
  const onEvent = (fn: (e: CatalogueEvent) => void) => {
    const cb = ((e: CustomEvent<CatalogueEvent>) => fn(e.detail)) as unknown as EventListener;
    target.addEventListener(CATALOGUE_TOPIC, cb);
    return () => target.removeEventListener(CATALOGUE_TOPIC, cb);
  };
  return { pubsub, deliver, onEvent };
}

export function createEventBus(opts: { redisUrl?: string; logger?: Logger }): EventBus {
  if (!opts.redisUrl) {
    const local = localBus();
    return { ...local, kind: 'memory', ready: Promise.resolve(), close: async () => {} };
  }
  const redisOpts = { lazyConnect: false, maxRetriesPerRequest: 3, enableOfflineQueue: true };
  const publishClient = newRedis(opts.redisUrl, redisOpts);
  const subscribeClient = newRedis(opts.redisUrl, redisOpts);
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
  // Neither publish nor subscribe may reject unhandled (Redis down would end the process). The
  // write itself is committed; only the notification to other instances is lost, which the outage
  // line above already says (and the change feed's own notifications still carry, on PostgreSQL).
  const quiet = <T>(p: Promise<T>) => {
    p.catch((err: Error) => opts.logger?.debug({ err: err.message }, 'redis (pub/sub) command failed'));
    return p;
  };
  const local = localBus((e) => void quiet(publishClient.publish(CATALOGUE_TOPIC, JSON.stringify(e))));
  subscribeClient.on('message', (channel: string, message: string) => {
    if (channel !== CATALOGUE_TOPIC) return;
    try {
      local.deliver(JSON.parse(message) as CatalogueEvent);
    } catch (err) {
      opts.logger?.warn({ err: (err as Error).message }, 'ignored a malformed catalogue event from redis');
    }
  });
  // Subscribing here, once, means the channel is live before the first client subscribes.
  const ready = quiet(subscribeClient.subscribe(CATALOGUE_TOPIC)).then(() => undefined);
  ready.catch(() => {});
  return {
    ...local,
    kind: 'redis',
    ready,
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
