// What the prebuilt bundles (scripts/fast-plan.cjs for `plan`, scripts/service-bundle.cjs for `serve`)
// share: the list of inputs esbuild read, each with its size, mtime and SHA-256, and the check that a
// build is still current against them. A build whose inputs changed is stale and never runs.
'use strict';
const { readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

// node:crypto is loaded only when an input must be hashed (a build, or a touched input): loading it costs a
// plan about as much as its planning
function sha256(data) {
  return require('node:crypto').createHash('sha256').update(data).digest('hex');
}

/**
 * The inputs of an esbuild metafile, as the manifest lists them: sources one by one; a bundled package by
 * its package.json (npm replaces a package as a whole, and a hundred stat calls for one package's files
 * would cost more than the check is worth).
 */
function inputsOf(metafile, root) {
  const paths = new Set();
  for (const p of Object.keys(metafile.inputs)) {
    const pkg = /^(.*?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(p);
    paths.add(pkg ? `${pkg[1]}/package.json` : p);
  }
  return [...paths].sort().map((p) => {
    const abs = join(root, p);
    const st = statSync(abs);
    return { path: p, size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(readFileSync(abs)) };
  });
}

/**
 * Why the listed inputs no longer make the build they made, or null when they still do. Inputs whose size
 * and mtime match are taken as unchanged; any other is hashed and compared (a touched but identical file
 * keeps the build).
 */
function staleInput(root, inputs) {
  const base = root.endsWith('/') ? root : `${root}/`;
  for (const i of inputs) {
    let st;
    try {
      st = statSync(base + i.path);
    } catch {
      return `${i.path} is gone`;
    }
    if (st.size === i.size && st.mtimeMs === i.mtimeMs) continue;
    if (st.size !== i.size || sha256(readFileSync(base + i.path)) !== i.sha256) return `${i.path} changed`;
  }
  return null;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Writes through a temporary file and a rename, so a reader sees the old file or the new one whole. */
function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * A build script's command line: `build` (the default; a failure only warns, so it never fails an
 * install) or `status`. `opts.current()` names the current build or says why it is stale,
 * `opts.build()` builds and says what it built, `opts.notBuilt(message)` says what happens instead.
 */
async function buildScriptMain(script, argv, opts) {
  const what = argv[0] ?? 'build';
  if (what === 'status') {
    console.log(opts.current());
  } else if (what === 'build') {
    try {
      console.log(await opts.build());
    } catch (err) {
      console.warn(opts.notBuilt(String(err.message).split('\n')[0]));
    }
  } else {
    console.error(`usage: node scripts/${script} [build|status]`);
    process.exitCode = 2;
  }
}

module.exports = { sha256, inputsOf, staleInput, readJson, writeAtomic, buildScriptMain };
