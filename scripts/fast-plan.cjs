#!/usr/bin/env node
// The fast `virtcompat plan`: src/cli/fast-plan.ts bundled by esbuild into one CommonJS file, with a V8
// code cache taken after the planner has run, kept in .cache/fast-plan/. bin/virtcompat.cjs runs `plan`
// from it when the build is current, so a plan costs a Node start and the plan, not a TypeScript compiler
// and a module graph.
//
// Current means: built by this Node version, and every input esbuild read (the sources, and each bundled
// package by its package.json; listed in the manifest with their SHA-256) is unchanged. A changed input makes the build stale:
// the bin then builds again (or, when it cannot, runs the TypeScript sources); a stale bundle never runs.
//
//   node scripts/fast-plan.cjs build     (npm install runs it: postinstall)
//   node scripts/fast-plan.cjs status
//
// Why not the Node startup snapshot (`--snapshot-blob`)? It must be given when node starts; the bin is
// already a running node, and starting a second one costs more than the snapshot saves. The code cache
// gives most of its gain in-process (bench/plan.ts measures both).
'use strict';
const fs = require('node:fs');
const { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } = fs;
const { createRequire } = require('node:module');
const { dirname, join, relative } = require('node:path');
const vm = require('node:vm');
const { buildScriptMain, inputsOf, readJson, sha256, staleInput, writeAtomic } = require('./build-inputs.cjs');

const ROOT = join(__dirname, '..');
const ENTRY = 'src/cli/fast-plan.ts';
// bump when the bundle's shape or the way it is loaded changes
const BUILD_FORMAT = 6;

const outDir = (root) => join(root, '.cache', 'fast-plan');

/**
 * The current build, or why there is none (scripts/build-inputs.cjs: an input whose size and mtime match
 * the manifest is taken as unchanged; any other is hashed and compared).
 */
function currentBuild(root = ROOT) {
  const m = readJson(join(outDir(root), 'manifest.json'));
  if (!m) return { stale: 'no build' };
  if (m.format !== BUILD_FORMAT || m.node !== process.version) return { stale: `built for ${m.node} (format ${m.format})` };
  const stale = staleInput(root, m.inputs);
  if (stale) return { stale };
  const bundle = join(outDir(root), m.bundle);
  if (!existsSync(bundle)) return { stale: `${m.bundle} is missing` };
  return { key: m.key, bundle, cache: join(outDir(root), m.cache) };
}

const WRAP_START = '(function (exports, require, module, __filename, __dirname) {';
const WRAP_END = '\n})';

/** Bundles the entry; returns the bundle path and what the manifest needs. Throws when esbuild cannot run. */
async function bundle(root) {
  const require = createRequire(join(root, 'package.json'));
  const esbuild = require('esbuild');
  const r = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: true,
    // loaded only for YAML specs, from node_modules as usual (zod, for a spec or host profile the runtime's
    // acceptors do not accept, is loaded the same way: src/hypervisor-runtime/accept.ts)
    external: ['yaml'],
    // the bundle's own file URL: createRequire(import.meta.url) finds node_modules from the bundle's folder
    define: { 'import.meta.url': '__bundleUrl' },
    // import() of a package (yaml) as require(): code compiled by vm.Script has no dynamic import
    supported: { 'dynamic-import': false },
    // the bundle is the body of a CommonJS module function, so load() compiles the file as it is
    banner: { js: `${WRAP_START}const __bundleUrl = require('node:url').pathToFileURL(__filename).href;` },
    footer: { js: WRAP_END },
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = r.outputFiles[0].contents;
  const inputs = inputsOf(r.metafile, root);
  const key = sha256(
    JSON.stringify({ BUILD_FORMAT, node: process.version, inputs: inputs.map((i) => [i.path, i.sha256]), code: sha256(code) }),
  ).slice(0, 20);
  const dir = outDir(root);
  mkdirSync(dir, { recursive: true });
  const name = `plan-${key}.cjs`;
  const tmp = join(dir, `${name}.${process.pid}.tmp`);
  writeFileSync(tmp, code);
  renameSync(tmp, join(dir, name));
  return { key, bundle: join(dir, name), cache: join(dir, `plan-${key}.v8cache`), inputs };
}

