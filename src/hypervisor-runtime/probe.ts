// Reads the host's facts on Linux (I/O lives here and in client.ts only):
// CPU vendor/model/flags from /proc/cpuinfo, /dev/kvm and whether QEMU can actually open a KVM VM,
// IOMMU groups and PCI devices with SR-IOV from sysfs, whether the host is itself a guest,
// the QEMU binary with its version, device, machine and CPU models, UEFI firmware descriptors and swtpm.
import { checkGuestCodeRuns } from './boot/kvm-check.ts';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HOST_SCHEMA, parseHostProfile, type FirmwareDescriptorInfo, type HostProfile, type PciDeviceInfo } from './host.ts';
import { captures } from '../util/must.ts';
import { hostFeatureReport } from './host-features.ts';

export { HOST_FEATURE_DETECTION, hostFeatureReport, type HostFeatureReport } from './host-features.ts';

export interface ProbeOptions {
  /** Filesystem root for /proc, /sys, /dev and /usr/share (tests point it at a prepared tree). */
  root?: string;
  /** QEMU binary to query; null skips every QEMU probe. */
  qemuBinary?: string | null;
  /** Time limit for each QEMU invocation. Nested KVM can hang; we never wait longer than this. */
  timeoutMs?: number;
  /** Skip starting QEMU with KVM (then `usable` is judged from /dev/kvm and the CPU flags only). */
  skipKvmLaunch?: boolean;
  /** Where to look for swtpm; null skips. */
  swtpmBinary?: string | null;
  name?: string;
  now?: Date;
  /** Folders searched for qemu-system-* and swtpm, in order (the caller's PATH; default: the system folders). */
  searchPath?: string[];
}

/** Where binaries are looked for when the caller gives no search path. */
export const DEFAULT_SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function parseCpuInfo(text: string): { vendor: string; model: string; count: number; flags: string[] } {
  let vendor = 'unknown';
  let model = 'unknown';
  let flags: string[] = [];
  let count = 0;
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim();
    const v = line.slice(i + 1).trim();
    if (k === 'processor') count++;
    else if (k === 'vendor_id' && vendor === 'unknown') vendor = v;
    else if (k === 'model name' && model === 'unknown') model = v;
    else if (k === 'flags' && flags.length === 0) flags = v.split(/\s+/).filter(Boolean);
  }
  return { vendor, model, count: Math.max(count, 1), flags: [...new Set(flags)].sort() };
}

export function parseMemInfoMiB(text: string): number {
  const m = /^MemTotal:\s+(\d+)\s+kB/m.exec(text);
  return m ? Math.floor(Number(m[1]) / 1024) : 1;
}

/** `qemu-system-x86_64 -device help` → device names. */
export function parseDeviceHelp(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^name "([^"]+)"/gm)) out.push(...captures(m, 1));
  return out.sort();
}

/** `-machine help` → names (aliases included) and the default. */
export function parseMachineHelp(text: string): { machines: string[]; defaultMachine: string | null } {
  const machines: string[] = [];
  let def: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [name, rest] = captures(m, 2);
    if (name === 'Supported') continue;
    machines.push(name);
    if (/\(default\)/.test(rest)) def = name;
  }
  return { machines: machines.sort(), defaultMachine: def };
}

export function parseCpuHelp(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^x86\s+(\S+)/.exec(line);
    if (m) out.push(...captures(m, 1));
  }
  return out.sort();
}

