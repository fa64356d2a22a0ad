// The guest is the judge: compares a launch plan with what the test guest reported seeing.
// Every planned device must be there with the identity the plan promised (PCI vendor:device, so a
// virtio 1.0 promise means a 1af4:104x function, a transitional one 1af4:10xx) and a driver bound;
// nothing unplanned may appear; machine, firmware, TPM, vCPUs, memory and acceleration must match.
// Pure: plan + report in, checks out.
import type { Plan, PlannedDevice } from '../plan.ts';
import { virtioPciGeneration, type GuestReport, type PciDevice } from './report.ts';
import { captures } from '../../util/must.ts';

export interface Check {
  /** What is checked: `machine`, `net0`, `unplanned 0000:00:05.0` ... */
  subject: string;
  expected: string;
  observed: string;
  ok: boolean;
}

export interface Verification {
  ok: boolean;
  checks: Check[];
  /** Planned items the guest cannot show (a serial port is the channel itself, passthrough ...). */
  notChecked: { subject: string; why: string }[];
}

/**
 * PCI ids QEMU 7.2 gives its models, measured by booting the test guest with each (the catalogue
 * id is used for models not listed). The renderer's placement decides transitional vs modern for
 * plain virtio-*-pci models; -transitional/-non-transitional fix it.
 */
export const QEMU_PCI_IDS: Record<string, string> = {
  e1000: '8086:100e',
  e1000e: '8086:10d3',
  rtl8139: '10ec:8139',
  ne2k_pci: '10ec:8029',
  pcnet: '1022:2000',
  vmxnet3: '15ad:07b0',
  pvscsi: '15ad:07c0',
  'ich9-ahci': '8086:2922',
  'piix3-ide': '8086:7010',
  lsi53c895a: '1000:0012',
  nvme: '1b36:0010',
  'qxl-vga': '1b36:0100',
  qxl: '1b36:0100',
  VGA: '1234:1111',
  'cirrus-vga': '1013:00b8',
  'qemu-xhci': '1b36:000d',
  'nec-usb-xhci': '1033:0194',
  'ich9-usb-ehci1': '8086:293a',
  'ich9-usb-uhci1': '8086:2934',
  'ich9-usb-uhci2': '8086:2935',
  'ich9-usb-uhci3': '8086:2936',
  'piix3-usb-uhci': '8086:7020',
  'intel-hda': '8086:2668',
  'ich9-intel-hda': '8086:293e',
  AC97: '8086:2415',
  i6300esb: '8086:25ab',
  'virtio-vga': '1af4:1050',
  'virtio-gpu-pci': '1af4:1050',
  'virtio-tablet-pci': '1af4:1052',
  'virtio-keyboard-pci': '1af4:1052',
  'virtio-mouse-pci': '1af4:1052',
};

/** The Linux 6.1 driver that binds each PCI id (sysfs driver names). */
export const LINUX_PCI_DRIVERS: Record<string, string[]> = {
  '8086:100e': ['e1000'],
  '8086:10d3': ['e1000e'],
  '10ec:8139': ['8139cp', '8139too'],
  '10ec:8029': ['ne2k-pci'],
  '1022:2000': ['pcnet32'],
  '15ad:07b0': ['vmxnet3'],
  '15ad:07c0': ['vmw_pvscsi'],
  '8086:2922': ['ahci'],
  '8086:7010': ['ata_piix'],
  '1000:0012': ['sym53c8xx'],
  '1b36:0010': ['nvme'],
  '1b36:0100': ['qxl'],
  '1234:1111': ['bochs-drm'],
  '1013:00b8': ['cirrus'],
  '1b36:000d': ['xhci_hcd'],
  '1033:0194': ['xhci_hcd'],
  '8086:293a': ['ehci-pci'],
  '8086:2934': ['uhci_hcd'],
  '8086:2935': ['uhci_hcd'],
  '8086:2936': ['uhci_hcd'],
  '8086:7020': ['uhci_hcd'],
  '8086:2668': ['snd_hda_intel'],
  '8086:293e': ['snd_hda_intel'],
  '8086:2415': ['snd_intel8x0'],
  '8086:25ab': ['i6300ESB timer'],
};

