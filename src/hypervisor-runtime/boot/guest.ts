// The test guest built by scripts/guest/build-test-guest.sh: a Debian kernel and a busybox initramfs
// that reports what it sees. The build is cached; a second call costs a few milliseconds.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BUILD_SCRIPT = fileURLToPath(new URL('../../../scripts/guest/build-test-guest.sh', import.meta.url));

export interface TestGuest {
  package: string;
  version: string;
  abi: string;
  kernel: string;
  initrd: string;
  stamp: string;
}

/** Kernel command line the test guest is booted with (serial console, no reboot on panic, quiet). */
export const TEST_GUEST_CMDLINE = 'console=ttyS0 panic=-1 quiet';

export class TestGuestError extends Error {
  override name = 'TestGuestError';
  readonly code = 'TEST_GUEST_UNAVAILABLE';
}

/** Builds the test guest if needed and returns where its kernel and initramfs are. */
export function ensureTestGuest(opts: { cacheDir?: string; timeoutMs?: number } = {}): Promise<TestGuest> {
  const args = ['--json', '--quiet'];
  if (opts.cacheDir) args.push('--cache', opts.cacheDir);
  return new Promise((resolve, reject) => {
    execFile(BUILD_SCRIPT, args, { timeout: opts.timeoutMs ?? 600_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new TestGuestError(`building the test guest failed (${BUILD_SCRIPT}): ${stderr.trim() || err.message}`));
        return;
      }
      try {
        const g = JSON.parse(stdout) as TestGuest;
        if (!existsSync(g.kernel) || !existsSync(g.initrd)) throw new Error(`${g.kernel} or ${g.initrd} is missing`);
        resolve(g);
      } catch (e) {
        reject(new TestGuestError(`test guest manifest unreadable: ${(e as Error).message}`));
      }
    });
  });
}
