// Carries out a rendered QEMU command's `prepare` steps (I/O): run folder, a private copy of the UEFI
// variable store, and swtpm for an emulated TPM. Returns a cleanup that stops what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import type { PrepareStep } from './render/qemu.ts';

export interface Prepared {
  /** Processes started (swtpm), by pid. */
  pids: number[];
  cleanup(): Promise<void>;
}

async function waitForPath(path: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(path)) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with code ${child.exitCode} before creating ${path}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function executePrepare(steps: PrepareStep[], opts: { swtpmBinary?: string; timeoutMs?: number } = {}): Promise<Prepared> {
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            c.kill('SIGKILL');
            r(null);
          }, 2000);
          c.once('exit', () => {
            clearTimeout(t);
            r(null);
          });
        });
      }
    }
  };
  try {
    for (const s of steps) {
      if (s.kind === 'mkdir') mkdirSync(s.path, { recursive: true });
      else if (s.kind === 'copy-uefi-vars') {
        if (!existsSync(s.to)) copyFileSync(s.from, s.to);
      } else if (s.kind === 'swtpm') {
        mkdirSync(s.stateDir, { recursive: true });
        const [argv0, ...args] = s.argv;
        const bin = opts.swtpmBinary ?? argv0;
        if (!bin) throw new Error('the swtpm step has an empty argv');
        const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        children.push(child);
        // Patient by default: swtpm is alive (its exit is noticed at once) and a loaded machine can
        // take more than a few seconds to schedule it.
        await waitForPath(s.socket, opts.timeoutMs ?? 60_000, child);
      }
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { pids: children.map((c) => c.pid!).filter(Boolean), cleanup };
}
