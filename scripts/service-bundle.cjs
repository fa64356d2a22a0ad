#!/usr/bin/env node
// `virtcompat serve` from a prebuilt bundle: the CLI (src/cli/main.ts and everything it imports from src/,
// seed/ and the generated Prisma client) bundled by esbuild into ES modules in .cache/service/<key>/, one
// chunk per dynamic import, so the service loads what it runs and the rest on demand. Packages stay in
// node_modules and load from there as usual.
//
// Why: from the sources, the service runs under tsx, whose loader hooks run in a worker thread with an
// isolate of its own and compile every file on the way in; that costs the service about 37 MiB of resident
// memory for its whole life (bench/rss.ts measures both ways). The bundle is plain JavaScript Node loads
// without hooks.
//
// Current means: built in this format for this Node major, and every source esbuild read (listed in the
// manifest with its SHA-256) is unchanged. A changed source makes the build stale: bin/virtcompat.cjs then
// builds again (about a second) or, when it cannot, runs the TypeScript sources; a stale bundle never runs.
// VIRTCOMPAT_SERVICE_BUNDLE=0 always runs the sources.
//
//   node scripts/service-bundle.cjs build     (npm install runs it: postinstall)
//   node scripts/service-bundle.cjs status
'use strict';
const { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { readFile } = require('node:fs/promises');
const { createRequire } = require('node:module');
const { dirname, join, relative } = require('node:path');
const { pathToFileURL } = require('node:url');
const { buildScriptMain, inputsOf, readJson, sha256, staleInput, writeAtomic } = require('./build-inputs.cjs');

const ROOT = join(__dirname, '..');
const ENTRY = 'src/cli/main.ts';
// bump when the bundle's shape or the way it is loaded changes
const BUILD_FORMAT = 1;
// builds kept besides the current one: a service started from an older build loads its lazy chunks from it
const KEEP_OLD = 2;

const outDir = (root) => join(root, '.cache', 'service');
const nodeMajor = () => process.versions.node.split('.')[0];

/** The current build's entry file, or why there is none. */
function currentBuild(root = ROOT) {
  const m = readJson(join(outDir(root), 'manifest.json'));
  if (!m) return { stale: 'no build' };
  if (m.format !== BUILD_FORMAT || m.nodeMajor !== nodeMajor()) return { stale: `built for Node ${m.nodeMajor} (format ${m.format})` };
  const stale = staleInput(root, m.inputs);
  if (stale) return { stale };
  const entry = join(outDir(root), m.entry);
  if (!existsSync(entry)) return { stale: `${m.entry} is missing` };
  return { key: m.key, entry };
}

/**
 * Each source's import.meta as the source itself would see it: the sources find their data files (the SDL
 * beside each schema module, the seed, the web pages' static files, package.json) relative to themselves,
 * and a bundle lives elsewhere. Every build lives at the same depth (.cache/service/<key>/), so the path
 * from a chunk to a source is the same for every build.
 */
function sourceMeta(root) {
  const chunkDir = join(outDir(root), 'build');
  return {
    name: 'virtcompat-source-meta',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (/import\.meta\.resolve\(\s*['"`]\./.test(text))
          throw new Error(`${relative(root, args.path)}: import.meta.resolve of a relative path`);
        const file = relative(chunkDir, args.path);
        const dir = relative(chunkDir, dirname(args.path));
        const contents = text
          .replaceAll('import.meta.url', `new URL(${JSON.stringify(file)}, import.meta.url).href`)
          .replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${dir}`)})`)
          .replaceAll('import.meta.filename', `(import.meta.dirname + ${JSON.stringify(`/${file}`)})`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

/** Builds the bundle into .cache/service/<key>/ and records it as current; throws when esbuild cannot run. */
async function build(root = ROOT) {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild');
  const r = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: ENTRY },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${nodeMajor()}`,
    packages: 'external',
    outdir: join(outDir(root), 'build'),
    outExtension: { '.js': '.mjs' },
    plugins: [sourceMeta(root)],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = inputsOf(r.metafile, root);
  const files = r.outputFiles.map((f) => ({ name: relative(join(outDir(root), 'build'), f.path), contents: f.contents }));
  const key = sha256(
    JSON.stringify({
      BUILD_FORMAT,
      node: nodeMajor(),
      inputs: inputs.map((i) => [i.path, i.sha256]),
      files: files.map((f) => [f.name, sha256(f.contents)]),
    }),
  ).slice(0, 20);
  const dir = join(outDir(root), key);
  if (!existsSync(join(dir, 'main.mjs'))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const f of files) writeFileSync(join(tmp, f.name), f.contents);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // another process made the same build at the same time: its files are these
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'main.mjs'))) throw err;
    }
  }
  writeAtomic(
    join(outDir(root), 'manifest.json'),
    JSON.stringify({ format: BUILD_FORMAT, nodeMajor: nodeMajor(), key, entry: `${key}/main.mjs`, inputs }, null, 1),
  );
  prune(root, key);
  return { key, entry: join(dir, 'main.mjs'), files: files.length };
}

/** Removes builds older than the KEEP_OLD newest besides `current` (a build being written, *.tmp, is not one). */
function prune(root, current) {
  const dir = outDir(root);
  const builds = [];
  for (const name of readdirSync(dir)) {
    if (name === current || name === 'manifest.json' || name.includes('.tmp')) continue;
    try {
      builds.push({ name, mtimeMs: statSync(join(dir, name)).mtimeMs });
    } catch {
      // removed meanwhile
    }
  }
  builds.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const b of builds.slice(KEEP_OLD)) rmSync(join(dir, b.name), { recursive: true, force: true });
}

/**
 * The file URL of the current bundle's entry, building it first when it is missing or stale; null when
 * there is none and none can be built (the caller runs the sources). `say` hears what was decided.
 */
async function serviceEntry({ root = ROOT, say = () => {} } = {}) {
  const cur = currentBuild(root);
  if (cur.entry) {
    say(cur.entry);
    return pathToFileURL(cur.entry).href;
  }
  say(`${cur.stale}; building`);
  try {
    const b = await build(root);
    say(b.entry);
    return pathToFileURL(b.entry).href;
  } catch (err) {
    say(`cannot build (${String(err.message).split('\n')[0]}); running the TypeScript sources`);
    return null;
  }
}

module.exports = { ROOT, currentBuild, build, serviceEntry };

if (require.main === module) {
  main();
}

function main() {
  return buildScriptMain('service-bundle.cjs', process.argv.slice(2), {
    current: () => {
      const c = currentBuild();
      return c.entry ? `current: ${c.entry}` : `stale: ${c.stale}`;
    },
    build: async () => {
      const b = await build();
      return `virtcompat: service bundle built (${relative(ROOT, b.entry)}, ${b.files} files)`;
    },
    // `serve` then builds on its first run, or runs the sources
    notBuilt: (msg) => `virtcompat: service bundle not built (${msg}); \`virtcompat serve\` builds it on first use`,
  });
}
