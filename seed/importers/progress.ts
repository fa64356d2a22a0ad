// Progress of an import, on stderr: a bar redrawn in place on a terminal, plain lines otherwise
// (logs, CI, a parent process reading them). Plain lines are stable text a caller may wait for:
//   "<source>: transaction started"  once the import's transaction is open, before any write.
//   "<source>: writing <Table>: <n> rows"  before each table's statements (plain mode).
export interface Progress {
  /** Starts a phase (read, write ...) with an optional total of steps. */
  phase(name: string, total?: number): void;
  /** Reports steps done in the current phase, with an extra detail (entities so far ...). */
  tick(done: number, total: number, detail?: string): void;
  /** A line that always prints, in both modes. */
  line(message: string): void;
  /** A step inside a phase: its own line in plain mode, the bar's label on a terminal. */
  step(message: string): void;
  /** Clears the bar. */
  end(): void;
}

export const silentProgress: Progress = { phase() {}, tick() {}, line() {}, step() {}, end() {} };

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, label: string): Progress {
  return stream.isTTY ? barProgress(stream, label) : lineProgress(stream, label);
}

function lineProgress(stream: NodeJS.WritableStream, label: string): Progress {
  let phase = '';
  let lastPct = -1;
  return {
    phase(name, total) {
      phase = name;
      lastPct = -1;
      stream.write(`${label}: ${name}${total !== undefined ? ` (${total})` : ''}\n`);
    },
    tick(done, total, detail) {
      // One line per 10% step keeps logs readable.
      const pct = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
      if (pct === lastPct) return;
      lastPct = pct;
      stream.write(`${label}: ${phase} ${done}/${total}${detail ? `, ${detail}` : ''}\n`);
    },
    line(message) {
      stream.write(`${label}: ${message}\n`);
    },
    step(message) {
      stream.write(`${label}: ${message}\n`);
    },
    end() {},
  };
}

function barProgress(stream: NodeJS.WritableStream & { columns?: number }, label: string): Progress {
  let phase = '';
  let last = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  const draw = (done: number, total: number, detail?: string) => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 60));
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const fill = Math.round(frac * width);
    const bar = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}]`;
    stream.write(`\r\x1b[K${label} ${phase} ${bar} ${done}/${total}${detail ? `  ${detail}` : ''}`);
    drawn = true;
  };
  return {
    phase(name, total) {
      clear();
      phase = name;
      if (total !== undefined) draw(0, total);
    },
    tick(done, total, detail) {
      const now = Date.now();
      if (done < total && now - last < 50) return;
      last = now;
      draw(done, total, detail);
    },
    line(message) {
      clear();
      stream.write(`${label}: ${message}\n`);
    },
    step(message) {
      phase = message;
    },
    end() {
      clear();
    },
  };
}
