// A small QMP (QEMU Machine Protocol) client over a unix socket: the greeting, capability
// negotiation, commands matched to their answers by id, and asynchronous events.
// QMP is line-delimited JSON; see QEMU's docs/interop/qmp-spec.
import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  override name = 'QmpError';
  constructor(
    message: string,
    readonly errorClass: string | null = null,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Events: 'event' (QmpEvent) for every asynchronous event, 'close' when the socket closes.
 * Use `QmpClient.connect(path)`; it retries until QEMU has created the socket.
 */
export class QmpClient extends EventEmitter {
  private buf = '';
  private nextId = 1;
  private pending = new Map<string, Pending>();
  private closed = false;
  /** QEMU's version from the greeting, e.g. "7.2.22". */
  version = '';

  private constructor(private readonly sock: Socket) {
    super();
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('close', () => this.onClose());
    sock.on('error', () => {
      /* 'close' follows; pending commands are rejected there */
    });
  }

  /**
   * Connects to a QMP socket, waiting up to `timeoutMs` for it to appear (QEMU creates it while
   * starting), reads the greeting and negotiates capabilities. `alive` is polled between attempts
   * so a QEMU that died during startup fails fast instead of waiting out the timeout.
   */
  static async connect(path: string, opts: { timeoutMs?: number; alive?: () => boolean } = {}): Promise<QmpClient> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    let lastErr: Error | null = null;
    for (;;) {
      if (opts.alive && !opts.alive()) throw new QmpError(`QEMU exited before its QMP socket ${path} accepted a connection`);
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path);
          s.once('connect', () => {
            s.removeAllListeners('error');
            resolve(s);
          });
          s.once('error', reject);
        });
        const client = new QmpClient(sock);
        await client.handshake(Math.max(1000, deadline - Date.now()));
        return client;
      } catch (err) {
        lastErr = err as Error;
        if (err instanceof QmpError) throw err;
      }
      if (Date.now() > deadline) throw new QmpError(`no QMP socket at ${path} after ${opts.timeoutMs ?? 10_000} ms: ${lastErr?.message}`);
      await delay(25);
    }
  }

  private greeting: ((v: unknown) => void) | null = null;

  private async handshake(timeoutMs: number): Promise<void> {
    const greet = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(() => reject(new QmpError('no QMP greeting')), timeoutMs);
      this.greeting = (v) => {
        clearTimeout(t);
        resolve(v as Record<string, unknown>);
      };
      this.once('close', () => {
        clearTimeout(t);
        reject(new QmpError('QMP socket closed before the greeting'));
      });
    });
    const v = (greet.QMP as { version?: { qemu?: { major: number; minor: number; micro: number } } } | undefined)?.version?.qemu;
    if (v) this.version = `${v.major}.${v.minor}.${v.micro}`;
    await this.execute('qmp_capabilities');
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // not QMP; ignore
      }
      if ('QMP' in msg) {
        this.greeting?.(msg);
        this.greeting = null;
      } else if ('event' in msg) {
        this.emit('event', msg as unknown as QmpEvent);
      } else if ('return' in msg || 'error' in msg) {
        const id = typeof msg.id === 'string' ? msg.id : null;
        const p = id ? this.pending.get(id) : undefined;
        if (!p || !id) continue;
        this.pending.delete(id);
        clearTimeout(p.timer);
        if ('error' in msg) {
          const e = msg.error as { class?: string; desc?: string };
          p.reject(new QmpError(e.desc ?? 'QMP error', e.class ?? null));
        } else p.resolve(msg.return);
      }
    }
  }

  private onClose(): void {
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new QmpError('QMP connection closed'));
      this.pending.delete(id);
    }
    this.emit('close');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs one QMP command and resolves with its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
    if (this.closed) return Promise.reject(new QmpError(`QMP connection closed (${command})`));
    const id = `vc-${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpError(`QMP command ${command} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.sock.write(JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + '\n');
    });
  }

  /** `query-status`: { status: 'running' | 'paused' | 'internal-error' | 'shutdown' | ..., running }. */
  queryStatus(): Promise<{ status: string; running: boolean }> {
    return this.execute('query-status');
  }

  close(): void {
    if (!this.closed) this.sock.destroy();
  }
}
