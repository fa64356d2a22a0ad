// The "does KVM run guest code" check, against a real QEMU: the probe image itself must work (TCG
// runs it into protected mode and out through isa-debug-exit), and failures carry QEMU's reason.
import { test } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { checkGuestCodeRuns, protectedModeProbeImage } from '../src/hypervisor-runtime/boot/kvm-check.ts';

const QEMU = '/usr/bin/qemu-system-x86_64';
const skip = existsSync(QEMU) ? false : `QEMU is not installed (${QEMU})`;

test('the probe image: 64 KiB, code at the start, a far jump at the reset vector', () => {
  const img = protectedModeProbeImage();
  assert.equal(img.length, 0x10000);
  assert.equal(img[0], 0xfa, 'cli');
  assert.deepEqual([...img.subarray(0xfff0, 0xfff5)], [0xea, 0x00, 0x00, 0x00, 0xf0], 'ljmp $0xf000,$0');
});

test('under TCG the image reaches protected mode and exits with 85', { skip: skipWith(skip) }, async () => {
  const r = await checkGuestCodeRuns({ qemu: QEMU, accel: 'tcg', timeoutMs: 20_000 });
  assert.equal(r.runs, true, r.detail);
  assert.match(r.detail, /ran guest code into protected mode/);
});

test('a QEMU that cannot start gives its own error', { skip: skipWith(skip) }, async () => {
  const r = await checkGuestCodeRuns({ qemu: QEMU, accel: 'tcg', cpu: 'no-such-cpu-model' });
  assert.equal(r.runs, false);
  assert.match(r.detail, /no-such-cpu-model|unable to find CPU model/);
});
