// planMove(inspected VM, target, facts, host) → a move plan or a MoveError. PURE, like decide(): the
// target is planned by the same planner `virtcompat plan` uses, from a spec that keeps what the VM is
// (disks in order, MACs, firmware, vCPUs, memory, TPM); what changes is read off the two sides and turned
// into the pre-flight report, each item with its evidence.
import type { FactsProvenance, PlanningFacts } from '../facts.ts';
import type { HostProfile } from '../host.ts';
import type { InspectedDisk, InspectedVm } from '../inspect/types.ts';
import { decide, guestArchOn } from '../decide/index.ts';
import { chooseDriverBuild, type DriverChoice, packageFor } from '../decide/drivers.ts';
import type { Plan, PlannedDevice } from '../plan.ts';
import { parseSpec, type HypervisorKey, type VmSpec, type VmSpecInput } from '../spec.ts';
import { AGENTS, DRIVERS, inspectedDiskKey, inspectedNicKey, plannedDriverKey } from './drivers.ts';
import { knownIssueItems } from './known-issues.ts';
import { type DeviceMapping, type KnownIssue, MOVE_SCHEMA, MoveError, type MovePlan, type PreflightItem } from './types.ts';

/** A device equivalence group as the catalogue's `deviceEquivalenceGroups` query answers it. */
export interface EquivalenceGroup {
  key: string;
  members: { deviceId: string; hypervisorKey: string | null }[];
}

export interface MoveInput {
  vm: InspectedVm;
  to: HypervisorKey;
  /** Facts for the guest on the target hypervisor (the planning query's answer). */
  facts: PlanningFacts;
  provenance: FactsProvenance;
  /** The host the target runs on. */
  host: HostProfile;
  knownIssues?: KnownIssue[];
  groups?: EquivalenceGroup[];
  /** The guest-side steps of the pre-flight are done (the drivers are in the initramfs / boot-start). */
  prepared?: boolean;
  name?: string;
  hypervisorRelease?: string;
  /** Direct kernel boot for the target (the test guest); a moved VM normally boots its own disk. */
  boot?: VmSpec['boot'];
}

// Public sources the rules cite (each rule has a test in test/move-plan.test.ts).
export const SOURCES = {
  virtV2v: 'https://libguestfs.org/virt-v2v.1.html',
  dracut: 'https://man7.org/linux/man-pages/man5/dracut.conf.5.html',
  initramfsTools: 'https://manpages.debian.org/bookworm/initramfs-tools-core/initramfs-tools.7.en.html',
  stop7b:
    'https://learn.microsoft.com/en-us/troubleshoot/windows-client/performance/stop-error-7b-or-inaccessible-boot-device-troubleshooting',
  virtioWin: 'https://github.com/virtio-win/kvm-guest-drivers-windows',
  proxmoxWindows: 'https://pve.proxmox.com/wiki/Migrate_to_Proxmox_VE',
  vmwareStaticMac:
    'https://docs.vmware.com/en/VMware-vSphere/7.0/com.vmware.vsphere.networking.doc/GUID-ADFECCE5-19E7-4A81-B706-171E279ACBCD.html',
  bitlocker: 'https://learn.microsoft.com/en-us/windows/security/operating-system-security/data-protection/bitlocker/recovery-overview',
  activation:
    'https://support.microsoft.com/en-us/windows/reactivating-windows-after-a-hardware-change-2c0e962a-f04c-145b-6ead-fb3fc72b6665',
  hypervLinuxSecureBoot:
    'https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/best-practices-for-running-linux-on-hyper-v',
  qemuImg: 'https://www.qemu.org/docs/master/tools/qemu-img.html',
} as const;

/** Which hypervisor a native configuration comes from. */
export function sourceHypervisor(vm: InspectedVm): HypervisorKey {
  switch (vm.sourceFormat) {
    case 'vmx':
    case 'ovf':
      return 'vmware';
    case 'xl':
      return 'xen';
    case 'libvirt': {
      const t = (vm.platform?.domainType ?? vm.platform?.type ?? '').toLowerCase();
      return t === 'xen' ? 'xen' : t === 'hyperv' ? 'hyperv' : 'kvm';
    }
  }
}