/** virtio device type → the Linux driver that binds it. */
const VIRTIO_DRIVERS: Record<string, string> = {
  net: 'virtio_net',
  block: 'virtio_blk',
  console: 'virtio_console',
  rng: 'virtio_rng',
  balloon: 'virtio_balloon',
  scsi: 'virtio_scsi',
  gpu: 'virtio_gpu',
  input: 'virtio_input',
};

/** Functions every machine type has whether planned or not (chipset, and what the renderer adds for placement). */
const BUILTIN_PCI: Record<string, string[]> = {
  q35: ['8086:29c0', '8086:2918', '8086:2922', '8086:2930', '1b36:000c', '1b36:0001', '1b36:000e'],
  pc: ['8086:1237', '8086:7000', '8086:7010', '8086:7113', '1b36:0001'],
};

/** Linux network driver per PCI id (the net interface's driver). */
const LINUX_NET_DRIVERS: Record<string, string[]> = {
  '8086:100e': ['e1000'],
  '8086:10d3': ['e1000e'],
  '10ec:8139': ['8139cp', '8139too'],
  '10ec:8029': ['ne2k-pci'],
  '1022:2000': ['pcnet32'],
  '15ad:07b0': ['vmxnet3'],
};

function virtioTypeOfModel(model: string): string | null {
  const m = /^(?:vhost-user-|vhost-)?virtio-([a-z]+)/.exec(model);
  if (!m) return null;
  const [t] = captures(m, 1);
  return (
    ({ blk: 'block', serial: 'console', vga: 'gpu', tablet: 'input', keyboard: 'input', mouse: 'input' } as Record<string, string>)[t] ?? t
  );
}

/** The PCI id the guest should see for a planned device, and how it is judged. */
export function expectedPciId(d: PlannedDevice): string | null {
  const known = QEMU_PCI_IDS[d.model];
  if (known) return known;
  const m = /^http:\/\/pcisig\.com\/pci\/([0-9a-f]{4})\/([0-9a-f]{4})$/i.exec(d.deviceId ?? '');
  return m ? `${m[1]}:${m[2]}`.toLowerCase() : null;
}

const idOf = (p: PciDevice) => `${p.vendor}:${p.device}`;
const fmtPci = (p: PciDevice | undefined) => (p ? `${idOf(p)} at ${p.address} → ${p.driver ?? 'no driver'}` : 'absent');

