// The import and export commands as a user runs them (through the CLI dispatcher, with their own
// streams and environment): plain progress lines on stderr when it is not a terminal, a summary
// table or --json on stdout, exit codes. test/import-kill.test.ts runs the CLI as a process.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createProgress } from '../seed/importers/progress.ts';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.ts';
import { cliDatabase, idsForShortIds, osinfoSubset, tempDir, type CliDatabase, type CliResult, ROOT } from './import-support.ts';

async function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const capture = () => {
    const s = new PassThrough();
    let text = '';
    s.on('data', (b: Buffer) => (text += b.toString()));
    return { s, text: () => text };
  };
  const out = capture();
  const err = capture();
  const code = await main(args, { stdout: out.s, stderr: err.s, env: { ...env }, cwd: ROOT });
  await new Promise((r) => setImmediate(r));
  return { code, signal: null, stdout: out.text(), stderr: err.text() };
}

describe('progress output', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return {
      chunks,
      stream: Object.assign({ write: (s: string) => chunks.push(s) > 0 }, { isTTY, columns: 100 }) as unknown as NodeJS.WritableStream & {
        isTTY: boolean;
      },
    };
  };
  it('draws a bar in place on a terminal', () => {
    const { chunks, stream } = sink(true);
    const p = createProgress(stream, 'osinfo');
    p.phase('reading files', 10);
    p.tick(10, 10, '9 entities');
    p.line('transaction started');
    p.end();
    const out = chunks.join('');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line is redrawn with CR + ESC[K, which is what this checks
    assert.match(out, /\r\x1b\[Kosinfo reading files \[#+\] 10\/10 {2}9 entities/);
    assert.match(out, /osinfo: transaction started\n/);
  });
  it('prints plain lines otherwise, one per tenth', () => {
    const { chunks, stream } = sink(false);
    const p = createProgress(stream, 'osinfo');
    p.phase('reading files');
    for (let i = 1; i <= 100; i++) p.tick(i, 100, `${i} entities`);
    assert.equal(chunks.length, 1 + 11); // the phase, then 0%, 10% ... 100%
    assert.equal(chunks.at(-1), 'osinfo: reading files 100/100, 100 entities\n');
    assert.ok(chunks.every((c) => !c.includes('\r')));
  });
});

describe('virtcompat import / export commands', () => {
  let cdb: CliDatabase;
  let subset: Awaited<ReturnType<typeof osinfoSubset>>;
  const out = tempDir('vc-cli-export-');
  beforeAll(async () => {
    cdb = await cliDatabase('pglite');
    subset = await osinfoSubset(await idsForShortIds(['debian11', 'win11']));
  });
  afterAll(async () => {
    await cdb?.drop();
    subset?.cleanup();
    out.cleanup();
  });

  it('prints usage for --help and rejects a bad command line', async () => {
    const help = await runCli(['import', 'osinfo', '--help'], cdb.env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: virtcompat import osinfo \[PATH\]/);
    const bad = await runCli(['import', 'pci-ids', 'a', 'b'], cdb.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /one PATH at most/);
    const unknown = await runCli(['import', 'osinfo', '--frobnicate'], cdb.env);
    assert.equal(unknown.code, 2);
  });

  it('imports with plain progress lines and a JSON summary, then reports no change as a table', async () => {
    const first = await runCli(['import', 'osinfo', subset.dir, '--json', '--no-hwids'], cdb.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^osinfo: reading files$/m);
    assert.match(first.stderr, /^osinfo: transaction started$/m);
    assert.match(first.stderr, /^osinfo: writing GuestOS: \d+ rows$/m);
    assert.match(first.stderr, /^osinfo: committed in \d+ ms$/m);
    const s = JSON.parse(first.stdout);
    assert.equal(s.status, 'OK');
    assert.equal(s.counts.GuestOS.created, subset.oses.size);
    assert.equal(typeof s.runId, 'number');

    const second = await runCli(['import', 'osinfo', subset.dir, '--quiet', '--no-hwids'], cdb.env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, '');
    assert.match(second.stdout, new RegExp(`^GuestOS +0 +0 +${subset.oses.size} +0 +0$`, 'm'));
    assert.match(second.stdout, /^change feed: 0 entities$/m);
  });

  it('fails with the path and reason, exit 2 (usage), when the data is not there', async () => {
    const r = await runCli(['import', 'osinfo', join(subset.dir, 'missing'), '--quiet'], cdb.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PATH .*missing: no such file or directory/);
  });

  it('exports the catalogue, and refuses a non-empty directory', async () => {
    const dir = join(out.dir, 'x');
    const ok = await runCli(['export', 'osinfo', dir], cdb.env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`wrote \\d+ files to .*: ${subset.oses.size} OS`));
    const again = await runCli(['export', 'osinfo', dir], cdb.env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /not empty/);
  });
});