/** Disk image formats each target runs natively; others are converted first (qemu-img). */
const NATIVE_FORMATS: Partial<Record<HypervisorKey, { accept: string[]; to: 'qcow2' | 'raw' }>> = {
  kvm: { accept: ['qcow2', 'raw'], to: 'qcow2' },
  xen: { accept: ['qcow2', 'raw'], to: 'raw' },
  'cloud-hypervisor': { accept: ['qcow2', 'raw'], to: 'raw' },
  firecracker: { accept: ['raw'], to: 'raw' },
  // vmware (vmdk) and hyperv (vhdx): their planners convert (decide/attach.ts convertDisk)
};

type DiskFormat = 'raw' | 'qcow2' | 'vmdk' | 'vhdx';
function formatOf(d: InspectedDisk): DiskFormat {
  const f = (d.format ?? d.path?.split('.').pop() ?? '').toLowerCase();
  return f === 'qcow2' || f === 'vmdk' || f === 'vhdx' ? f : f === 'vhd' ? 'vhdx' : 'raw';
}

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

function describeDisk(d: InspectedDisk): string {
  return `${d.bus}${d.controllerModel ? ` (${d.controllerModel})` : ''}${d.address ? ` ${d.address}` : ''}`;
}

/** The VM's disks in the order the target gets them: by the file's boot order, then as the file lists them. */
export function orderedDisks(vm: InspectedVm): { disk: InspectedDisk; index: number }[] {
  return vm.disks
    .map((disk, index) => ({ disk, index }))
    .filter(({ disk }) => disk.device !== 'floppy' && !(disk.device === 'cdrom' && !disk.path))
    .sort((a, b) => (a.disk.bootOrder ?? Number.MAX_SAFE_INTEGER) - (b.disk.bootOrder ?? Number.MAX_SAFE_INTEGER) || a.index - b.index);
}

/** The spec that keeps what the VM is. `firstBoot` pins the disks' buses and NIC models to the source's. */
export function moveSpec(
  input: MoveInput,
  opts: { firstBoot?: { windowsIde: boolean } } = {},
): { spec: VmSpec; converted: PreflightItem[] } {
  const { vm, to } = input;
  const from = sourceHypervisor(vm);
  const converted: PreflightItem[] = [];
  const native = NATIVE_FORMATS[to];
  const disks: NonNullable<VmSpecInput['disks']> = [];
  for (const [i, { disk }] of orderedDisks(vm).entries()) {
    if (!disk.path)
      throw new MoveError('SOURCE_UNUSABLE', `disk ${i}: an image`, `disk ${i} (${describeDisk(disk)}) names no image file to move`);
    let path = disk.path;
    let format = formatOf(disk);
    if (native && disk.device === 'disk' && !native.accept.includes(format)) {
      const out = /\.[A-Za-z0-9]+$/.test(path)
        ? path.replace(/\.[^.]+$/, `.${native.to === 'raw' ? 'img' : native.to}`)
        : `${path}.${native.to}`;
      const argv = ['qemu-img', 'convert', '-f', format, '-O', native.to, path, out];
      converted.push(conversionItem(`disk${i}`, path, format, out, native.to, argv, to));
      path = out;
      format = native.to;
    }
    const wish = opts.firstBoot ? firstBootBus(disk, from, to, opts.firstBoot.windowsIde && i === 0) : 'auto';
    disks.push({
      path,
      format,
      device: disk.device === 'cdrom' ? 'cdrom' : 'disk',
      bus: wish,
      ...(opts.firstBoot && wish !== 'auto' ? { prefer: 'emulated' as const } : {}),
    });
  }
  const nics: NonNullable<VmSpecInput['nics']> = vm.nics.map((n) => {
    const mac = n.mac?.toLowerCase();
    const srcKey = inspectedNicKey(n.model, from);
    const keep =
      opts.firstBoot && srcKey && input.facts.hypervisor.releases.some((r) => r.devices.some((d) => d.supported && d.model === srcKey));
    return {
      backend: 'user' as const,
      ...(mac && MAC_RE.test(mac) ? { mac } : {}),
      ...(keep ? { model: srcKey } : {}),
    };
  });
  const firmware = vm.firmware === 'uefi' ? (vm.secureBoot ? 'uefi-secure-boot' : 'uefi') : 'bios';
  const spec = parseSpec(
    {
      name: (input.name ?? vm.name ?? 'moved-vm').replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '') || 'moved-vm',
      guest: input.facts.guest.id,
      hypervisor: to,
      ...(input.hypervisorRelease ? { hypervisorRelease: input.hypervisorRelease } : {}),
      vcpus: vm.cpus,
      memory: `${vm.memoryMiB}MiB`,
      firmware,
      tpm: vm.tpm ? 'required' : 'none',
      disks,
      nics,
      ...(input.boot ? { boot: input.boot } : {}),
      // the target's add-on drivers (virtio-win, VMware Tools, Xen PV) are installed when the preparation is
      // done, or when the VM already runs on devices of the same package (VMware Tools' pvscsi → vmxnet3)
      drivers: { addon: input.prepared === true || addonInstalled(vm, to) },
      ...(opts.firstBoot?.windowsIde && to === 'kvm' ? { machine: 'pc' } : {}),
      // the VM runs today with what it has: below the catalogue's minimum is a warning, not a refusal
      constraints: { allowBelowMinimum: true },
    },
    'move spec',
  );
  return { spec, converted };
}