export function parseQemuVersion(text: string): string | null {
  const m = /QEMU emulator version (\d+\.\d+(?:\.\d+)?)/.exec(text);
  return m ? captures(m, 1)[0] : null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readHexId(path: string): string | null {
  const t = readText(path);
  return t ? t.trim().replace(/^0x/, '').toLowerCase() : null;
}

function readInt(path: string): number | null {
  const t = readText(path);
  if (t === null) return null;
  const n = Number.parseInt(t.trim(), 10);
  return Number.isFinite(n) ? n : null;
}

function linkName(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
}

export function readPciDevices(root: string): PciDeviceInfo[] {
  const dir = join(root, 'sys/bus/pci/devices');
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: PciDeviceInfo[] = [];
  for (const address of names) {
    const p = join(dir, address);
    const vendorId = readHexId(join(p, 'vendor'));
    const productId = readHexId(join(p, 'device'));
    const cls = readHexId(join(p, 'class'));
    if (!vendorId || !productId || !cls) continue;
    const group = linkName(join(p, 'iommu_group'));
    out.push({
      address,
      vendorId,
      productId,
      class: cls.padStart(6, '0').slice(-6),
      driver: linkName(join(p, 'driver')),
      iommuGroup: group !== null && /^\d+$/.test(group) ? Number(group) : null,
      sriovTotalVfs: readInt(join(p, 'sriov_totalvfs')),
      sriovNumVfs: readInt(join(p, 'sriov_numvfs')),
      physfn: linkName(join(p, 'physfn')),
    });
  }
  return out;
}

export function readIommu(root: string): { enabled: boolean; groups: number } {
  try {
    const groups = readdirSync(join(root, 'sys/kernel/iommu_groups')).filter((n) => /^\d+$/.test(n)).length;
    return { enabled: groups > 0, groups };
  } catch {
    return { enabled: false, groups: 0 };
  }
}

/** QEMU firmware interop descriptors (docs/interop/firmware.json), as libvirt reads them. */
export function readFirmwareDescriptors(root: string): FirmwareDescriptorInfo[] {
  const dirs = ['etc/qemu/firmware', 'usr/share/qemu/firmware'].map((d) => join(root, d));
  const byName = new Map<string, string>();
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.json') && !byName.has(n)) byName.set(n, join(d, n));
  }
  const out: FirmwareDescriptorInfo[] = [];
  for (const [name, file] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    try {
      const j = JSON.parse(readFileSync(file, 'utf8'));
      const mapping = j.mapping ?? {};
      const code = mapping.executable?.filename ?? mapping.filename;
      if (typeof code !== 'string') continue;
      out.push({
        file: join('/', file.slice(root.length)).replace(/\/+/g, '/'),
        description: String(j.description ?? name),
        interfaceTypes: Array.isArray(j['interface-types']) ? j['interface-types'].map(String) : [],
        code,
        varsTemplate: typeof mapping['nvram-template']?.filename === 'string' ? mapping['nvram-template'].filename : null,
        targets: Array.isArray(j.targets)
          ? j.targets.map((t: { architecture?: unknown; machines?: unknown }) => ({
              architecture: String(t.architecture ?? ''),
              machines: Array.isArray(t.machines) ? t.machines.map(String) : [],
            }))
          : [],
        features: Array.isArray(j.features) ? j.features.map(String) : [],
      });
    } catch {
      // an unreadable descriptor is skipped, as QEMU and libvirt do
    }
  }
  return out;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  error: string | null;
}

/** Runs a command with a hard time limit; kills the whole process on timeout. */
export function runWithTimeout(cmd: string, args: string[], timeoutMs: number, input?: string): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const done = (r: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise(r);
    };
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => done({ code: null, stdout, stderr, timedOut, error: err.message }));
    child.on('close', (code) => done({ code, stdout, stderr, timedOut, error: null }));
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * Is KVM usable? Starting QEMU with `-accel kvm` creates a VM (KVM_CREATE_VM) and a vCPU-less machine;
 * `query-kvm` over QMP then says whether KVM is enabled. A nested setup that hangs is cut off by the timeout.
 */
