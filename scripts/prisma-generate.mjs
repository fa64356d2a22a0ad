#!/usr/bin/env node
// `prisma generate` without network: the CLI only downloads the native schema engine when
// PRISMA_SCHEMA_ENGINE_BINARY is unset, and generation does not need it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const cli = `${root}node_modules/prisma/build/index.js`;
if (!existsSync(cli)) {
  console.error('prisma CLI not installed (devDependency); skipping client generation');
  process.exit(0);
}
const res = spawnSync(process.execPath, [cli, 'generate'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(res.status ?? 1);