const PACKAGE_OF: Partial<Record<HypervisorKey, string>> = {
  kvm: 'virtio-win',
  'cloud-hypervisor': 'virtio-win',
  vmware: 'VMware Tools',
  xen: 'Xen PV drivers',
};

/** The VM drives a device today whose Windows driver comes in the target's add-on package. */
export function addonInstalled(vm: InspectedVm, to: HypervisorKey): boolean {
  const from = sourceHypervisor(vm);
  const pkg = PACKAGE_OF[to];
  if (!pkg) return false;
  const keys = [
    ...vm.disks.map((d) => inspectedDiskKey(d.bus, d.controllerModel, from)),
    ...vm.nics.map((n) => inspectedNicKey(n.model, from)),
  ];
  return keys.some((k) => k && DRIVERS[k]?.windowsPackage?.startsWith(pkg));
}

/** The bus a first boot keeps: the source's own, or IDE for Windows (its IDE drivers start at boot). */
function firstBootBus(
  d: InspectedDisk,
  from: HypervisorKey,
  to: HypervisorKey,
  windowsIde: boolean,
): NonNullable<VmSpec['disks']>[number]['bus'] {
  if (windowsIde) return 'ide';
  void from;
  void to;
  switch (d.bus) {
    case 'sata':
    case 'ide':
    case 'nvme':
    case 'scsi':
    case 'virtio':
    case 'xen':
      return d.bus;
    default:
      return 'auto';
  }
}

function conversionItem(
  id: string,
  from: string,
  fromFormat: string,
  to: string,
  toFormat: string,
  argv: string[],
  target: HypervisorKey,
): PreflightItem {
  return {
    id: `conversion:${id}`,
    kind: 'conversion',
    severity: 'info',
    title: `convert ${from} (${fromFormat}) to ${toFormat} for ${target}`,
    trigger: `${target} runs ${toFormat} images; the VM's disk is ${fromFormat}`,
    when: 'on-host',
    argv,
    commands: [argv.join(' '), `# back: qemu-img convert -f ${toFormat} -O ${fromFormat} ${to} ${from}`],
    evidence: [{ rule: 'move.disk-conversion', source: SOURCES.qemuImg }],
  };
}

const keyOfDeviceId = (id: string): string | null => plannedDriverKey({ deviceId: id } as PlannedDevice, []);

function groupOf(groups: EquivalenceGroup[], a: string | null, b: string | null): string | null {
  if (!a || !b) return null;
  const g = groups.find((x) => {
    const keys = x.members.map((m) => keyOfDeviceId(m.deviceId));
    return keys.includes(a) && keys.includes(b);
  });
  return g?.key ?? null;
}

