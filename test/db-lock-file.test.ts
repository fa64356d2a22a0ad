// The embedded database's lock file is taken with an exclusive create: of several processes
// opening one data folder at the same instant exactly one wins, also when they race to take over
// a lock left by a dead process.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '..');

interface Contender {
  proc: ChildProcess;
  next(): Promise<string>;
}

function contender(dir: string): Contender {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/lock-opener.ts'), dir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const queue: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  proc.once('exit', (code) => {
    for (const w of waiters.splice(0)) w(`exited ${code}`);
  });
  return {
    proc,
    next: () => new Promise((res) => (queue.length ? res(queue.shift() as string) : waiters.push(res))),
  };
}

async function race(dir: string, n: number): Promise<string[]> {
  const cs = Array.from({ length: n }, () => contender(dir));
  expect(await Promise.all(cs.map((c) => c.next()))).toEqual(cs.map(() => 'ready'));
  for (const c of cs) c.proc.stdin!.write('go\n');
  const outcomes = await Promise.all(cs.map((c) => c.next()));
  // Everyone has decided: the winner may let go now.
  await Promise.all(cs.map((c) => new Promise((r) => (c.proc.once('exit', r), c.proc.stdin!.end()))));
  return outcomes;
}

const deadPid = async (): Promise<number> => {
  const p = spawn(process.execPath, ['-e', '0']);
  const pid = p.pid ?? 0;
  await new Promise((r) => p.once('exit', r));
  return pid;
};

describe('embedded database lock file', () => {
  it('two concurrent openers: exactly one takes the lock, the other gets DB_LOCKED', async () => {
    for (let round = 0; round < 2; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'vc-lock-'));
      try {
        const outcomes = await race(dir, 2);
        expect(outcomes.sort()).toEqual(['DB_LOCKED', 'won']);
        // The winner removed its lock when it let go.
        expect(existsSync(join(dir, 'virtcompat.lock'))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('a lock left by a dead process is taken over by exactly one of two concurrent openers', async () => {
    for (let round = 0; round < 2; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'vc-lock-'));
      try {
        const pid = await deadPid();
        writeFileSync(join(dir, 'virtcompat.lock'), String(pid));
        const outcomes = await race(dir, 2);
        expect(outcomes.sort()).toEqual(['DB_LOCKED', 'won']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('the lock names its holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-lock-'));
    try {
      const c = contender(dir);
      expect(await c.next()).toBe('ready');
      c.proc.stdin!.write('go\n');
      expect(await c.next()).toBe('won');
      expect(Number(readFileSync(join(dir, 'virtcompat.lock'), 'utf8'))).toBe(c.proc.pid);
      await new Promise((r) => (c.proc.once('exit', r), c.proc.stdin!.end()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
