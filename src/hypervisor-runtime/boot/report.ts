// The test guest's report (scripts/guest/init.sh): JSON lines between VIRTCOMPAT-REPORT-BEGIN and
// VIRTCOMPAT-REPORT-END on the serial console. Pure: text in, typed report out.
import { captures } from '../../util/must.ts';

export const REPORT_BEGIN = 'VIRTCOMPAT-REPORT-BEGIN';
export const REPORT_END = 'VIRTCOMPAT-REPORT-END';
/** Printed by the guest's /init as soon as it runs: the kernel booted. */
export const GUEST_INIT_MARK = 'VIRTCOMPAT-GUEST-INIT';
/** The report format this parser reads (init.sh's REPORT_VERSION). */
export const REPORT_VERSION = 1;

export interface PciDevice {
  address: string; // 0000:00:02.0
  vendor: string; // 4 hex digits, lower case
  device: string;
  class: string; // 6 hex digits: class, subclass, prog-if
  subsystemVendor: string;
  subsystemDevice: string;
  revision: string;
  driver: string | null;
}

export interface VirtioDevice {
  name: string; // virtio0
  deviceId: number; // virtio device type: 1 net, 2 block, 4 rng, 5 balloon...
  type: string; // 'net', 'block', ... from deviceId
  vendor: string;
  driver: string | null;
  /** The transport the device sits on: a PCI address, or a virtio-mmio platform device. */
  parent: string;
}

export type BlockBus = 'virtio' | 'virtio-scsi' | 'ata' | 'nvme' | 'scsi' | 'usb' | 'xen' | 'hyperv' | 'other' | 'none';

export interface BlockDevice {
  name: string;
  bus: BlockBus;
  driver: string | null;
  controller: string | null; // PCI address of the controller
  controllerDriver: string | null;
  sectors: number;
  removable: boolean;
  path: string;
}

export interface NetInterface {
  name: string;
  bus: 'virtio' | 'pci' | 'xen' | 'hyperv' | 'usb' | 'other';
  driver: string | null;
  pci: string | null;
  mac: string;
}

export interface UsbDevice {
  name: string; // 1-1
  vendor: string;
  product: string;
  productName: string;
  /** Drivers bound to its interfaces (usbhid ...). */
  drivers: string[];
}

export interface TpmDevice {
  name: string;
  driver: string | null;
  versionMajor: number | null;
  device: string;
}

export interface ModuleStatus {
  name: string;
  status: 'loaded' | 'present' | 'builtin' | 'failed' | 'skipped' | 'missing';
  error: string | null;
}

export interface GuestReport {
  version: number;
  kernel: string;
  uptimeSeconds: number;
  cpus: number;
  memKiB: number;
  cmdline: string;
  settleWaitedMs: number;
  clocksource: { current: string; available: string[] };
  firmware: { uefi: boolean; platformSize: number | null; secureBoot: 'on' | 'off' | 'unknown' | null };
  dmi: Record<string, string>;
  cpu: { model: string; flags: string[]; hypervisorFlag: boolean; sysHypervisorType: string | null };
  /** What the kernel detected ("KVM", "Xen HVM", "Microsoft Hyper-V", "VMware"), null on bare metal / TCG without a signature. */
  hypervisor: { detected: string | null; paravirtLines: string[] };
  pci: PciDevice[];
  virtio: VirtioDevice[];
  block: BlockDevice[];
  net: NetInterface[];
  usb: UsbDevice[];
  tpm: TpmDevice[];
  modules: ModuleStatus[];
  dmesg: string[];
  /** Lines between the markers that were not valid report lines (kernel messages that interleaved, serial noise). */
  skipped: string[];
}

export class ReportParseError extends Error {
  override name = 'ReportParseError';
  readonly code = 'GUEST_REPORT_INVALID';
}

/** virtio device type ids (virtio spec 1.2, section 5). */
export const VIRTIO_TYPES: Record<number, string> = {
  1: 'net',
  2: 'block',
  3: 'console',
  4: 'rng',
  5: 'balloon',
  8: 'scsi',
  9: '9p',
  16: 'gpu',
  18: 'input',
  19: 'vsock',
  20: 'crypto',
  24: 'mem',
  26: 'fs',
  27: 'pmem',
  35: 'iommu',
};

/**
 * How a virtio PCI function presents itself: 1af4:1000-103f are legacy or transitional devices
 * (legacy interface, plus modern if transitional), 1af4:1040-107f are virtio 1.0 (modern only),
 * where the device id is 0x1040 + the virtio type.
 */
export function virtioPciGeneration(vendor: string, device: string): 'transitional' | 'modern' | null {
  if (vendor.toLowerCase() !== '1af4') return null;
  const id = parseInt(device, 16);
  if (id >= 0x1000 && id <= 0x103f) return 'transitional';
  if (id >= 0x1040 && id <= 0x107f) return 'modern';
  return null;
}