/** Loads the bundle as a CommonJS module through vm.Script, with its code cache when there is one. */
function load(bundlePath, cachePath) {
  const source = readFileSync(bundlePath, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    // no cache yet: V8 compiles as usual
  }
  if (!source.startsWith(WRAP_START)) throw new Error(`${bundlePath} is not a bundle this script made`);
  const script = new vm.Script(source, { filename: bundlePath, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(bundlePath), mod, bundlePath, dirname(bundlePath));
  return { exports: mod.exports, script, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

function commit(root, b, script) {
  writeAtomic(b.cache, script.createCachedData());
  writeAtomic(
    join(outDir(root), 'manifest.json'),
    JSON.stringify(
      {
        format: BUILD_FORMAT,
        node: process.version,
        key: b.key,
        bundle: relative(outDir(root), b.bundle),
        cache: relative(outDir(root), b.cache),
        inputs: b.inputs,
      },
      null,
      1,
    ),
  );
  // older builds
  for (const f of readdirSync(outDir(root)))
    if (/^plan-[0-9a-f]+\.(cjs|v8cache)$/.test(f) && !f.includes(b.key)) rmSync(join(outDir(root), f), { force: true });
}

/** Builds the bundle and its code cache (warmed on the runtime fixtures when they are there). */
async function build(root = ROOT) {
  const b = await bundle(root);
  const { exports, script } = load(b.bundle, b.cache);
  const fixtures = join(root, 'test', 'fixtures', 'runtime');
  const hostFile = join(root, 'examples', 'hosts', 'kvm-x86_64.json');
  if (existsSync(fixtures) && existsSync(hostFile)) exports.warm(fixtures, hostFile);
  commit(root, b, script);
  return b;
}

/**
 * A writer on file descriptor `fd` with a stream's write(): fs.writeSync, so the fast plan never creates
 * process.stdout / process.stderr (for a pipe, a net.Socket and the stream modules: about 30 internal
 * modules, a tenth of a plan's own time). Writes are synchronous, as Node's own are to files and pipes,
 * so the order of stdout and stderr is kept. When the descriptor is non-blocking and full (EAGAIN), the
 * rest of that write and every later one go to `stream()`, which then buffers and flushes as usual.
 */
function fdWriter(fd, stream, writeSync = fs.writeSync) {
  let handedTo = null;
  return {
    write(chunk, encoding, cb) {
      const done = typeof encoding === 'function' ? encoding : cb;
      if (handedTo) return handedTo.write(chunk, done);
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk;
      let off = 0;
      try {
        while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      } catch (err) {
        if (err.code !== 'EAGAIN') throw err;
        handedTo = stream();
        return handedTo.write(buf.subarray(off), done);
      }
      if (done) process.nextTick(done);
      return true;
    },
  };
}

/**
 * Runs `virtcompat plan <args>` from the current build, building it first when it is missing or stale.
 * Resolves to the exit code, or null when there is no usable build (the caller runs the sources instead);
 * null is only ever returned before anything was written to io.
 */
async function fastPlan(args, io, { root = ROOT, debug = false } = {}) {
  const say = (m) => debug && io.stderr.write(`virtcompat: fast plan: ${m}\n`);
  let cur = currentBuild(root);
  let fresh = null;
  if (!cur.bundle) {
    say(`${cur.stale}; building`);
    try {
      fresh = await bundle(root);
      cur = fresh;
    } catch (err) {
      say(`cannot build (${err.message.split('\n')[0]}); running the TypeScript sources`);
      return null;
    }
  }
  let loaded;
  try {
    loaded = load(cur.bundle, cur.cache);
  } catch (err) {
    say(`cannot load ${cur.bundle} (${err.message}); running the TypeScript sources`);
    return null;
  }
  say(`${cur.bundle}${loaded.cacheUsed ? ' with its code cache' : ''}`);
  const code = await loaded.exports.run(args, io);
  if (fresh) {
    try {
      // the code cache taken now holds the functions this plan compiled
      commit(root, fresh, loaded.script);
    } catch (err) {
      say(`build not kept (${err.message})`);
    }
  }
  return code;
}

module.exports = { ROOT, currentBuild, build, fastPlan, fdWriter };

if (require.main === module) {
  main();
}

function main() {
  return buildScriptMain('fast-plan.cjs', process.argv.slice(2), {
    current: () => {
      const c = currentBuild();
      return c.bundle ? `current: ${c.bundle}` : `stale: ${c.stale}`;
    },
    build: async () => `virtcompat: fast plan built (${relative(ROOT, (await build()).bundle)})`,
    // `plan` then runs from the sources (or builds on its first run)
    notBuilt: (msg) => `virtcompat: fast plan not built (${msg}); \`virtcompat plan\` runs from the TypeScript sources`,
  });
}
