#!/usr/bin/env node
// Entry point: the package's `virtcompat` bin. `plan` runs from the prebuilt bundle when it is current
// (scripts/fast-plan.cjs builds it at npm install, or here on first use, and never runs a stale one), and
// `serve` from the service bundle (scripts/service-bundle.cjs, built and checked the same way: the service
// then runs without tsx's loader thread, about 37 MiB less resident memory). Everything else, and either
// command when no bundle can be built, registers tsx so the TypeScript sources run as they are, then
// dispatches. VIRTCOMPAT_FAST_PLAN=0 and VIRTCOMPAT_SERVICE_BUNDLE=0 always take the sources (the tests
// compare both ways).
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
  const cli = (await serviceBundle()) ?? (await sources());
  return cli.main(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
}

/** `serve` from the prebuilt bundle (scripts/service-bundle.cjs), or null: the sources then run. */
async function serviceBundle() {
  if (argv[0] !== 'serve' || process.env.VIRTCOMPAT_SERVICE_BUNDLE === '0') return null;
  const { serviceEntry } = require('../scripts/service-bundle.cjs');
  const say = (m) => process.env.VIRTCOMPAT_DEBUG && process.stderr.write(`virtcompat: service bundle: ${m}\n`);
  const entry = await serviceEntry({ say });
  return entry ? import(entry) : null;
}

/** The TypeScript sources, through tsx's loader hooks. */
async function sources() {
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/main.ts');
}

main().then(async (code) => {
  process.exitCode = code;
  // Every command has awaited its work (databases closed, files written, children stopped) when main
  // returns; the embedded database still leaves a timer of up to a second behind its close. Exit once
  // the output is flushed instead of waiting for it.
  for (const s of used) await new Promise((resolve) => (s === 1 ? process.stdout : process.stderr).write('', resolve));
  process.exit(code);
});
