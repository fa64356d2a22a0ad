#!/usr/bin/env node
// `node bin/virtcompat.mjs ...` as the npm scripts and tests start the CLI: the entry point is
// bin/virtcompat.cjs (the package's bin; CommonJS for a faster start, see there).
import './virtcompat.cjs';
