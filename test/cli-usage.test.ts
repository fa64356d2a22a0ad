// Usage errors exit 2 in every command: a missing input file, a bad option value, a non-empty
// export folder without --force. Each is found before any database, service or QEMU is touched
// (DATA_DIR points at an empty folder that must stay empty; the service URL refuses connections).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.ts';
import { tempDir } from './import-support.ts';

const tmp = tempDir('vc-usage-');
const dataDir = join(tmp.dir, 'data');
mkdirSync(dataDir);
const full = join(tmp.dir, 'full');
mkdirSync(full);
writeFileSync(join(full, 'x'), 'x');
const missing = join(tmp.dir, 'no-such-file.yaml');
// Nothing listens here: a command that got as far as the network would fail with exit 1, not 2.
const NOWHERE = 'http://127.0.0.1:9/graphql';

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b) => (out += b));
  stderr.on('data', (b) => (err += b));
  const code = await main(argv, { stdout, stderr, env: { DATA_DIR: dataDir, VIRTCOMPAT_SERVICE: NOWHERE }, cwd: tmp.dir });
  return { code, stdout: out, stderr: err };
}

const CASES: Array<[string, string[], RegExp]> = [
  ['plan: missing --spec', ['plan', '--spec', missing, '--service', NOWHERE], /no-such-file/],
  ['plan: missing --host', ['plan', '--guest', 'debian12', '--hypervisor', 'kvm', '--host', missing, '--service', NOWHERE], /no-such-file/],
  ['boot: missing --spec', ['boot', '--spec', missing, '--dry-run', '--service', NOWHERE], /no-such-file/],
  ['submit: missing FILE', ['submit', missing, '--key', 'vc_0000000000000000_x', '--service', NOWHERE], /cannot read .*no-such-file/],
  ['import osinfo: missing PATH', ['import', 'osinfo', missing], /PATH .*no-such-file.*: no such file/],
  ['import osinfo: missing --pci-ids', ['import', 'osinfo', tmp.dir, '--pci-ids', missing], /--pci-ids .*no-such-file/],
  ['import pci-ids: missing PATH', ['import', 'pci-ids', missing], /PATH .*no-such-file/],
  ['import qemu: missing --binary', ['import', 'qemu', '--binary', missing], /--binary .*no-such-file/],
  ['export osinfo: non-empty DIR', ['export', 'osinfo', full], /is not empty/],
  ['key create: bad --role', ['key', 'create', '--role', 'boss'], /--role must be/],
  ['key create: bad --expires', ['key', 'create', '--role', 'admin', '--expires', 'someday'], /--expires/],
  ['vendor create: bad --kind', ['vendor', 'create', 'acme', '--name', 'A', '--kind', 'planet'], /--kind must be one of/],
  ['probe: bad --timeout', ['probe', '--timeout', '-1'], /--timeout/],
];

describe('usage errors exit 2 in every command', () => {
  afterAll(() => tmp.cleanup());

  for (const [name, argv, message] of CASES) {
    it(name, async () => {
      const r = await run(argv);
      expect(r.stderr).toMatch(message);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/Usage: virtcompat /);
    });
  }

  it('touched no database on the way', () => {
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
