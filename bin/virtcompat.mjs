#!/usr/bin/env node
// Entry point. `plan` runs from the prebuilt bundle when it is current (scripts/fast-plan.mjs builds it at
// npm install, or here on first use, and never runs a stale one); everything else, and `plan` when no
// bundle can be built, registers tsx so the TypeScript sources run as they are, then dispatches.
// VIRTCOMPAT_FAST_PLAN=0 always takes the sources (the tests compare both ways).
const argv = process.argv.slice(2);
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
let code = null;
if (argv[0] === 'plan' && process.env.VIRTCOMPAT_FAST_PLAN !== '0') {
  const { fastPlan } = await import('../scripts/fast-plan.mjs');
  code = await fastPlan(argv.slice(1), io, { debug: Boolean(process.env.VIRTCOMPAT_DEBUG) });
}
if (code === null) {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  code = await main(argv, io);
}
process.exitCode = code;
