// The boot manager against a real QEMU and the real test guest: how the guest ends decides the
// outcome and exit code; an interrupt powers the guest off over ACPI; a timeout or a crash is
// non-zero; no QEMU is left behind. Skips only when QEMU is not installed.
import { test, beforeAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { boot, type BootResult } from '../src/hypervisor-runtime/boot/manager.ts';
import { ensureTestGuest, TEST_GUEST_CMDLINE, type TestGuest } from '../src/hypervisor-runtime/boot/guest.ts';

const QEMU = '/usr/bin/qemu-system-x86_64';
const skip = existsSync(QEMU) ? false : `QEMU is not installed (${QEMU}); apt-get install qemu-system-x86`;

let guest: TestGuest;
beforeAll(async () => {
  if (!skip) guest = await ensureTestGuest();
});

const base = ['qemu-system-x86_64', '-accel', 'tcg', '-machine', 'q35', '-m', '384', '-nodefaults'];
const kernel = (append = TEST_GUEST_CMDLINE) => ({ kernel: guest.kernel, initrd: guest.initrd, append });

/** A console stream that calls `fn` once when `marker` has gone by. */
function watch(marker: string, fn: () => void): Writable {
  let seen = '';
  let fired = false;
  return new Writable({
    write(chunk, _enc, cb) {
      seen = (seen + String(chunk)).slice(-8192);
      if (!fired && seen.includes(marker)) {
        fired = true;
        fn();
      }
      cb();
    },
  });
}

function assertGone(r: BootResult) {
  for (const a of r.attempts) {
    assert.ok(a.pid, 'QEMU was started');
    assert.throws(() => process.kill(a.pid!, 0), { code: 'ESRCH' }, `QEMU ${a.pid} is gone`);
  }
}

test('an interrupt powers the guest off through ACPI; SIGTERM gives exit 143', { skip: skipWith(skip) }, async () => {
  const ac = new AbortController();
  const logs: string[] = [];
  const r = await boot({
    argv: base,
    directKernel: kernel(`${TEST_GUEST_CMDLINE} virtcompat.hold=1`),
    // The guest reports, then waits for the power button instead of powering off by itself.
    console: watch('VIRTCOMPAT-GUEST-HOLD', () => ac.abort()),
    abort: ac.signal,
    graceMs: 20_000,
    log: (l) => logs.push(l),
  });
  assert.equal(r.outcome, 'interrupted', r.message);
  assert.equal(r.exitCode, 143);
  assert.equal(r.shutdownReason, 'guest-shutdown', 'the guest powered itself off on the ACPI power button');
  assert.match(r.message, /the guest powered off/);
  assert.ok(logs.some((l) => /asking the guest to power off/.test(l)));
  assert.ok(r.report, 'the report came before the interrupt');
  assertGone(r);
});

test('a guest that ignores the power button is quit after the grace period', { skip: skipWith(skip) }, async () => {
  const ac = new AbortController();
  const logs: string[] = [];
  const r = await boot({
    argv: base,
    // PID 1 is `sleep 3600`: nothing in the guest handles the ACPI power button.
    directKernel: kernel(`${TEST_GUEST_CMDLINE} rdinit=/bin/sleep -- 3600`),
    abort: ac.signal,
    graceMs: 1500,
    log: (l) => {
      logs.push(l);
      if (l.startsWith('QMP: QEMU')) setTimeout(() => ac.abort(), 500);
    },
  });
  assert.equal(r.outcome, 'interrupted');
  assert.equal(r.shutdownReason, 'host-qmp-quit');
  assert.match(r.message, /QEMU was stopped/);
  assert.ok(
    logs.some((l) => /did not power off within 1.5 s; quitting QEMU/.test(l)),
    logs.join('\n'),
  );
  assertGone(r);
});

test('a timeout stops the guest with exit 4', { skip: skipWith(skip) }, async () => {
  const r = await boot({ argv: base, directKernel: kernel(`${TEST_GUEST_CMDLINE} virtcompat.hold=1`), timeoutMs: 2500 });
  assert.equal(r.outcome, 'timeout');
  assert.equal(r.exitCode, 4);
  assert.match(r.message, /did not finish within 2.5 s/);
  assert.equal(r.report, null);
  assertGone(r);
});

test('a guest kernel panic is a crash with exit 3', { skip: skipWith(skip) }, async () => {
  // No init at that path: the kernel panics, panic=-1 resets, -no-reboot ends QEMU.
  const r = await boot({ argv: base, directKernel: kernel(`${TEST_GUEST_CMDLINE} rdinit=/no/such/init`), timeoutMs: 150_000 });
  assert.equal(r.outcome, 'crash', r.message);
  assert.equal(r.exitCode, 3);
  assert.equal(r.shutdownReason, 'guest-reset');
  assert.match(r.serial, /Kernel panic/);
  assertGone(r);
});

test('a QEMU that cannot start is a failure with its own message', { skip: skipWith(skip) }, async () => {
  const r = await boot({ argv: [...base, '-device', 'no-such-device'] });
  assert.equal(r.outcome, 'qemu-failed');
  assert.equal(r.exitCode, 1);
  assert.match(r.message, /no-such-device/);
  assertGone(r);
});
