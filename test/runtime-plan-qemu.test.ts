// The rendered QEMU argv is accepted by the installed QEMU: each plan is started paused (-S) under TCG
// with a QMP socket, QEMU is asked over QMP what it built (PCI ids, TPM, KVM), and told to quit.
// With usable KVM here, a KVM plan from the real probe is started the same way.
import { describe, it, beforeAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, truncateSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { loadFacts, FIXED_PROVENANCE, tempDir } from './fixtures/runtime/load.ts';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import type { HostProfile } from '../src/hypervisor-runtime/host.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import { executePrepare } from '../src/hypervisor-runtime/prepare.ts';
import { probeHost } from '../src/hypervisor-runtime/probe.ts';
import { renderQemu } from '../src/hypervisor-runtime/render/qemu.ts';
import { parseSpec, type VmSpecInput } from '../src/hypervisor-runtime/spec.ts';

const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync(QEMU, ['-version']).status === 0;
const haveSwtpm = spawnSync('swtpm', ['--version']).status === 0;

/** A Linux kernel to boot microvm with: $VIRTCOMPAT_TEST_KERNEL, or the test guest's (scripts/guest/build-test-guest.sh). */
function testKernel(): string | null {
  if (process.env.VIRTCOMPAT_TEST_KERNEL) return process.env.VIRTCOMPAT_TEST_KERNEL;
  const dir = join(import.meta.dirname, '..', '.cache', 'guest');
  try {
    for (const v of readdirSync(dir)) if (existsSync(join(dir, v, 'vmlinuz'))) return join(dir, v, 'vmlinuz');
  } catch {
    // no test guest built
  }
  return null;
}

/** Minimal QMP client over a unix socket: one command at a time, events skipped. */
class Qmp {
  private buf = '';
  private waiters: ((msg: Record<string, unknown>) => void)[] = [];
  private constructor(private sock: Socket) {
    sock.on('data', (d) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (!line) continue;
        const msg = JSON.parse(line);
        if ('event' in msg) continue;
        this.waiters.shift()?.(msg);
      }
    });
  }
  /** Connects once QEMU has made its socket; retries for as long as QEMU runs (no fixed deadline: under load QEMU takes its time). */
  static async open(path: string, running: () => boolean): Promise<Qmp> {
    for (;;) {
      try {
        const sock = await new Promise<Socket>((res, rej) => {
          const s = connect(path, () => res(s));
          s.once('error', rej);
        });
        const q = new Qmp(sock);
        await q.next(); // greeting
        await q.cmd('qmp_capabilities');
        return q;
      } catch (err) {
        if (!running()) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  private next(): Promise<Record<string, unknown>> {
    return new Promise((r) => this.waiters.push(r));
  }
  async cmd(execute: string, args?: Record<string, unknown>): Promise<any> {
    const p = this.next();
    this.sock.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    const msg = await p;
    if ('error' in msg) throw new Error(`${execute}: ${JSON.stringify(msg.error)}`);
    return msg.return;
  }
  close() {
    this.sock.destroy();
  }
}

/** PCI ids of every device in QEMU's device tree ("info qtree" lists them behind bridges too, before firmware runs). */
function pciIds(qtree: string): string[] {
  return [...qtree.matchAll(/pci id ([0-9a-f]{4}):([0-9a-f]{4})/g)].map((m) => `${m[1]}:${m[2]}`);
}

async function startPaused(plan: Plan): Promise<{ pci: string[]; qtree: string; status: string; kvm: any; tpm: any[]; stderr: string }> {
  const dir = tempDir('vc-qemu-');
  const qmpPath = join(dir, 'qmp.sock');
  const cmd = renderQemu(plan, {
    runDir: join(dir, 'run'),
    qmpSocket: qmpPath,
    paused: true,
    serial: { kind: 'file', path: join(dir, 'serial.log') },
    display: 'none',
  });
  const prepared = await executePrepare(cmd.prepare);
  const child = spawn(cmd.binary, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let running = true;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      running = false;
      r(code);
    }),
  );
  try {
    const early = await Promise.race([exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('running'), 200))]);
    if (early === 'exited') throw new Error(`QEMU refused the argv: ${stderr}\n${[cmd.binary, ...cmd.args].join(' ')}`);
    const qmp = await Qmp.open(qmpPath, () => running).catch((err) => {
      throw new Error(`QEMU exited before its QMP socket answered (${err.message}): ${stderr}`);
    });
    const status = (await qmp.cmd('query-status')).status as string;
    const qtree = (await qmp.cmd('human-monitor-command', { 'command-line': 'info qtree' })) as string;
    const pci = pciIds(qtree);
    const kvm = await qmp.cmd('query-kvm');
    const tpm = plan.tpm.present ? await qmp.cmd('query-tpm') : [];
    await qmp.cmd('quit');
    qmp.close();
    const code = await exited;
    assert.equal(code, 0, `QEMU exit after quit: ${code} ${stderr}`);
    return { pci, qtree, status, kvm, tpm, stderr };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await prepared.cleanup();
  }
}

