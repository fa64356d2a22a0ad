// LISTEN for the change feed's notifications (migration 20261129204500_change_feed_notify) on a
// connection of its own to the primary. A notification carries only the highest sequence number a
// committed statement added; the caller reads the rows. Notifications sent while the connection is
// down are lost, so every (re)connection calls `onConnected` first, for the caller to catch up from
// the feed itself: the feed, not the notifications, is the record.
import type pg from 'pg';

export const CHANGE_CHANNEL = 'virtcompat_change';

export interface ChangeListenerOptions {
  url: string;
  /** A notification: some transaction committed change-feed rows up to `seq`. */
  onNotify(seq: string): void;
  /** The LISTEN is in place (first time, or again after a lost connection). */
  onConnected(): void;
  /** The connection was lost; the listener reconnects by itself. */
  onLost?(err: Error): void;
  /** Longest wait between reconnection attempts (ms). */
  maxBackoffMs?: number;
}

export interface ChangeListener {
  /** Resolves once the first LISTEN is in place. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function listenForChanges(opts: ChangeListenerOptions): ChangeListener {
  let closed = false;
  let client: pg.Client | undefined;
  let wake: (() => void) | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((res) => {
    markReady = res;
  });
  const maxBackoff = opts.maxBackoffMs ?? 5_000;

  const connectOnce = async (): Promise<pg.Client> => {
    const { default: pgModule } = await import('pg');
    const c = new pgModule.Client({ connectionString: opts.url, connectionTimeoutMillis: 10_000, keepAlive: true });
    // Until the connection ends, errors are reported through 'end' below; never unhandled.
    c.on('error', () => {});
    await c.connect();
    c.on('notification', (n) => {
      if (n.channel === CHANGE_CHANNEL && n.payload) opts.onNotify(n.payload);
    });
    await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    return c;
  };

  const loop = async () => {
    let backoff = 100;
    while (!closed) {
      try {
        const c = await connectOnce();
        if (closed) {
          await c.end().catch(() => {});
          return;
        }
        client = c;
        backoff = 100;
        const ended = new Promise<Error>((res) => {
          c.once('end', () => res(new Error('connection ended')));
          c.once('error', (err: Error) => res(err));
        });
        markReady();
        opts.onConnected();
        const err = await ended;
        client = undefined;
        if (closed) return;
        opts.onLost?.(err);
      } catch {
        // Unreachable now: wait and try again.
      }
      if (closed) return;
      await new Promise<void>((res) => {
        const t = setTimeout(res, backoff);
        t.unref();
        wake = () => {
          clearTimeout(t);
          res();
        };
      });
      wake = undefined;
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  };
  void loop();

  return {
    ready,
    async close() {
      closed = true;
      wake?.();
      markReady();
      await client?.end().catch(() => {});
    },
  };
}