/** Source devices next to the planned ones, in order. */
export function mapDevices(vm: InspectedVm, plan: Plan, groups: EquivalenceGroup[]): DeviceMapping[] {
  const from = sourceHypervisor(vm);
  const out: DeviceMapping[] = [];
  const disks = plan.devices.filter((d) => d.role === 'disk' || d.role === 'cdrom');
  for (const [i, { disk }] of orderedDisks(vm).entries()) {
    const t = disks[i];
    if (!t) continue;
    const sk = inspectedDiskKey(disk.bus, disk.controllerModel, from);
    const tk = plannedDriverKey(t, plan.devices);
    out.push({
      role: disk.device === 'cdrom' ? 'cdrom' : 'disk',
      source: { index: i, key: sk, describe: describeDisk(disk), path: disk.path },
      target: { id: t.id, key: tk, model: t.model, bus: t.bus, deviceId: t.deviceId },
      group: sk === tk ? null : groupOf(groups, sk, tk),
      changed: sk !== tk,
    });
  }
  const nics = plan.devices.filter((d) => d.role === 'nic');
  for (const [i, n] of vm.nics.entries()) {
    const t = nics[i];
    if (!t) continue;
    const sk = inspectedNicKey(n.model, from);
    const tk = plannedDriverKey(t, plan.devices);
    out.push({
      role: 'nic',
      source: { index: i, key: sk, describe: n.model ?? '(model not named)', mac: n.mac },
      target: { id: t.id, key: tk, model: t.model, bus: t.bus, deviceId: t.deviceId, ...(t.nic ? { mac: t.nic.mac } : {}) },
      group: sk === tk ? null : groupOf(groups, sk, tk),
      changed: sk !== tk,
    });
  }
  return out;
}

/**
 * The build of the add-on package a Windows guest installs for a target device (decide/drivers.ts: the newest
 * that supports the release on its architecture), when the catalogue lists the package for the target.
 */
function targetBuild(input: MoveInput, plan: Plan, targetId: string, label: string): DriverChoice | null {
  const dev = plan.devices.find((d) => d.id === targetId);
  const pkg = dev ? packageFor(input.facts.hypervisor.driverPackages, dev.paravirtInterface, null) : null;
  if (!pkg) return null;
  const arch = guestArchOn(input.facts.guest.architectures, plan.arch) ?? plan.arch;
  return chooseDriverBuild(input.facts.guest, label, pkg, arch);
}
const buildWords = (c: DriverChoice | null) =>
  !c ? '' : c.build ? `; ${c.package} ${c.build.version}, the newest build that supports it on ${c.arch}` : `; ${c.because.reason}`;
const buildEvidence = (c: DriverChoice | null) =>
  c?.build ? [{ record: c.build.id, rule: c.because.rule, ...(c.build.sourceRef ? { source: c.build.sourceRef } : {}) }] : [];

const isWindowsFamily = (f: string | null) => ['winnt', 'win9x', 'win16'].includes(f ?? '');

