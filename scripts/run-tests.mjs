#!/usr/bin/env node
// Runs the suite: files written for vitest through vitest (projects in vitest.config.ts), and any
// file still written for node:test through node's runner (tsx), one file at a time.
// Usage: npm test [-- <path filter>...]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'generated') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const isVitest = (f) => /from ['"]vitest['"]/.test(readFileSync(join(root, f), 'utf8'));
const nodeFiles = files.filter((f) => !isVitest(f));
const vitestFiles = files.filter(isVitest);
const env = { ...process.env, NODE_ENV: 'test' };
let status = 0;
if (nodeFiles.length) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...nodeFiles], {
    stdio: 'inherit',
    cwd: root,
    env,
  });
  status ||= res.status ?? 1;
}
if (vitestFiles.length) {
  const res = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...vitestFiles], { stdio: 'inherit', cwd: root, env });
  status ||= res.status ?? 1;
}
process.exit(status);
