// `boot --dry-run` prints a script that runs as printed: the run directory is made by the script and
// every path in it is expanded by the shell, not a literal `$RUNDIR`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { planningData } from '../../../test/fixtures/runtime/load.ts';
import { main } from '../../cli/main.ts';
import { writeSnapshotEntry } from '../client.ts';
import { dryRunScript } from './boot-vm.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('boot --dry-run', () => {
  it('quotes paths around $RUNDIR so the shell expands it, and starts swtpm as a daemon', () => {
    const s = dryRunScript(
      'qemu-system-x86_64',
      ['-drive', 'if=pflash,file=$RUNDIR/my vars.fd', '-qmp', 'unix:$RUNDIR/qmp.sock,server=on,wait=off'],
      [
        { kind: 'mkdir', path: '$RUNDIR/tpm' },
        { kind: 'copy-uefi-vars', from: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd', to: '$RUNDIR/my vars.fd' },
        {
          kind: 'swtpm',
          socket: '$RUNDIR/swtpm.sock',
          stateDir: '$RUNDIR/tpm',
          argv: ['swtpm', 'socket', '--tpmstate', 'dir=$RUNDIR/tpm'],
        },
      ],
    );
    assert.equal(
      s,
      [
        '# virtcompat boot --dry-run: the commands boot would run',
        'RUNDIR=$(mktemp -d -t virtcompat-XXXXXX)',
        'mkdir -p "$RUNDIR"/tpm',
        `cp /usr/share/OVMF/OVMF_VARS_4M.ms.fd "$RUNDIR"'/my vars.fd'`,
        'swtpm socket --tpmstate dir="$RUNDIR"/tpm --daemon',
        `qemu-system-x86_64 -drive if=pflash,file="$RUNDIR"'/my vars.fd' -qmp unix:"$RUNDIR"/qmp.sock,server=on,wait=off`,
        '',
      ].join('\n'),
    );
  });

  it('the printed script runs: the QEMU line gets a real run directory', { timeout: 120_000 }, async () => {
    const snap = mkdtempSync(join(tmpdir(), 'vc-dry-snap-'));
    dirs.push(snap);
    writeSnapshotEntry(snap, 'http://127.0.0.1:9/graphql', 'debian11', 'kvm', planningData('debian11', 'kvm'), new Date());
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(s), true) }) as unknown as NodeJS.WritableStream;
    const code = await main(
      [
        'boot',
        '--dry-run',
        '--guest',
        'debian11',
        '--kernel',
        '/boot/vmlinuz-test',
        '--host',
        join(ROOT, 'examples/hosts/kvm-x86_64.json'),
        '--offline',
        '--snapshot-dir',
        snap,
        '--service',
        'http://127.0.0.1:9/graphql',
        '--qemu',
        'echo',
      ],
      { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: { HOME: snap }, cwd: ROOT },
    );
    assert.equal(code, 0, err);
    assert.ok(!/(?<!")\$RUNDIR/.test(out), `a quoted, literal $RUNDIR:\n${out}`);
    // `echo` stands in for QEMU: it prints the argv the shell built
    const r = spawnSync('sh', ['-c', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const qmp = /unix:(\/\S+?)\/qmp\.sock/.exec(r.stdout)?.[1];
    assert.ok(qmp, r.stdout);
    dirs.push(qmp);
    assert.ok(existsSync(qmp) && statSync(qmp).isDirectory(), `${qmp} is not the run directory the script made`);
    assert.match(qmp, /virtcompat-/);
  });
});
