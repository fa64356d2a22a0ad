// One of bench/fleet.ts's load-generating processes: a slice of the fleet's runtimes, each polling
// GET /snapshot on its own fixed schedule (a random phase, then every interval, whatever the answers'
// latency: a runtime's timer does not wait for the service), over keep-alive connections. Talks to
// bench/fleet.ts over the fork IPC channel:
//   in:  start {port, runtimes, intervalMs, version, sockets, t0}; target {version}; stop
//   out: ready; converged {at}; result {...}
import { Agent, request } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';

export interface WorkerResult {
  type: 'result';
  /** Per request: ms from the request's start to the response's end. */
  ms: number[];
  /** Per request: ms from the request's scheduled time to its start (the generator's own lateness). */
  lag: number[];
  /** Per request: the epoch ms at which the response ended. */
  at: number[];
  counts: { notModified: number; delta: number; full: number; other: number; errors: number };
  bytes: { notModified: number; delta: number; full: number; other: number };
  /** CPU seconds this process used from start to stop. */
  cpuS: number;
}

type Start = { type: 'start'; port: number; runtimes: number; intervalMs: number; version: string; sockets: number; t0: number };
type Message = Start | { type: 'target'; version: string } | { type: 'stop' };

const send = (m: unknown) => process.send?.(m);

function run(s: Start) {
  const agent = new Agent({ keepAlive: true, maxSockets: s.sockets });
  const versions = new Array<string>(s.runtimes).fill(s.version);
  const cpu0 = process.cpuUsage();
  const r: WorkerResult = {
    type: 'result',
    ms: [],
    lag: [],
    at: [],
    counts: { notModified: 0, delta: 0, full: 0, other: 0, errors: 0 },
    bytes: { notModified: 0, delta: 0, full: 0, other: 0 },
    cpuS: 0,
  };
  let target: string | null = null;
  let behind = Number.POSITIVE_INFINITY;
  let stopping = false;
  let inFlight = 0;
  let onIdle: (() => void) | null = null;

  const poll = (i: number, due: number) => {
    if (stopping) return;
    const start = Date.now();
    const t = performance.now();
    const v = versions[i] as string;
    inFlight++;
    const done = () => {
      inFlight--;
      const next = due + s.intervalMs;
      if (!stopping) setTimeout(() => poll(i, next), Math.max(0, next - Date.now()));
      else if (inFlight === 0) onIdle?.();
    };
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path: `/snapshot?since=${v}`,
        agent,
        headers: { 'accept-encoding': 'br', 'if-none-match': `"${v}"` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          r.ms.push(performance.now() - t);
          r.lag.push(start - due);
          r.at.push(Date.now());
          const raw = Buffer.concat(chunks);
          // as sent: the status line, each header with ': ' and CRLF, the blank line, the body
          const statusLine = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length;
          const wire = statusLine + res.rawHeaders.reduce((n, h) => n + h.length + 2, 0) + 2 + raw.length;
          if (res.statusCode === 304) {
            r.counts.notModified++;
            r.bytes.notModified += wire;
          } else if (res.statusCode === 200) {
            const body = res.headers['content-encoding'] === 'br' ? brotliDecompressSync(raw) : raw;
            const b = JSON.parse(body.toString()) as { kind: 'delta' | 'full'; version: string };
            r.counts[b.kind]++;
            r.bytes[b.kind] += wire;
            if (b.version !== v) {
              versions[i] = b.version;
              if (b.version === target && --behind === 0) send({ type: 'converged', at: Date.now() });
            }
          } else {
            r.counts.other++;
            r.bytes.other += wire;
          }
          done();
        });
        res.on('error', () => {
          r.counts.errors++;
          done();
        });
      },
    );
    req.on('error', () => {
      r.counts.errors++;
      done();
    });
    req.end();
  };

  for (let i = 0; i < s.runtimes; i++) {
    const due = s.t0 + Math.random() * s.intervalMs;
    setTimeout(() => poll(i, due), Math.max(0, due - Date.now()));
  }

  return {
    target(version: string) {
      target = version;
      behind = versions.filter((x) => x !== version).length;
      if (behind === 0) send({ type: 'converged', at: Date.now() });
    },
    async stop() {
      stopping = true;
      if (inFlight > 0) await new Promise<void>((res) => (onIdle = res));
      agent.destroy();
      const cpu = process.cpuUsage(cpu0);
      r.cpuS = (cpu.user + cpu.system) / 1e6;
      // polls scheduled for later would keep the process alive: exit once the result is sent
      process.send?.(r, () => process.exit(0));
    },
  };
}

let fleet: ReturnType<typeof run> | null = null;
process.on('message', (m: Message) => {
  if (m.type === 'start') fleet = run(m);
  else if (m.type === 'target') fleet?.target(m.version);
  else if (m.type === 'stop') void fleet?.stop();
});
send({ type: 'ready' });
