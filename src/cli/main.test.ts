import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { entries } from './commands/index.ts';
import { main } from './main.ts';

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (b) => (stdout += b));
  err.on('data', (b) => (stderr += b));
  return { io: { stdout: out, stderr: err, env: {}, cwd: process.cwd() }, text: () => ({ stdout, stderr }) };
}

describe('virtcompat command line', () => {
  it('lists each command with the name and summary its module declares', async () => {
    const names = entries.map((e) => e.name);
    assert.deepEqual(names, [...names].sort(), 'entries are sorted');
    assert.equal(new Set(names).size, names.length);
    for (const e of entries) {
      const cmd = await e.load();
      assert.equal(cmd.name, e.name);
      assert.equal(cmd.summary, e.summary, `summary of ${e.name}`);
      assert.match(cmd.usage, /^Usage: virtcompat /, `usage of ${e.name}`);
    }
  });

  it('prints help with exit 0, and exits 2 on no or an unknown command', async () => {
    const a = io();
    assert.equal(await main(['--help'], a.io as never), 0);
    for (const e of entries) assert.ok(a.text().stdout.includes(e.name));
    const b = io();
    assert.equal(await main([], b.io as never), 2);
    const c = io();
    assert.equal(await main(['frobnicate'], c.io as never), 2);
    assert.match(c.text().stderr, /unknown command 'frobnicate'/);
  });

  it('gives every command --help (exit 0) and a usage error (exit 2) for an unknown option', async () => {
    for (const e of entries) {
      const h = io();
      assert.equal(await main([...e.name.split(' '), '--help'], h.io as never), 0, e.name);
      assert.match(h.text().stdout, /^Usage: virtcompat /);
    }
    const u = io();
    assert.equal(await main(['db', 'migrate', '--no-such-flag'], u.io as never), 2);
    assert.match(u.text().stderr, /no-such-flag/);
  });
});