describe('QEMU accepts the rendered argv', {
  skip: skipWith(haveQemu ? false : `${QEMU} is not installed (Debian package qemu-system-x86)`),
}, () => {
  let real: HostProfile;
  let tcgHost: HostProfile;
  beforeAll(async () => {
    real = await probeHost({ timeoutMs: 8000 });
    tcgHost = {
      ...real,
      name: `${real.name}-tcg`,
      kvm: { ...real.kvm, usable: false, detail: 'KVM left out on purpose: this test runs under TCG' },
    };
  });

  function plan(guest: string, h: HostProfile, extra: VmSpecInput = {}): { plan: Plan; dir: string } {
    const dir = tempDir('vc-img-');
    const img = join(dir, 'root.img');
    closeSync(openSync(img, 'w'));
    truncateSync(img, 64 * 1024 * 1024);
    const iso = join(dir, 'install.iso');
    closeSync(openSync(iso, 'w'));
    const r = decide({
      facts: loadFacts(guest, 'kvm'),
      provenance: FIXED_PROVENANCE,
      host: h,
      spec: parseSpec({ name: `t-${guest}`, disks: [{ path: img }, { path: iso, device: 'cdrom' }], ...extra }),
    });
    if (!r.ok) throw r.error;
    return { plan: r.plan, dir };
  }

  it('modern Linux under TCG: q35 with virtio 1.0 net, block, RNG, balloon, serial (PCI ids 1af4:1041/1042/1044/1045/1043)', async () => {
    const { plan: p } = plan('debian11', tcgHost);
    assert.equal(p.acceleration.mode, 'tcg');
    const r = await startPaused(p);
    assert.equal(r.status, 'prelaunch');
    assert.equal(r.kvm.enabled, false);
    for (const id of ['1af4:1041', '1af4:1042', '1af4:1044', '1af4:1045', '1af4:1043'])
      assert.ok(r.pci.includes(id), `${id} in ${r.pci.join(' ')}`);
    assert.ok(!r.pci.includes('1af4:1000'), 'no transitional virtio-net');
    assert.ok(r.pci.includes('8086:2922'), 'q35 AHCI for the CD-ROM');
  });

  it('legacy virtio guest under TCG: pc with transitional virtio (1af4:1000/1001)', async () => {
    const r = await startPaused(plan('rhel6.0', tcgHost).plan);
    assert.ok(r.pci.includes('1af4:1000') && r.pci.includes('1af4:1001'), r.pci.join(' '));
    assert.ok(r.pci.includes('8086:7010'), 'PIIX3 IDE');
  });

  it('legacy OS without virtio under TCG: pc with e1000 and IDE, no virtio device', async () => {
    const r = await startPaused(plan('winxp', tcgHost).plan);
    assert.ok(r.pci.includes('8086:100e'), r.pci.join(' '));
    assert.ok(!r.pci.some((x) => x.startsWith('1af4:')));
  });

  it('Windows 11 under TCG: OVMF with Secure Boot and SMM, swtpm TPM 2.0 (CRB), Hyper-V flags TCG accepts', {
    skip: skipWith(haveSwtpm ? false : 'swtpm is not installed (Debian package swtpm)'),
  }, async () => {
    const { plan: p } = plan('win11', tcgHost, { memory: '4GiB' });
    assert.equal(p.firmware.secureBoot, true);
    if (!existsSync(p.firmware.code!)) return; // descriptor names a file the ovmf package did not install
    const r = await startPaused(p);
    assert.equal(r.tpm.length, 1);
    assert.equal(r.tpm[0].model, 'tpm-crb');
    assert.ok(r.pci.includes('8086:10d3'), 'e1000e');
  });

  it('microvm under TCG: virtio-mmio block, net, RNG and balloon, kernel booted directly', async (t) => {
    const kernel = testKernel();
    if (!kernel)
      return t.skip('no Linux kernel to boot (set VIRTCOMPAT_TEST_KERNEL or build the test guest: scripts/guest/build-test-guest.sh)');
    const dir = tempDir('vc-img-');
    const img = join(dir, 'root.img');
    closeSync(openSync(img, 'w'));
    truncateSync(img, 16 * 1024 * 1024);
    const r0 = decide({
      facts: loadFacts('debian11', 'kvm'),
      provenance: FIXED_PROVENANCE,
      host: tcgHost,
      spec: parseSpec({
        name: 't-microvm',
        machine: 'microvm',
        boot: { kernel, cmdline: 'console=ttyS0' },
        disks: [{ path: img }],
        display: 'none',
      }),
    });
    if (!r0.ok) throw r0.error;
    assert.equal(r0.plan.machine.type, 'microvm');
    const r = await startPaused(r0.plan);
    assert.equal(r.status, 'prelaunch');
    assert.deepEqual(r.pci, [], 'no PCI on microvm');
    assert.ok(
      ['virtio-blk-device', 'virtio-net-device', 'virtio-rng-device', 'virtio-balloon-device'].every((m) => r.qtree.includes(`dev: ${m}`)),
      r.qtree,
    );
  });

  it('with usable KVM here: the KVM plan from the real probe starts, and QEMU reports KVM enabled', async (t) => {
    if (!real.kvm.usable) return t.skip(`KVM is not usable here: ${real.kvm.detail}`);
    const { plan: p } = plan('debian11', real);
    assert.equal(p.acceleration.mode, 'kvm');
    const r = await startPaused(p);
    assert.equal(r.kvm.enabled, true, JSON.stringify(r.kvm));
    assert.ok(r.pci.includes('1af4:1041'));
  });
});
