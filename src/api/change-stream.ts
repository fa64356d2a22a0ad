// Every committed change reaches this instance from the database itself: the change feed notifies
// on commit (LISTEN/NOTIFY, src/db/listen.ts), and this instance reads the rows after the last one
// it delivered and hands them to its event bus (which drops what a local write or Redis already
// delivered). So a seed, an import or a `vendor`/`key` command run from the CLI, or a write on an
// instance without Redis, clears every instance's response cache and reaches every subscriber,
// within one notification round trip rather than a cache TTL.
//
// Why the database and not Redis: the database is the one place every writer goes through, a
// notification is sent only when its transaction commits and in commit order, and the feed lets a
// listener that lost its connection catch up exactly (Redis pub/sub forgets what it could not
// deliver). Redis stays for what it is good at here: shared rate limits, and carrying API writes
// to other instances' subscribers even a few milliseconds sooner.
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import { listenForChanges, type ChangeListener } from '../db/listen.ts';
import { eventsAfter, headSeq } from '../catalogue/changes.ts';
import type { EventBus } from './pubsub.ts';

/** Rows read per statement while catching up. */
const PAGE = 500;

export interface ChangeStream {
  /** Resolves once the LISTEN is in place and the starting position is known. */
  ready: Promise<void>;
  /** The newest sequence number this instance has delivered. */
  position(): string;
  close(): Promise<void>;
}

export function startChangeStream(opts: { url: string; sql: Sql; bus: EventBus; logger: Logger }): ChangeStream {
  let delivered: string | undefined;
  let wanted = 0n;
  let running: Promise<void> | undefined;

  // One catch-up at a time; notifications that arrive meanwhile only raise the target.
  const catchUp = (): Promise<void> =>
    (running ??= (async () => {
      try {
        delivered ??= await headSeq(opts.sql);
        for (;;) {
          const events = await eventsAfter(opts.sql, delivered, PAGE);
          for (const e of events) {
            opts.bus.deliver(e);
            delivered = e.seq;
          }
          if (events.length < PAGE && BigInt(delivered) >= wanted) break;
          if (events.length === 0) break;
        }
      } catch (err) {
        // The database is unreachable right now: the next notification or reconnection retries.
        opts.logger.debug({ err: (err as Error).message }, 'change stream: catch-up failed; will retry');
      } finally {
        running = undefined;
      }
    })());

  let lostOnce = false;
  const listener: ChangeListener = listenForChanges({
    url: opts.url,
    onNotify(seq) {
      const n = BigInt(seq);
      if (n > wanted) wanted = n;
      if (delivered === undefined || n > BigInt(delivered)) void catchUp();
    },
    onConnected() {
      if (lostOnce) opts.logger.info({ event: 'change_stream_reconnected' }, 'change stream: listening again; caught up from the feed');
      lostOnce = false;
      void catchUp();
    },
    onLost(err) {
      if (lostOnce) return;
      lostOnce = true;
      opts.logger.warn({ event: 'change_stream_lost', err: err.message }, 'change stream: connection to the primary lost; reconnecting');
    },
  });

  const ready = listener.ready.then(async () => {
    // The first catch-up fixes the starting position (the head at start: older changes are history).
    await catchUp();
  });
  ready.catch(() => {});
  return {
    ready,
    position: () => delivered ?? '0',
    async close() {
      await listener.close();
      await running;
    },
  };
}