export function verifyPlanInGuest(
  plan: Plan,
  report: GuestReport,
  opts: { accel?: 'kvm' | 'tcg'; diskSizes?: Record<string, number> } = {},
): Verification {
  const checks: Check[] = [];
  const notChecked: Verification['notChecked'] = [];
  const check = (subject: string, expected: string, observed: string, ok: boolean) => checks.push({ subject, expected, observed, ok });
  const machine = plan.machine.type;
  const claimed = new Set<string>(); // PCI addresses accounted for by the plan
  const claimedDisks = new Set<string>(); // block devices accounted for

  // ── the machine ─────────────────────────────────────────────────────────────────────────────
  const product = report.dmi.product_name ?? '';
  if (machine === 'q35') check('machine', 'q35 (Q35 + ICH9)', product, /Q35/.test(product));
  else if (machine === 'pc') check('machine', 'pc (i440FX + PIIX)', product, /i440FX/.test(product));
  else notChecked.push({ subject: 'machine', why: `no DMI signature known for ${machine}` });

  const uefi = plan.firmware.type === 'uefi';
  check(
    'firmware',
    uefi ? 'UEFI' : 'BIOS',
    report.firmware.uefi ? `UEFI (${report.dmi.bios_vendor ?? '?'})` : `BIOS (${report.dmi.bios_vendor ?? '?'})`,
    report.firmware.uefi === uefi,
  );
  if (uefi)
    check(
      'secure boot',
      plan.firmware.secureBoot ? 'on' : 'off',
      report.firmware.secureBoot ?? 'unknown',
      report.firmware.secureBoot === (plan.firmware.secureBoot ? 'on' : 'off'),
    );

  check('vcpus', String(plan.cpu.vcpus), String(report.cpus), report.cpus === plan.cpu.vcpus);
  const planKiB = plan.memory.mib * 1024;
  check(
    'memory',
    `${plan.memory.mib} MiB (kernel sees 75-100% of it)`,
    `${Math.round(report.memKiB / 1024)} MiB`,
    report.memKiB <= planKiB && report.memKiB >= planKiB * 0.75,
  );

  const accel = opts.accel ?? (plan.acceleration.mode === 'kvm' ? 'kvm' : 'tcg');
  if (accel === 'kvm') {
    check(
      'acceleration',
      'KVM (kernel: "Hypervisor detected: KVM")',
      report.hypervisor.detected ?? 'no hypervisor detected',
      report.hypervisor.detected === 'KVM',
    );
    if (plan.paravirt.some((p) => p.enabled && p.key === 'kvm-clock'))
      check('clock', 'kvm-clock', report.clocksource.current, report.clocksource.current === 'kvm-clock');
  } else {
    check(
      'acceleration',
      'TCG (no hypervisor signature)',
      report.hypervisor.detected ?? 'no hypervisor detected',
      report.hypervisor.detected === null,
    );
  }

  // ── TPM ─────────────────────────────────────────────────────────────────────────────────────
  if (plan.tpm.present) {
    const driver = plan.tpm.model === 'tpm-crb' ? 'tpm_crb' : plan.tpm.model === 'tpm-tis' ? 'tpm_tis' : null;
    const t = report.tpm[0];
    const major = plan.tpm.version === '2.0' ? 2 : plan.tpm.version === '1.2' ? 1 : null;
    check(
      'tpm',
      `${plan.tpm.model} (${driver ?? '?'}), TPM ${plan.tpm.version}`,
      t ? `${t.driver ?? 'no driver'}, TPM ${t.versionMajor ?? '?'}` : 'absent',
      !!t && report.tpm.length === 1 && (driver === null || t.driver === driver) && (major === null || t.versionMajor === major),
    );
  } else check('tpm', 'none', report.tpm.length ? report.tpm.map((t) => t.driver).join(', ') : 'none', report.tpm.length === 0);

  // ── devices ─────────────────────────────────────────────────────────────────────────────────
  const rendered = (d: PlannedDevice) => plan.graphics.type !== 'none' || !['display', 'input', 'sound'].includes(d.role);
  const pciFree = (id: string) => report.pci.find((p) => idOf(p) === id && !claimed.has(p.address));
  const builtin = BUILTIN_PCI[machine] ?? [];
  const claimPci = (subject: string, id: string, want: string[] | null, allowShared: boolean): PciDevice | undefined => {
    let p = pciFree(id);
    if (!p && allowShared) p = report.pci.find((x) => idOf(x) === id);
    if (p) claimed.add(p.address);
    const drvOk = !!p && !!p.driver && (want === null || want.includes(p.driver));
    check(subject, `PCI ${id}${want ? ` → ${want.join(' or ')}` : ' with a driver'}`, fmtPci(p), drvOk);
    return p;
  };

  for (const d of plan.devices) {
    const subject = `${d.id} (${d.role}, ${d.model})`;
    if (!rendered(d)) {
      notChecked.push({ subject, why: 'the plan has no graphics, so the renderer leaves it out' });
      continue;
    }
    if (d.path === 'passthrough') {
      notChecked.push({ subject, why: 'passthrough devices are host hardware; not booted in tests' });
      continue;
    }
    if (d.role === 'console' && d.bus === 'isa') {
      notChecked.push({ subject, why: 'the serial port is the channel this report came over' });
      continue;
    }
    if (d.bus === 'usb') {
      const m = /^http:\/\/usb\.org\/usb\/([0-9a-f]{4})\/([0-9a-f]{4})$/i.exec(d.deviceId ?? '');
      const [vendor, product] = m ? captures(m, 2) : [];
      const u =
        vendor && product ? report.usb.find((x) => x.vendor === vendor.toLowerCase() && x.product === product.toLowerCase()) : undefined;
      check(
        subject,
        m ? `USB ${vendor}:${product} with a driver` : 'a USB device',
        u ? `${u.vendor}:${u.product} ${u.productName} → ${u.drivers.join(', ') || 'no driver'}` : 'absent',
        !!u && u.drivers.length > 0,
      );
      continue;
    }
    if (d.bus === 'isa' || d.path === 'builtin') {
      notChecked.push({ subject, why: 'not a PCI device' });
      continue;
    }
    const id = expectedPciId(d);
    if (!id) {
      notChecked.push({ subject, why: `no PCI id known for ${d.model}` });
      continue;
    }

    const vtype = d.paravirtInterface.startsWith('VIRTIO') ? virtioTypeOfModel(d.model) : null;
    if (vtype) {
      // virtio: the generation the plan promised, virtio-pci on the function, the type's driver on the device.
      const gen = d.paravirtInterface === 'VIRTIO_1_0' ? 'modern' : 'transitional';
      const v = report.virtio.find((x) => {
        const p = report.pci.find((q) => q.address === x.parent);
        return x.type === vtype && p && !claimed.has(p.address);
      });
      const p = v ? report.pci.find((q) => q.address === v.parent) : undefined;
      if (p) claimed.add(p.address);
      const seenGen = p ? virtioPciGeneration(p.vendor, p.device) : null;
      check(
        subject,
        `virtio ${vtype} (${gen}, PCI ${id}) → virtio-pci + ${VIRTIO_DRIVERS[vtype] ?? 'its driver'}`,
        v && p ? `${idOf(p)} (${seenGen}) at ${p.address} → ${p.driver ?? 'no driver'} + ${v.driver ?? 'no driver'}` : 'absent',
        !!v &&
          !!p &&
          seenGen === gen &&
          idOf(p) === id &&
          p.driver === 'virtio-pci' &&
          v.driver === (VIRTIO_DRIVERS[vtype] ?? v.driver) &&
          v.driver !== null,
      );
      if (d.role === 'nic' && d.nic) checkNic(d, 'virtio_net', p?.address ?? null);
      if (d.role === 'disk') checkDisk(d, 'virtio', null);
      continue;
    }

    if ((d.role === 'disk' || d.role === 'cdrom') && (d.bus === 'ide' || d.bus === 'sata')) {
      // The controller (built in: PIIX3 IDE on pc, ICH9 AHCI on q35) and the disk behind it.
      const want = d.bus === 'ide' ? 'ata_piix' : 'ahci';
      const p = claimPci(`${subject} controller`, id, [want], true);
      checkDisk(d, 'ata', p?.address ?? null, want);
      continue;
    }
    if (d.role === 'disk' && d.bus === 'nvme') {
      const p = claimPci(subject, id, LINUX_PCI_DRIVERS[id] ?? null, false);
      checkDisk(d, 'nvme', p?.address ?? null);
      continue;
    }
    if (d.role === 'disk' && d.bus === 'scsi') {
      checkDisk(d, 'scsi', null);
      continue;
    }

    const p = claimPci(subject, id, LINUX_PCI_DRIVERS[id] ?? null, d.role === 'storage-controller' && builtin.includes(id));
    if (d.role === 'nic' && d.nic) checkNic(d, null, p?.address ?? null);
    if (d.role === 'usb' && d.model === 'ich9-usb-ehci1') {
      for (const c of String(d.options?.companions ?? '')
        .split(',')
        .filter(Boolean)) {
        const cid = QEMU_PCI_IDS[c];
        if (cid) claimPci(`${d.id} companion ${c}`, cid, LINUX_PCI_DRIVERS[cid] ?? null, false);
      }
    }
  }

  function checkNic(d: PlannedDevice, driver: string | null, pciAddress: string | null) {
    const n = report.net.find((x) => x.mac.toLowerCase() === d.nic!.mac.toLowerCase());
    const id = expectedPciId(d);
    const want = driver ? [driver] : (id && LINUX_NET_DRIVERS[id]) || null;
    check(
      `${d.id} interface`,
      `MAC ${d.nic!.mac}${want ? ` driven by ${want.join(' or ')}` : ''}`,
      n ? `${n.name} ${n.mac} → ${n.driver ?? 'no driver'}${n.pci ? ` (${n.pci})` : ''}` : 'no interface with that MAC',
      !!n && !!n.driver && (want === null || want.includes(n.driver)) && (pciAddress === null || n.pci === pciAddress),
    );
  }

  function checkDisk(d: PlannedDevice, bus: string, controller: string | null, controllerDriver?: string) {
    if (d.role === 'cdrom') return;
    const size = opts.diskSizes?.[d.id] ?? d.disk?.sizeBytes ?? null;
    const b = report.block.find(
      (x) =>
        x.bus === bus &&
        (controller === null || x.controller === controller) &&
        (size === null || x.sectors * 512 === size) &&
        !claimedDisks.has(x.name),
    );
    if (b) claimedDisks.add(b.name);
    check(
      `${d.id} disk`,
      `a ${bus} disk${controllerDriver ? ` on ${controllerDriver}` : ''}${size !== null ? ` of ${size} bytes` : ''}`,
      b
        ? `${b.name} on ${b.bus} via ${b.controllerDriver ?? '?'} (${b.sectors * 512} bytes)`
        : `none (${report.block.map((x) => `${x.name}:${x.bus}`).join(', ') || 'no disks'})`,
      !!b && (controllerDriver === undefined || b.controllerDriver === controllerDriver),
    );
  }

  // ── nothing unplanned ───────────────────────────────────────────────────────────────────────
  for (const p of report.pci) {
    if (claimed.has(p.address) || builtin.includes(idOf(p))) continue;
    check(`unplanned ${p.address}`, 'only planned devices', `${idOf(p)} class ${p.class} → ${p.driver ?? 'no driver'}`, false);
  }
  const plannedNics = plan.devices.filter((d) => d.role === 'nic' && d.nic?.backend !== 'none' && d.path !== 'passthrough').length;
  check(
    'network interfaces',
    String(plannedNics),
    `${report.net.length} (${report.net.map((n) => `${n.name}:${n.driver}`).join(', ') || 'none'})`,
    report.net.length === plannedNics,
  );
  const plannedDisks = plan.devices.filter((d) => d.role === 'disk').length;
  const guestDisks = report.block.filter((b) => !b.removable);
  check(
    'disks',
    String(plannedDisks),
    `${guestDisks.length} (${guestDisks.map((b) => `${b.name}:${b.bus}`).join(', ') || 'none'})`,
    guestDisks.length === plannedDisks,
  );

  return { ok: checks.every((c) => c.ok), checks, notChecked };
}

/** Checks as text, failures first. */
export function formatVerification(v: Verification): string {
  const lines = [...v.checks]
    .sort((a, b) => Number(a.ok) - Number(b.ok))
    .map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.subject}: expected ${c.expected}; guest: ${c.observed}`);
  for (const n of v.notChecked) lines.push(`--   ${n.subject}: not checked (${n.why})`);
  return lines.join('\n');
}