/** The pre-flight for a planned target: steps, risks, conversions (without the two-step decision). */
export function preflightFor(input: MoveInput, plan: Plan, mapping: DeviceMapping[], converted: PreflightItem[]): PreflightItem[] {
  const { vm, to, facts } = input;
  const from = sourceHypervisor(vm);
  const guest = facts.guest;
  const label = guest.shortIds[0] ?? guest.name;
  const windows = isWindowsFamily(guest.family);
  const items: PreflightItem[] = [];
  const seen = new Set<string>();
  const add = (it: PreflightItem) => {
    if (seen.has(it.id)) return;
    seen.add(it.id);
    items.push(it);
  };
  const bootDisk = mapping.find((m) => m.role === 'disk');

  for (const m of mapping) {
    if (!m.changed || m.role === 'cdrom') continue;
    const drv = m.target.key ? DRIVERS[m.target.key] : undefined;
    const boot = m === bootDisk;
    const via = `${m.source.describe} → ${m.target.model}${m.group ? ` (equivalence group ${m.group})` : ''}`;
    const records = [guest.id, ...(m.target.deviceId ? [m.target.deviceId] : []), plan.hypervisor.releaseId];
    const support = facts.guest.devices.find((g) => g.device.id === m.target.deviceId);
    if (m.role === 'disk') {
      if (!drv) continue;
      // Windows starts its IDE drivers at boot whatever it was installed on: nothing to prepare
      if (windows && drivesAtFirstBoot(m, true)) continue;
      if (windows) {
        const build = drv.windowsPackage ? targetBuild(input, plan, m.target.id, label) : null;
        add({
          id: `step:boot-start:${drv.key}`,
          kind: 'step',
          severity: boot ? 'blocker' : 'warning',
          title: `install the ${drv.windows ?? drv.key} storage driver${drv.windowsPackage ? ` (${drv.windowsPackage}${buildWords(build)})` : ' (in the box)'} in ${label} and make it boot-start before the move`,
          trigger: `${m.target.id} moves ${via}${boot ? '; it holds the boot disk' : ''}`,
          when: 'before-move',
          bootCritical: boot,
          commands: [
            ...(drv.windowsPackage
              ? [`pnputil /add-driver <${drv.windowsPackage.split(' ')[0]}>\\${drv.windows}\\<os>\\amd64\\${drv.windows}.inf /install`]
              : []),
            `reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\${drv.windows} /v Start /t REG_DWORD /d 0 /f`,
          ],
          evidence: [
            { record: records[1], rule: 'move.windows-boot-start', source: SOURCES.stop7b },
            ...(drv.windowsPackage === null
              ? []
              : [{ rule: 'move.windows-boot-start', source: drv.key.startsWith('virtio') ? SOURCES.virtioWin : SOURCES.virtV2v }]),
            ...buildEvidence(build),
          ],
        });
        if (boot)
          add({
            id: 'risk:0x7b',
            kind: 'risk',
            severity: 'blocker',
            title: 'STOP 0x7B INACCESSIBLE_BOOT_DEVICE at the first boot on the target',
            trigger: `the boot disk's controller changes (${via}) and ${drv.windows ?? drv.key} is not a boot-start driver in ${label} until the step above is done`,
            when: 'before-move',
            workaround: 'do the boot-start step, or boot first on IDE (two-step) and install the driver there',
            evidence: [{ record: guest.id, rule: 'move.windows-boot-start', source: SOURCES.stop7b }],
          });
      } else {
        add({
          id: `step:initramfs:${drv.key}`,
          kind: 'step',
          severity: boot ? 'blocker' : 'warning',
          title: `add ${drv.linux.join(', ')} to ${label}'s initramfs before the move`,
          trigger: `${m.target.id} moves ${via}${boot ? '; it holds the root disk' : ''}; ${support ? `${label} drives it (${support.driverSource.toLowerCase()} driver)` : 'the catalogue has no record that the guest drives it'}, but an initramfs built on ${from} carries only the drivers that host needed`,
          when: 'before-move',
          bootCritical: boot,
          commands: [
            `# dracut (RHEL, Fedora, SUSE): dracut --force --add-drivers "${drv.linux.join(' ')}"`,
            `# initramfs-tools (Debian, Ubuntu): printf '%s\\n' ${drv.linux.join(' ')} >> /etc/initramfs-tools/modules && update-initramfs -u`,
          ],
          evidence: [
            { record: records[1], rule: 'move.linux-initramfs', source: SOURCES.virtV2v },
            { rule: 'move.linux-initramfs', source: SOURCES.dracut },
            { rule: 'move.linux-initramfs', source: SOURCES.initramfsTools },
          ],
        });
      }
    } else if (m.role === 'nic') {
      const build = drv && windows && drv.windowsPackage ? targetBuild(input, plan, m.target.id, label) : null;
      if (drv && (windows ? drv.windowsPackage : true))
        add({
          id: `step:nic-driver:${drv.key}`,
          kind: 'step',
          severity: 'warning',
          title: windows
            ? `install the ${drv.windows} network driver (${drv.windowsPackage}${buildWords(build)}) in ${label} before the move`
            : `make sure ${label} has ${drv.linux.join(', ')} (modinfo ${drv.linux.at(-1)})`,
          trigger: `${m.target.id} moves ${via}`,
          when: 'before-move',
          evidence: [
            { record: records[1], rule: 'move.nic-driver', source: windows ? SOURCES.virtioWin : SOURCES.virtV2v },
            ...buildEvidence(build),
          ],
        });
      // Linux: the rename is the curated known issue linux-nic-rename (seed/curated/known-issues.yaml)
      if (windows)
        add({
          id: `risk:nic-name:${m.target.id}`,
          kind: 'risk',
          severity: 'warning',
          title: 'the NIC appears as a new adapter: a static IP address stays on the old, hidden one',
          trigger: `${m.target.id} moves ${via}`,
          when: 'before-move',
          workaround: 'note the static configuration before the move and set it on the new adapter',
          evidence: [{ rule: 'move.nic-rename' }],
        });
    }
  }

  // MAC addresses
  for (const [i, n] of vm.nics.entries()) {
    const t = plan.devices.filter((d) => d.role === 'nic')[i];
    if (!t?.nic) continue;
    const mac = n.mac?.toLowerCase() ?? null;
    if (!mac || mac !== t.nic.mac)
      add({
        id: `risk:mac:${t.id}`,
        kind: 'risk',
        severity: 'warning',
        title: `${t.id} gets a new MAC address ${t.nic.mac}`,
        trigger: mac ? `the source MAC ${mac} cannot be kept` : 'the source file names no MAC address (generated at power-on)',
        when: 'before-move',
        workaround: 'update DHCP reservations, firewall rules and MAC-bound licences',
        evidence: [{ rule: 'move.keep-mac' }],
      });
    else if (to === 'vmware' && !/^00:50:56:[0-3][0-9a-f]:/.test(mac))
      add({
        id: `risk:mac:${t.id}`,
        kind: 'risk',
        severity: 'warning',
        title: `${t.id} keeps ${mac}, outside VMware's manual range 00:50:56:00:00:00–00:50:56:3F:FF:FF`,
        trigger: `a static MAC on VMware must use VMware's OUI 00:50:56 with the fourth byte at most 3F`,
        when: 'before-move',
        workaround: 'pick an address in 00:50:56:00:00:00–3F:FF:FF (update DHCP reservations), or let vCenter generate one',
        evidence: [{ rule: 'move.vmware-mac-range', source: SOURCES.vmwareStaticMac }],
      });
  }

  // firmware
  const srcFw = vm.firmware;
  const tgtFw = plan.firmware.type;
  const bootsKernel = tgtFw === 'direct-kernel' && !input.boot;
  if ((tgtFw === 'bios' || tgtFw === 'uefi') && tgtFw !== srcFw)
    add({
      id: 'risk:firmware',
      kind: 'risk',
      severity: 'blocker',
      title: `the firmware changes from ${srcFw.toUpperCase()} to ${tgtFw.toUpperCase()}: the disk's boot loader (${srcFw === 'bios' ? 'MBR' : 'EFI system partition'}) does not boot there`,
      trigger: `${plan.hypervisor.key} ${plan.backend.key}: ${plan.firmware.because.reason}`,
      when: 'before-move',
      workaround:
        srcFw === 'bios' ? 'convert the disk to GPT with an EFI system partition (mbr2gpt on Windows) first' : 'keep UEFI on the target',
      evidence: [{ record: plan.firmware.because.records[0], rule: 'move.keep-firmware' }],
    });
  if (bootsKernel)
    add({
      id: 'step:kernel',
      kind: 'step',
      severity: 'blocker',
      title: `${plan.hypervisor.key} (${plan.backend.key}) boots a kernel, not the disk's boot loader: copy the guest's kernel and initramfs out of the disk`,
      trigger: plan.firmware.because.reason,
      when: 'on-host',
      bootCritical: true,
      commands: ['virt-copy-out -a <disk> /boot/vmlinuz-<version> /boot/initrd.img-<version> .'],
      evidence: [{ rule: 'move.direct-kernel', source: 'https://libguestfs.org/virt-copy-out.1.html' }],
    });
  if (vm.secureBoot && plan.firmware.secureBoot)
    add({
      id: 'risk:secure-boot',
      kind: 'risk',
      severity: 'warning',
      title: `Secure Boot keys differ on ${plan.hypervisor.key}${plan.firmware.template ? ` (template ${plan.firmware.template})` : ''}: the boot chain must be signed by a key the target's firmware trusts`,
      trigger: 'the VM boots with Secure Boot on',
      when: 'before-move',
      workaround: windows
        ? 'Windows boot loaders are signed by Microsoft Windows PCA: keep the Microsoft key set'
        : 'Linux shims are signed by the Microsoft UEFI CA: on Hyper-V use the MicrosoftUEFICertificateAuthority template',
      evidence: [{ record: plan.firmware.because.records[0], rule: 'move.secure-boot', source: SOURCES.hypervLinuxSecureBoot }],
    });
  else if (vm.secureBoot && !plan.firmware.secureBoot)
    add({
      id: 'risk:secure-boot',
      kind: 'risk',
      severity: 'warning',
      title: `Secure Boot is off on the target: ${plan.firmware.because.reason}`,
      trigger: 'the VM boots with Secure Boot on',
      when: 'before-move',
      evidence: [{ rule: 'move.secure-boot' }],
    });

  // Windows: BitLocker on a TPM change, activation
  if (windows) {
    if (vm.tpm)
      add({
        id: 'risk:bitlocker',
        kind: 'risk',
        severity: 'blocker',
        title: 'BitLocker asks for the recovery key: the virtual TPM (and what it sealed) does not move',
        trigger: `the VM has a TPM; ${plan.tpm.present ? `the target's ${plan.tpm.model ?? 'TPM'} is a new one` : 'the target has none'}`,
        when: 'before-move',
        commands: ['manage-bde -protectors -get C:', 'Suspend-BitLocker -MountPoint "C:" -RebootCount 0'],
        workaround: 'save the recovery password, suspend BitLocker before the move, resume it after the first boot on the target',
        evidence: [{ rule: 'move.bitlocker-tpm', source: SOURCES.bitlocker }],
      });
    add({
      id: 'risk:activation',
      kind: 'risk',
      severity: 'info',
      title: 'Windows may ask to be activated again after the hardware change',
      trigger: `the VM moves from ${from} to ${to} (new firmware, chipset and device ids)`,
      when: 'after-first-boot',
      evidence: [{ rule: 'move.windows-activation', source: SOURCES.activation }],
    });
  }

  // agents
  if (from !== to) {
    const a = AGENTS[from];
    const b = AGENTS[to];
    add({
      id: `step:remove-agent:${from}`,
      kind: 'step',
      severity: windows && from === 'vmware' ? 'warning' : 'info',
      title: `remove ${windows ? a.windows : a.linux} before the move`,
      trigger: `the VM leaves ${from}`,
      when: 'before-move',
      ...(windows && from === 'vmware' ? { workaround: 'VMware Tools uninstalls cleanly only while the VM still runs on VMware' } : {}),
      evidence: [{ rule: 'move.agents', source: SOURCES.virtV2v }],
    });
    if (!b.linux.startsWith('none'))
      add({
        id: `step:install-agent:${to}`,
        kind: 'step',
        severity: 'info',
        title: `install ${windows ? b.windows : b.linux} after the first boot on ${to}`,
        trigger: `the VM arrives on ${to}`,
        when: 'after-first-boot',
        evidence: [{ rule: 'move.agents', source: SOURCES.virtV2v }],
      });
  }

  // conversions: the move's own (KVM/Xen/...) and the planner's (VMware vmdk, Hyper-V vhdx)
  for (const c of converted) add(c);
  for (const d of plan.devices) {
    const c = d.disk?.convertFrom;
    if (!c || !d.disk) continue;
    add(conversionItem(d.id, c.path, c.format, d.disk.source, d.disk.format, c.argv, to));
  }

  const conditions = new Set<NonNullable<KnownIssue['condition']>>();
  if (vm.tpm) conditions.add('tpm');
  if (vm.secureBoot) conditions.add('secure-boot');
  if (seen.has('risk:firmware')) conditions.add('firmware-change');
  if (mapping.some((m) => m.changed && m.role === 'nic')) conditions.add('nic-change');
  if (mapping.some((m) => m.changed && m.role === 'disk')) conditions.add('disk-change');
  for (const it of knownIssueItems(input.knownIssues ?? [], { from, to, guest, mapping, conditions })) add(it);
  return items;
}

