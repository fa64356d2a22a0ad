// A GraphQL subscription over Server-Sent Events, read event by event: the `next` events' payloads
// arrive in `events` (all of them, in order) and through `next()` (each once).
import assert from 'node:assert/strict';

export interface SseSubscription {
  /** Every `next` payload received so far, in order. */
  readonly events: any[];
  /** The next payload not yet taken, waiting up to timeoutMs for it. */
  next(timeoutMs?: number): Promise<any>;
  /** Payloads received and not yet taken by next(). */
  pending(): number;
  close(): void;
}

/** Opens the subscription; resolves once the stream has sent its first bytes. */
export async function subscribeSse(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string,
): Promise<SseSubscription> {
  const ac = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: ac.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body?.getReader();
  if (!reader) throw new Error('the subscription answered without a body');
  const decoder = new TextDecoder();
  let buf = '';
  const events: any[] = [];
  let taken = 0;
  const waker: { wake: (() => void) | null } = { wake: null };
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        opened();
        buf += decoder.decode(value, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (/^event: next/m.test(block) && data) {
            events.push(JSON.parse(data.slice(6)));
            waker.wake?.();
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  await open;
  return {
    events,
    async next(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (taken >= events.length) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no event within the timeout');
        await new Promise<void>((r) => {
          waker.wake = r;
          setTimeout(r, left);
        });
        waker.wake = null;
      }
      return events[taken++];
    },
    pending: () => events.length - taken,
    close: () => ac.abort(),
  };
}