/** Cuts the report out of a serial console capture; null when the END marker has not been seen. */
export function extractReport(serial: string): string | null {
  const text = serial.replace(/\r/g, '');
  const b = text.lastIndexOf(`\n${REPORT_BEGIN}\n`);
  const start = b >= 0 ? b + 1 : text.startsWith(`${REPORT_BEGIN}\n`) ? 0 : -1;
  if (start < 0) return null;
  const end = text.indexOf(`\n${REPORT_END}`, start);
  if (end < 0) return null;
  return text.slice(start + REPORT_BEGIN.length + 1, end + 1);
}

type Line = Record<string, unknown>;

const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const orNull = (v: unknown): string | null => (s(v) === '' ? null : s(v));
const n = (v: unknown): number => {
  const x = typeof v === 'number' ? v : Number(s(v));
  return Number.isFinite(x) ? x : 0;
};

/**
 * Parses a serial capture (or the text between the markers) into a GuestReport.
 * Tolerant of interleaved kernel messages (kept in `skipped`); throws ReportParseError when there
 * is no report, no `guest` line or a report version it does not know.
 */
export function parseGuestReport(serialOrBody: string): GuestReport {
  const body = serialOrBody.includes(REPORT_BEGIN) ? extractReport(serialOrBody) : serialOrBody.replace(/\r/g, '');
  if (body === null) throw new ReportParseError(`no complete guest report (${REPORT_BEGIN} ... ${REPORT_END}) in the serial output`);
  const lines: Line[] = [];
  const skipped: string[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Line).kind === 'string') lines.push(v as Line);
      else skipped.push(line);
    } catch {
      skipped.push(line);
    }
  }
  const of = (kind: string) => lines.filter((l) => l.kind === kind);
  const guest = of('guest')[0];
  if (!guest) throw new ReportParseError('guest report has no "guest" line');
  if (n(guest.version) !== REPORT_VERSION) {
    throw new ReportParseError(
      `guest report version ${s(guest.version)}, this parser reads version ${REPORT_VERSION}; rebuild the test guest`,
    );
  }
  const cs = of('clocksource')[0] ?? {};
  const fw = of('firmware')[0] ?? {};
  const cpu = of('cpu')[0] ?? {};
  const dmi: Record<string, string> = {};
  for (const [k, v] of Object.entries(of('dmi')[0] ?? {})) if (k !== 'kind') dmi[k] = s(v);
  const dmesg = of('dmesg').map((l) => s(l.line));
  const flags = s(cpu.flags).split(/\s+/).filter(Boolean);
  let sb = s(fw.secure_boot);
  if (sb !== 'on' && sb !== 'off') {
    // No efivarfs: the kernel's own line says it.
    const line = dmesg.find((l) => /secureboot: Secure boot (enabled|disabled)/.test(l));
    if (line) sb = /enabled/.test(line) ? 'on' : 'off';
  }

  return {
    version: n(guest.version),
    kernel: s(guest.kernel),
    uptimeSeconds: n(guest.uptime),
    cpus: n(guest.cpus),
    memKiB: n(guest.mem_kib),
    cmdline: s(guest.cmdline),
    settleWaitedMs: n(guest.settle_waited_ms),
    clocksource: { current: s(cs.current), available: s(cs.available).split(/\s+/).filter(Boolean) },
    firmware: {
      uefi: fw.uefi === true,
      platformSize: fw.uefi === true && s(fw.platform_size) !== '' ? n(fw.platform_size) : null,
      secureBoot: fw.uefi === true ? (sb === 'on' || sb === 'off' ? sb : 'unknown') : null,
    },
    dmi,
    cpu: {
      model: s(cpu.model),
      flags,
      hypervisorFlag: flags.includes('hypervisor'),
      sysHypervisorType: orNull(cpu.sys_hypervisor_type),
    },
    hypervisor: hypervisorFromDmesg(dmesg),
    pci: of('pci').map((l) => ({
      address: s(l.address),
      vendor: s(l.vendor).toLowerCase(),
      device: s(l.device).toLowerCase(),
      class: s(l.class).toLowerCase(),
      subsystemVendor: s(l.subsystem_vendor).toLowerCase(),
      subsystemDevice: s(l.subsystem_device).toLowerCase(),
      revision: s(l.revision),
      driver: orNull(l.driver),
    })),
    virtio: of('virtio').map((l) => {
      const id = parseInt(s(l.device_id), 16);
      return {
        name: s(l.name),
        deviceId: Number.isFinite(id) ? id : 0,
        type: VIRTIO_TYPES[id] ?? `type-${id}`,
        vendor: s(l.vendor),
        driver: orNull(l.driver),
        parent: s(l.parent),
      };
    }),
    block: of('block').map((l) => ({
      name: s(l.name),
      bus: s(l.bus) as BlockBus,
      driver: orNull(l.driver),
      controller: orNull(l.controller),
      controllerDriver: orNull(l.controller_driver),
      sectors: n(l.sectors),
      removable: n(l.removable) === 1,
      path: s(l.path),
    })),
    net: of('net').map((l) => ({
      name: s(l.name),
      bus: s(l.bus) as NetInterface['bus'],
      driver: orNull(l.driver),
      pci: orNull(l.pci),
      mac: s(l.mac),
    })),
    usb: of('usb').map((l) => ({
      name: s(l.name),
      vendor: s(l.vendor).toLowerCase(),
      product: s(l.product).toLowerCase(),
      productName: s(l.product_name),
      drivers: s(l.drivers).split(/\s+/).filter(Boolean),
    })),
    tpm: of('tpm').map((l) => ({
      name: s(l.name),
      driver: orNull(l.driver),
      versionMajor: s(l.version_major) === '' ? null : n(l.version_major),
      device: s(l.device),
    })),
    modules: of('module').map((l) => ({
      name: s(l.name),
      status: s(l.status) as ModuleStatus['status'],
      error: orNull(l.error),
    })),
    dmesg,
    skipped,
  };
}