/** Does the guest drive this planned boot disk at first boot, as it is now (before any preparation)? */
function drivesAtFirstBoot(m: DeviceMapping | undefined, windows: boolean): boolean {
  if (!m) return true;
  if (!m.changed) return true;
  // Windows starts its IDE drivers at boot whatever the controller it was installed on (the classic first
  // boot on IDE before virtio: Proxmox's migration guide; virt-v2v does the same through the registry)
  return windows && m.target.key === 'ide';
}

export function planMove(input: MoveInput): MovePlan {
  const { vm, to, facts } = input;
  const from = sourceHypervisor(vm);
  const guest = facts.guest;
  const windows = isWindowsFamily(guest.family);
  const groups = input.groups ?? [];
  if (vm.disks.filter((d) => d.device === 'disk').length === 0)
    throw new MoveError('SOURCE_UNUSABLE', 'a disk', `${vm.name ?? 'the VM'} has no disk to move`);

  const { spec, converted } = moveSpec(input);
  const result = decide({ facts, provenance: input.provenance, host: input.host, spec });
  if (!result.ok && !input.prepared) {
    // out of reach as the guest is now, within reach once prepared (an add-on driver): say what to prepare
    let prepared: MovePlan | null = null;
    try {
      prepared = planMove({ ...input, prepared: true });
    } catch {
      // not even then: the target's own refusal below
    }
    if (prepared) {
      const steps = prepared.preflight.filter((p) => p.kind === 'step' && p.when === 'before-move' && p.severity !== 'info');
      throw new MoveError(
        'PREPARATION_REQUIRED',
        steps.map((s) => s.id).join(', '),
        `${guest.shortIds[0] ?? guest.name} cannot run on ${to} as it is (${result.error.message}); prepared, it can: ${steps.map((s) => s.title).join('; ')}. Do the steps inside the guest on ${from}, then move with --prepared`,
        result.error.records,
        prepared.preflight,
      );
    }
  }
  if (!result.ok)
    throw new MoveError(
      'TARGET_CANNOT_HOST',
      result.error.requirement,
      `${to} cannot host ${guest.shortIds[0] ?? guest.name}: ${result.error.message}`,
      result.error.records,
    );
  const plan = result.plan;
  const mapping = mapDevices(vm, plan, groups);
  const preflight = preflightFor(input, plan, mapping, converted);
  const warnings = [...plan.warnings];
  const kept = orderedDisks(vm);
  if (kept.some((d, i) => d.index !== i))
    warnings.push(`disks reordered by the source's boot order: ${kept.map((d) => `#${d.index}`).join(', ')}`);

  let firstBoot: Plan | null = null;
  const blocking = preflight.filter((p) => p.bootCritical && p.kind === 'step');
  if (!input.prepared && blocking.length) {
    const bootDisk = mapping.find((m) => m.role === 'disk');
    // the paravirtual target is out of reach at first boot: look for a first boot on a bus the guest drives now
    for (const windowsIde of windows ? [false, true] : [false]) {
      const alt = moveSpec(input, { firstBoot: { windowsIde } });
      const r = decide({ facts, provenance: input.provenance, host: input.host, spec: alt.spec });
      if (!r.ok) continue;
      const altBoot = mapDevices(vm, r.plan, groups).find((m) => m.role === 'disk');
      if (drivesAtFirstBoot(altBoot, windows) && !preflight.some((p) => p.id === 'step:kernel')) {
        firstBoot = r.plan;
        preflight.push({
          id: 'two-step',
          kind: 'two-step',
          severity: 'warning',
          title: `two steps: boot first with the boot disk on ${altBoot?.target.model ?? '?'} (${altBoot?.target.bus}), which ${guest.shortIds[0] ?? guest.name} drives now; do the steps marked boot-critical inside the guest; power off and boot the target configuration (${bootDisk?.target.model})`,
          trigger: `the boot disk moves to ${bootDisk?.target.model} and the guest's preparation is not declared done: ${blocking.map((b) => b.id).join(', ')}`,
          when: 'after-first-boot',
          evidence: [
            {
              rule: 'move.two-step',
              source: windows ? SOURCES.proxmoxWindows : SOURCES.virtV2v,
              ...(altBoot?.target.deviceId ? { record: altBoot.target.deviceId } : {}),
            },
          ],
        });
        break;
      }
    }
    if (!firstBoot)
      throw new MoveError(
        'PREPARATION_REQUIRED',
        blocking.map((b) => b.id).join(', '),
        `${guest.shortIds[0] ?? guest.name} cannot boot on ${to} until the guest is prepared: ${blocking.map((b) => b.title).join('; ')}; ${to} offers no bus the guest drives now for a first boot. Do the steps inside the guest on ${from}, then move with --prepared`,
        [guest.id, plan.hypervisor.releaseId],
        preflight,
      );
  }

  return {
    schema: MOVE_SCHEMA,
    name: plan.name,
    from: { hypervisor: from, format: vm.sourceFormat },
    to,
    guest: plan.guest,
    prepared: input.prepared === true,
    mapping,
    preflight,
    plan,
    firstBoot,
    warnings,
  };
}
