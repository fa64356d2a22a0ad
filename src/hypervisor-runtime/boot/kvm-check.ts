// Does KVM actually run guest code here? /dev/kvm opening and QEMU creating a KVM VM are not enough:
// under nested virtualization without working vmx/svm, QEMU starts, `query-kvm` says enabled, and
// the vCPU then hangs the moment the guest enters protected mode (seen on this project's CI host,
// an AMD EPYC guest with /dev/kvm but no svm flag), or QEMU aborts setting an MSR with -cpu host.
//
// The check boots a 64 KiB firmware image that switches to 32-bit protected mode and writes 0x2a
// to QEMU's isa-debug-exit port, which ends QEMU with exit code (0x2a << 1) | 1 = 85. Under working
// KVM that takes ~40 ms; a hang is cut off by the timeout. Source of the image (GNU as, --32;
// ld -Ttext 0 --oformat binary):
//
//   .code16
//   _start: cli
//           lgdtl %cs:(gdtptr - _start)
//           movl %cr0, %eax ; orl $1, %eax ; movl %eax, %cr0
//           ljmpl $0x08, $(0xF0000 + pm32 - _start)
//   .code32
//   pm32:   movw $0x10, %ax ; movw %ax, %ds ; movw %ax, %es ; movw %ax, %ss
//           movb $0x2a, %al ; outb %al, $0xf4
//   1:      hlt ; jmp 1b
//   .p2align 3
//   gdt:    .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF     (flat 4 GiB code and data)
//   gdtptr: .word 23 ; .long 0xF0000 + gdt - _start
//   .org 0xFFF0
//   .code16
//           ljmp $0xF000, $0                                    (reset vector)
//   .org 0x10000
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CODE_HEX =
  'fa2e660f011648000f20c06683c8010f22c066ea1a000f00080066b810008ed88ec08ed0b02ae6f4f4ebfd8db400009000' +
  '00000000000000ffff0000009acf00ffff00000092cf00170030000f00';
const RESET_HEX = 'ea000000f0';
export const KVM_CHECK_EXIT_CODE = 85;

/** The 64 KiB firmware image described above. */
export function protectedModeProbeImage(): Buffer {
  const img = Buffer.alloc(0x10000);
  Buffer.from(CODE_HEX, 'hex').copy(img, 0);
  Buffer.from(RESET_HEX, 'hex').copy(img, 0xfff0);
  return img;
}

export interface GuestCodeCheck {
  runs: boolean;
  /** What happened, in words fit for a message. */
  detail: string;
  elapsedMs: number;
}

/**
 * Runs the probe image under `accel` with the given CPU model (the plan's -cpu value, e.g.
 * `host,arch-capabilities=off` or `qemu64`).
 */
export async function checkGuestCodeRuns(
  opts: { qemu?: string; accel?: 'kvm' | 'tcg'; cpu?: string; timeoutMs?: number } = {},
): Promise<GuestCodeCheck> {
  const qemu = opts.qemu ?? 'qemu-system-x86_64';
  const accel = opts.accel ?? 'kvm';
  const timeoutMs = opts.timeoutMs ?? 5000;
  const dir = mkdtempSync(join(tmpdir(), 'virtcompat-kvmcheck-'));
  const image = join(dir, 'probe.bin');
  writeFileSync(image, protectedModeProbeImage());
  const args = [
    '-accel',
    accel,
    '-machine',
    'pc',
    '-m',
    '16',
    '-nodefaults',
    '-display',
    'none',
    '-no-user-config',
    '-bios',
    image,
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
  if (opts.cpu) args.push('-cpu', opts.cpu);
  const t0 = performance.now();
  try {
    return await new Promise<GuestCodeCheck>((resolve) => {
      const child = spawn(qemu, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (s: string) => {
        if (stderr.length < 8192) stderr += s;
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve({ runs: false, detail: `could not start ${qemu}: ${err.message}`, elapsedMs: performance.now() - t0 });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const elapsedMs = Math.round(performance.now() - t0);
        const what = `${accel.toUpperCase()}${opts.cpu ? ` with -cpu ${opts.cpu}` : ''}`;
        if (code === KVM_CHECK_EXIT_CODE)
          resolve({ runs: true, detail: `${what} ran guest code into protected mode in ${elapsedMs} ms`, elapsedMs });
        else if (timedOut)
          resolve({
            runs: false,
            detail: `${what}: the vCPU hung entering protected mode (no exit within ${timeoutMs} ms; nested virtualization without working vmx/svm)`,
            elapsedMs,
          });
        else {
          const last = stderr
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l && !/warning: host doesn't support/.test(l));
          resolve({
            runs: false,
            detail: `${what}: QEMU ${signal ? `died (${signal})` : `exited ${code}`}${last.length ? `: ${last[0]}` : ''}`,
            elapsedMs,
          });
        }
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