const PARAVIRT_LINE = /hypervisor|kvm|xen|hyper-v|hyperv|vmware|paravirt/i;

/** "[    0.000000] Hypervisor detected: KVM" → "KVM"; paravirt lines are the kernel's own. */
export function hypervisorFromDmesg(dmesg: string[]): GuestReport['hypervisor'] {
  let detected: string | null = null;
  const paravirtLines: string[] = [];
  for (const raw of dmesg) {
    const line = raw.replace(/^\[\s*\d+\.\d+\]\s*/, '');
    const m = /Hypervisor detected: (.+)$/.exec(line);
    if (m && detected === null) detected = captures(m, 1)[0].trim();
    if (PARAVIRT_LINE.test(line) && !/Unknown symbol/.test(line)) paravirtLines.push(line);
  }
  return { detected, paravirtLines };
}

// ───────────────────────────── questions tests and the CLI ask ─────────────────────────────

/** The PCI functions with the given vendor:device id. */
export function pciById(r: GuestReport, vendor: string, device: string): PciDevice[] {
  return r.pci.filter((p) => p.vendor === vendor.toLowerCase() && p.device === device.toLowerCase());
}

/** virtio devices of a type ('net', 'block', ...), each with the PCI function it sits on. */
export function virtioOfType(r: GuestReport, type: string): (VirtioDevice & { pci: PciDevice | null })[] {
  return r.virtio.filter((v) => v.type === type).map((v) => ({ ...v, pci: r.pci.find((p) => p.address === v.parent) ?? null }));
}

/** A module that the guest failed to load for a reason other than "this is not that hypervisor". */
export function unexpectedModuleFailures(r: GuestReport): ModuleStatus[] {
  return r.modules.filter((m) => m.status === 'failed' && !/No such device/i.test(m.error ?? ''));
}

/** A few lines a person reads after a boot. */
export function summarizeReport(r: GuestReport): string {
  const out: string[] = [];
  out.push(
    `guest kernel ${r.kernel}, ${r.cpus} vCPU, ${Math.round(r.memKiB / 1024)} MiB, report at ${r.uptimeSeconds.toFixed(2)} s uptime`,
  );
  out.push(
    `machine: ${r.dmi.product_name ?? '?'}; firmware: ${r.firmware.uefi ? `UEFI (${r.dmi.bios_vendor ?? '?'}, Secure Boot ${r.firmware.secureBoot})` : `BIOS (${r.dmi.bios_vendor ?? '?'})`}`,
  );
  out.push(`hypervisor: ${r.hypervisor.detected ?? 'none detected'}; clocksource: ${r.clocksource.current}`);
  for (const p of r.pci) {
    if (p.class.startsWith('0600') || p.class.startsWith('0601') || p.class.startsWith('0680')) continue; // host/ISA bridges, PM
    const gen = virtioPciGeneration(p.vendor, p.device);
    out.push(`  pci ${p.address} ${p.vendor}:${p.device} class ${p.class}${gen ? ` virtio-${gen}` : ''} → ${p.driver ?? 'no driver'}`);
  }
  for (const b of r.block)
    out.push(`  disk ${b.name}: ${b.bus} via ${b.controllerDriver ?? b.driver ?? '?'}${b.controller ? ` (${b.controller})` : ''}`);
  for (const i of r.net) out.push(`  nic ${i.name}: ${i.driver ?? 'no driver'}${i.pci ? ` (${i.pci})` : ''} ${i.mac}`);
  for (const u of r.usb) out.push(`  usb ${u.vendor}:${u.product} ${u.productName} → ${u.drivers.join(', ') || 'no driver'}`);
  for (const t of r.tpm) out.push(`  tpm ${t.name}: TPM ${t.versionMajor ?? '?'}.x via ${t.driver ?? '?'}`);
  return out.join('\n');
}