export async function probeKvmWithQemu(qemu: string, timeoutMs: number): Promise<{ usable: boolean; detail: string }> {
  const qmp = '{"execute":"qmp_capabilities"}\n{"execute":"query-kvm"}\n{"execute":"quit"}\n';
  const r = await runWithTimeout(
    qemu,
    ['-accel', 'kvm', '-machine', 'none', '-nodefaults', '-display', 'none', '-S', '-qmp', 'stdio'],
    timeoutMs,
    qmp,
  );
  if (r.error) return { usable: false, detail: `could not start ${qemu}: ${r.error}` };
  if (r.timedOut)
    return {
      usable: false,
      detail: `${qemu} -accel kvm did not answer within ${timeoutMs} ms (nested virtualization can hang); treating KVM as unusable`,
    };
  for (const line of r.stdout.split('\n')) {
    let msg: { return?: { enabled?: unknown; present?: unknown } };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (msg.return && typeof msg.return.enabled === 'boolean') {
      return msg.return.enabled
        ? { usable: true, detail: `${qemu} opened a KVM VM (query-kvm: enabled)` }
        : { usable: false, detail: `${qemu} started but query-kvm reports KVM not enabled (present: ${String(msg.return.present)})` };
    }
  }
  const err = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${r.code}`;
  return { usable: false, detail: `${qemu} -accel kvm failed: ${err}` };
}

export const HV_ALL_FLAGS = [
  'hv-relaxed',
  'hv-vapic',
  'hv-spinlocks=0x1fff',
  'hv-time',
  'hv-vpindex',
  'hv-runtime',
  'hv-synic',
  'hv-stimer',
  'hv-reset',
  'hv-frequencies',
  'hv-reenlightenment',
  'hv-tlbflush',
  'hv-ipi',
];
export const HV_BASIC_FLAGS = ['hv-relaxed', 'hv-vapic', 'hv-spinlocks=0x1fff', 'hv-time'];

/** Starts QEMU paused with `args`, waits for QMP, quits. Ok when QEMU got as far as answering. */
export async function qemuStarts(qemu: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; error: string }> {
  const r = await runWithTimeout(
    qemu,
    [...args, '-S', '-nodefaults', '-display', 'none', '-qmp', 'stdio'],
    timeoutMs,
    '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
  );
  if (r.error) return { ok: false, error: r.error };
  if (r.timedOut) return { ok: false, error: `no answer within ${timeoutMs} ms` };
  if (/"return"/.test(r.stdout)) return { ok: true, error: '' };
  return { ok: false, error: r.stderr.trim().split('\n').pop() ?? `exit code ${r.code}` };
}

/** Which Hyper-V enlightenments KVM accepts here (vCPUs are created, so VP_INDEX/SynIC refusals show). */
export async function probeHypervWithQemu(qemu: string, cpuBase: string, timeoutMs: number): Promise<'all' | 'basic' | 'none'> {
  const all = await qemuStarts(qemu, ['-accel', 'kvm', '-machine', 'pc', '-cpu', `${cpuBase},${HV_ALL_FLAGS.join(',')}`], timeoutMs);
  if (all.ok) return 'all';
  const basic = await qemuStarts(qemu, ['-accel', 'kvm', '-machine', 'pc', '-cpu', `${cpuBase},${HV_BASIC_FLAGS.join(',')}`], timeoutMs);
  return basic.ok ? 'basic' : 'none';
}

/**
 * Can QEMU create a vCPU with `-cpu host`? Nested KVM sometimes refuses an MSR the host CPU model sets
 * (IA32_ARCH_CAPABILITIES, MSR 0x10a); then `arch-capabilities=off` is tried, and a named model last.
 */
export async function probeHostCpuWithQemu(
  qemu: string,
  timeoutMs: number,
): Promise<{ hostPassthrough: 'ok' | 'unusable'; flagsOff: string[]; namedOk: boolean; error: string }> {
  const host = await qemuStarts(qemu, ['-accel', 'kvm', '-machine', 'pc', '-cpu', 'host'], timeoutMs);
  if (host.ok) return { hostPassthrough: 'ok', flagsOff: [], namedOk: true, error: '' };
  if (/0x10a|kvm_buf_set_msrs/.test(host.error)) {
    const off = await qemuStarts(qemu, ['-accel', 'kvm', '-machine', 'pc', '-cpu', 'host,arch-capabilities=off'], timeoutMs);
    if (off.ok) return { hostPassthrough: 'ok', flagsOff: ['arch-capabilities'], namedOk: true, error: host.error };
  }
  const named = await qemuStarts(qemu, ['-accel', 'kvm', '-machine', 'pc', '-cpu', 'qemu64'], timeoutMs);
  return { hostPassthrough: 'unusable', flagsOff: [], namedOk: named.ok, error: host.error || named.error };
}

function which(cmd: string, root: string, searchPath: string[]): string | null {
  if (cmd.includes('/')) return existsSync(join(root, cmd)) ? cmd : null;
  for (const dir of searchPath) {
    const p = join(dir, cmd);
    try {
      if (statSync(join(root, p)).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

export async function probeHost(opts: ProbeOptions = {}): Promise<HostProfile> {
  const root = opts.root ?? '/';
  const timeoutMs = opts.timeoutMs ?? 5000;
  const cpuText = readText(join(root, 'proc/cpuinfo')) ?? '';
  const cpu = parseCpuInfo(cpuText);
  const memoryMiB = parseMemInfoMiB(readText(join(root, 'proc/meminfo')) ?? '');
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  const kvmDevice = existsSync(join(root, 'dev/kvm'));
  const hypervisorType = readText(join(root, 'sys/hypervisor/type'))?.trim() || null;
  const dmiVendor = readText(join(root, 'sys/class/dmi/id/sys_vendor'))?.trim() || null;
  const kernel = readText(join(root, 'proc/sys/kernel/osrelease'))?.trim() || null;

  const qemuBin =
    opts.qemuBinary === null ? null : which(opts.qemuBinary ?? `qemu-system-${arch}`, root, opts.searchPath ?? DEFAULT_SEARCH_PATH);
  let qemu: HostProfile['qemu'] = null;
  let kvm: HostProfile['kvm'] = {
    device: kvmDevice,
    usable: false,
    detail: '',
    hyperv: 'untested',
    hostPassthrough: 'untested',
    hostCpuFlagsOff: [],
  };
  const virtFlag = cpu.flags.includes('vmx') ? 'vmx' : cpu.flags.includes('svm') ? 'svm' : null;

  if (qemuBin) {
    const [ver, dev, mach, cpus, kvmProbe] = await Promise.all([
      runWithTimeout(qemuBin, ['-version'], timeoutMs),
      runWithTimeout(qemuBin, ['-device', 'help'], timeoutMs),
      runWithTimeout(qemuBin, ['-machine', 'help'], timeoutMs),
      runWithTimeout(qemuBin, ['-cpu', 'help'], timeoutMs),
      kvmDevice && !opts.skipKvmLaunch ? probeKvmWithQemu(qemuBin, timeoutMs) : Promise.resolve(null),
    ]);
    const version = parseQemuVersion(ver.stdout);
    if (version) {
      const m = parseMachineHelp(mach.stdout);
      qemu = {
        binary: qemuBin,
        version,
        devices: parseDeviceHelp(dev.stdout + dev.stderr),
        machines: m.machines,
        defaultMachine: m.defaultMachine,
        cpuModels: parseCpuHelp(cpus.stdout),
      };
    }
    if (kvmProbe) kvm = { device: true, ...kvmProbe, hyperv: 'untested', hostPassthrough: 'untested', hostCpuFlagsOff: [] };
    if (kvm.usable && !opts.skipKvmLaunch) {
      const cpuProbe = await probeHostCpuWithQemu(qemuBin, timeoutMs);
      kvm.hostPassthrough = cpuProbe.hostPassthrough;
      kvm.hostCpuFlagsOff = cpuProbe.flagsOff;
      if (cpuProbe.flagsOff.length)
        kvm.detail += `; -cpu host starts only with ${cpuProbe.flagsOff.map((f) => `${f}=off`).join(',')} (${cpuProbe.error})`;
      if (cpuProbe.hostPassthrough === 'unusable') {
        if (cpuProbe.namedOk) kvm.detail += `; -cpu host fails (${cpuProbe.error}), named CPU models work`;
        else {
          kvm.usable = false;
          kvm.detail += `; but no vCPU could be created (${cpuProbe.error})`;
        }
      }
      if (kvm.usable) {
        const base = cpuProbe.hostPassthrough === 'ok' ? ['host', ...cpuProbe.flagsOff.map((f) => `${f}=off`)].join(',') : 'qemu64';
        // Opening a VM is not running one: nested KVM without vmx/svm can create the VM and then
        // hang at the first protected-mode instruction. Run a tiny guest before calling KVM usable.
        const guestCode = await checkGuestCodeRuns({ qemu: qemuBin, accel: 'kvm', cpu: base, timeoutMs: Math.min(timeoutMs, 3000) });
        if (!guestCode.runs) {
          kvm.usable = false;
          kvm.detail += `; but guest code does not run under KVM (${guestCode.detail}): use TCG`;
        } else {
          kvm.hyperv = await probeHypervWithQemu(qemuBin, base, timeoutMs);
        }
      }
    }
  }
  if (!kvm.detail) {
    if (!kvmDevice) kvm.detail = '/dev/kvm does not exist (kvm module not loaded, or no hardware virtualization)';
    else if (opts.skipKvmLaunch || !qemuBin) {
      kvm.usable = virtFlag !== null;
      kvm.detail = virtFlag
        ? `/dev/kvm exists and the CPU has ${virtFlag} (not launch-tested)`
        : '/dev/kvm exists but the CPU shows neither vmx nor svm (not launch-tested)';
    }
  }
  if (kvm.usable && !virtFlag) kvm.detail += '; /proc/cpuinfo shows neither vmx nor svm (nested virtualization hides the flag)';

  const swtpmBin = opts.swtpmBinary === null ? null : which(opts.swtpmBinary ?? 'swtpm', root, opts.searchPath ?? DEFAULT_SEARCH_PATH);
  const profile: HostProfile = {
    schema: HOST_SCHEMA,
    name: opts.name ?? (readText(join(root, 'proc/sys/kernel/hostname'))?.trim() || 'localhost'),
    probedAt: (opts.now ?? new Date()).toISOString(),
    arch,
    kernel,
    cpu,
    memoryMiB,
    kvm,
    virtualized: { hypervisorFlag: cpu.flags.includes('hypervisor'), hypervisorType, dmiVendor },
    iommu: readIommu(root),
    pci: readPciDevices(root),
    qemu,
    firmware: readFirmwareDescriptors(root),
    swtpm: swtpmBin ? { binary: swtpmBin } : null,
  };
  const parsed = parseHostProfile(profile, 'probe');
  return { ...parsed, features: hostFeatureReport(parsed) };
}

/** Short human summary for `virtcompat probe` without --json. */
export function describeHost(h: HostProfile): string {
  const lines: string[] = [];
  const flag = (f: string) => (h.cpu.flags.includes(f) ? f : `no ${f}`);
  lines.push(`host         ${h.name} (${h.arch}, kernel ${h.kernel ?? 'unknown'})`);
  lines.push(`cpu          ${h.cpu.model} [${h.cpu.vendor}], ${h.cpu.count} CPUs, ${h.memoryMiB} MiB`);
  const virt = ['vmx', 'svm'].filter((f) => h.cpu.flags.includes(f));
  lines.push(
    `hw virt      ${virt.length ? virt.join(', ') : 'neither vmx nor svm'}; ${['ept', 'npt', 'x2apic', 'constant_tsc'].map(flag).join(', ')}`,
  );
  lines.push(`kvm          ${h.kvm.usable ? 'usable' : 'not usable'}: ${h.kvm.detail}`);
  if (h.kvm.usable)
    lines.push(
      `hyper-v enl. ${h.kvm.hyperv === 'all' ? 'all accepted' : h.kvm.hyperv === 'basic' ? 'only relaxed, vapic, spinlocks, time accepted (VP_INDEX/SynIC refused)' : h.kvm.hyperv}`,
    );
  const g = h.virtualized;
  lines.push(
    `is a guest   ${g.hypervisorFlag || g.hypervisorType ? 'yes' : 'no'}${g.hypervisorFlag ? ' (cpuinfo hypervisor flag)' : ''}${g.hypervisorType ? ` (/sys/hypervisor: ${g.hypervisorType})` : ''}${g.dmiVendor ? `, DMI vendor ${g.dmiVendor}` : ''}`,
  );
  lines.push(`iommu        ${h.iommu.enabled ? `${h.iommu.groups} groups` : 'off (no /sys/kernel/iommu_groups entries)'}`);
  const sriov = h.pci.filter((d) => (d.sriovTotalVfs ?? 0) > 0);
  lines.push(
    `pci          ${h.pci.length} devices${sriov.length ? `; SR-IOV: ${sriov.map((d) => `${d.address} (${d.sriovNumVfs ?? 0}/${d.sriovTotalVfs} VFs)`).join(', ')}` : '; no SR-IOV capable devices'}`,
  );
  lines.push(
    h.qemu
      ? `qemu         ${h.qemu.binary} ${h.qemu.version}: ${h.qemu.devices.length} device models, ${h.qemu.machines.length} machine types`
      : 'qemu         not found',
  );
  lines.push(`firmware     ${h.firmware.length ? h.firmware.map((f) => basename(f.file)).join(', ') : 'no QEMU firmware descriptors'}`);
  lines.push(`swtpm        ${h.swtpm ? h.swtpm.binary : 'not found'}`);
  const f = hostFeatureReport(h);
  lines.push(`features     ${f.present.join(', ') || 'none'} (catalogue keys)`);
  lines.push(`  absent     ${f.absent.join(', ') || 'none'}`);
  if (f.undecided.length) lines.push(`  undecided  ${f.undecided.map((u) => `${u.key} (${u.why})`).join('; ')}`);
  return lines.join('\n');
}
