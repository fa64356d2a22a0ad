#!/usr/bin/env node
// Entry point: the package's `virtcompat` bin. `plan` runs from the prebuilt bundle when it is current
// (scripts/fast-plan.cjs builds it at npm install, or here on first use, and never runs a stale one);
// everything else, and `plan` when no bundle can be built, registers tsx so the TypeScript sources run as
// they are, then dispatches. VIRTCOMPAT_FAST_PLAN=0 always takes the sources (the tests compare both ways).
//
// CommonJS on purpose: before the first line of an ES module entry runs, Node 20 spends about 30 ms of CPU
// setting up its module loader, as much as the whole fast plan after it (bench/plan.ts). bin/virtcompat.mjs
// loads this file, for the scripts and tests that start the CLI by that name.
'use strict';

const argv = process.argv.slice(2);
// the streams written to, flushed before exit
const used = new Set();

async function main() {
  if (argv[0] === 'plan' && process.env.VIRTCOMPAT_FAST_PLAN !== '0') {
    const { fastPlan, fdWriter } = require('../scripts/fast-plan.cjs');
    // the fast plan writes to the descriptors (process.stdout of a pipe costs it ~30 internal modules)
    const stream = (s) => () => (used.add(s), s === 1 ? process.stdout : process.stderr);
    const io = { stdout: fdWriter(1, stream(1)), stderr: fdWriter(2, stream(2)), env: process.env, cwd: process.cwd() };
    const code = await fastPlan(argv.slice(1), io, { debug: Boolean(process.env.VIRTCOMPAT_DEBUG) });
    if (code !== null) return code;
  }
  used.add(1).add(2);
  const { register } = await import('tsx/esm/api');
  register();
  const cli = await import('../src/cli/main.ts');
  return cli.main(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
}

main().then(async (code) => {
  process.exitCode = code;
  // Every command has awaited its work (databases closed, files written, children stopped) when main
  // returns; the embedded database still leaves a timer of up to a second behind its close. Exit once
  // the output is flushed instead of waiting for it.
  for (const s of used) await new Promise((resolve) => (s === 1 ? process.stdout : process.stderr).write('', resolve));
  process.exit(code);
});
