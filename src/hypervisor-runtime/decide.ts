// decide(facts, host, spec) → plan or typed error. PURE: no I/O, no clock, no randomness; the same
// input always gives the same plan. Every choice carries `because` (rule + records + what was passed over).
//
// For KVM on x86_64 the defaults follow virt-install (virtinst 4.1: guest.py `_set_default_machine`,
// `_add_default_*`, devices/*.py `default_model`, domain/clock.py, domain/features.py) read against
// the same osinfo facts; where this planner knowingly decides otherwise the choice carries
// `differsFrom` with virt-install's answer and why.
import type {
  ParavirtInterface,
  FactsProvenance,
  GuestFacts,
  HypervisorReleaseFacts,
  PlanningFacts,
  ReleaseDeviceFact,
} from './facts.ts';
import { compareVersions } from './facts.ts';
import type { FirmwareDescriptorInfo, HostProfile } from './host.ts';
import { vendorMatches } from './host.ts';
import { baselineModel } from './cpu-models.ts';
import { HYPERV_PLANNED, KVM_PV_QEMU_FLAG } from './flags.ts';
import { chooseDevice, deviceKey, guestSupport, macFor, matchesKey, type DeviceContext, type Slot, type Support } from './devices.ts';
import {
  PLAN_SCHEMA,
  PlanError,
  type Acceleration,
  type Because,
  type ClockTimer,
  type DecideResult,
  type FirmwareChoice,
  type ParavirtChoice,
  type Plan,
  type PlannedDevice,
} from './plan.ts';
import { formatBytes, type DiskSpec, type NicSpec, type VmSpec } from './spec.ts';

export interface DecideInput {
  facts: PlanningFacts;
  provenance: FactsProvenance;
  host: HostProfile;
  spec: VmSpec;
  /** Other hosts the VM must live-migrate across (constraints.migrateAcross, already loaded). */
  migrationHosts?: HostProfile[];
}

// osinfo device ids virt-install tests (virtinst/osdict.py supports_*)
export const OSINFO = {
  q35: 'http://qemu.org/chipset/x86/q35',
  virtioNet: ['http://pcisig.com/pci/1af4/1000', 'http://pcisig.com/pci/1af4/1041'],
  virtio1Net: 'http://pcisig.com/pci/1af4/1041',
  virtioBlock: ['http://pcisig.com/pci/1af4/1001', 'http://pcisig.com/pci/1af4/1042'],
  virtioGpu: 'http://pcisig.com/pci/1af4/1050',
  virtioRng: ['http://pcisig.com/pci/1af4/1005', 'http://pcisig.com/pci/1af4/1044'],
  virtioBalloon: ['http://pcisig.com/pci/1af4/1002', 'http://pcisig.com/pci/1af4/1045'],
  virtioSerial: ['http://pcisig.com/pci/1af4/1003', 'http://pcisig.com/pci/1af4/1043'],
  usb3: 'http://pcisig.com/pci/1b36/0004',
};

/** Paravirtual device interfaces each family presents natively (others it offers are emulations). */
const NATIVE_PV: Record<string, ParavirtInterface[]> = {
  KVM: ['VIRTIO_1_0', 'VIRTIO_TRANSITIONAL', 'VIRTIO_LEGACY'],
  CLOUD_HYPERVISOR: ['VIRTIO_1_0'],
  FIRECRACKER: ['VIRTIO_1_0'],
  XEN: ['XEN_PV'],
  VMWARE: ['VMWARE_PV'],
  HYPERV: ['HYPERV_VMBUS'],
};

/** Hyper-V enlightenments virt-install enables for every Windows guest (features.py + clock.py hypervclock). */
export const VIRT_INSTALL_HYPERV = ['hv-relaxed', 'hv-vapic', 'hv-spinlocks', 'hv-time'];

const MIN_MEMORY_MIB = 128;

/** The part of a plan each hypervisor family decides. */
type FamilyPlan = Omit<Plan, 'schema' | 'name' | 'arch' | 'guest' | 'hypervisor' | 'host' | 'facts' | 'warnings' | 'memory' | 'resources' | 'migration' | 'omitted'>;

interface Ctx {
  facts: PlanningFacts;
  guest: GuestFacts;
  label: string;
  release: HypervisorReleaseFacts;
  host: HostProfile;
  spec: VmSpec;
  arch: string;
  name: string;
  warnings: string[];
  devctx: DeviceContext;
  migrationHosts: HostProfile[];
  isWindows: boolean;
  omitted: Plan['omitted'];
}

const because = (reason: string, rule: string, records: string[], extra: Partial<Because> = {}): Because => ({
  reason,
  rule,
  records: [...new Set(records)],
  ...extra,
});

export function decide(input: DecideInput): DecideResult {
  try {
    return { ok: true, plan: decideOrThrow(input) };
  } catch (err) {
    if (err instanceof PlanError) return { ok: false, error: err };
    throw err;
  }
}

export function decideOrThrow(input: DecideInput): Plan {
  const { facts, host, spec } = input;
  const guest = facts.guest;
  const label = guest.shortIds[0] ?? guest.name;
  const warnings: string[] = [...input.provenance.warnings];
  const arch = spec.arch ?? host.arch;
  const name = spec.name ?? label.replace(/[^a-zA-Z0-9_.-]/g, '-');
  const hv = facts.hypervisor;

  // ── hypervisor release ──
  const { release, because: releaseBecause } = pickRelease(facts, host, spec, warnings);

  // ── architecture ──
  if (guest.architectures.length && !guest.architectures.includes(arch)) {
    throw new PlanError('GUEST_ARCH_UNSUPPORTED', `guest architecture ${arch}`, `${label} runs on ${guest.architectures.join(', ')}, not ${arch}`, [guest.id]);
  }

  // ── compatibility records ──
  const broken = new Map<string, string>();
  const combination: string[] = [];
  for (const r of facts.compatibility) {
    if (r.hypervisorReleaseId !== release.id) continue;
    if (r.status === 'BROKEN' || r.status === 'UNSUPPORTED') {
      if (r.deviceId) broken.set(r.deviceId, r.id);
      else if (!r.hostFeatureKey && !r.backend) {
        if (!spec.constraints.allowUnsupported)
          throw new PlanError(
            'COMBINATION_UNSUPPORTED',
            `a working ${label} on ${release.name}`,
            `accepted compatibility record ${r.id} says ${label} on ${release.name} is ${r.status}${r.evidenceUrl ? ` (${r.evidenceUrl})` : ''}; set constraints.allowUnsupported to plan anyway`,
            [r.id, guest.id, release.id],
          );
        warnings.push(`record ${r.id}: ${label} on ${release.name} is ${r.status}; planning anyway (allowUnsupported)`);
      }
    } else if (!r.deviceId && !r.hostFeatureKey) combination.push(`${r.id} (${r.status}${r.backend ? `, ${r.backend}` : ''})`);
  }
  const combinationRecords = facts.compatibility.filter((r) => r.hypervisorReleaseId === release.id).map((r) => r.id);

  const devctx: DeviceContext = {
    guest,
    guestLabel: label,
    releaseId: release.id,
    releaseName: release.name,
    devices: release.devices,
    allowAddon: spec.drivers.addon,
    noEmulated: spec.constraints.noEmulatedDevices,
    broken,
    host,
    vfio: release.vfio,
    sriov: release.sriov,
    migrating: (input.migrationHosts ?? []).length > 0,
    native: NATIVE_PV[hv.family] ?? [],
    // QEMU models: planned for the release that matches the host's QEMU, checked against what that binary offers
    hostModels: hv.family === 'KVM' && host.qemu ? new Set([...host.qemu.devices, ...(host.qemu.devices.includes('virtio-vga') ? ['virtio-gpu-pci'] : [])]) : null,
    warnings,
  };
  const ctx: Ctx = {
    facts,
    guest,
    label,
    release,
    host,
    spec,
    arch,
    name,
    warnings,
    devctx,
    migrationHosts: input.migrationHosts ?? [],
    isWindows: ['winnt', 'win9x', 'win16'].includes(guest.family ?? ''),
    omitted: [],
  };

  const resources = decideResources(ctx);
  let plan: FamilyPlan;
  switch (hv.family) {
    case 'KVM':
      plan = decideKvm(ctx, resources.vcpus);
      break;
    case 'XEN':
      plan = decideXen(ctx, resources.vcpus);
      break;
    case 'VMWARE':
      plan = decideVmware(ctx, resources.vcpus);
      break;
    case 'HYPERV':
      plan = decideHyperv(ctx, resources.vcpus);
      break;
    case 'CLOUD_HYPERVISOR':
    case 'FIRECRACKER':
      plan = decideMicro(ctx, resources.vcpus);
      break;
    default:
      throw new PlanError('NO_BACKEND', `a planner for hypervisor family ${hv.family}`, `no planner for hypervisor family ${hv.family} (${hv.key})`);
  }

  if (combination.length) plan.backend.because.records.push(...combinationRecords);
  if (combination.length) plan.backend.because.reason += `; compatibility records: ${combination.join(', ')}`;

  const migration = ctx.migrationHosts.length
    ? {
        hosts: [host.name, ...ctx.migrationHosts.map((h) => h.name)],
        because: because(
          `the VM must live-migrate across ${[host.name, ...ctx.migrationHosts.map((h) => h.name)].join(', ')}: CPU model and machine type are pinned to what every host offers, no device is assigned`,
          'migration.common-denominator',
          [release.id],
        ),
      }
    : null;

  return {
    schema: PLAN_SCHEMA,
    name,
    arch,
    guest: { id: guest.id, shortId: guest.shortIds[0] ?? null, name: guest.name, family: guest.family },
    hypervisor: { key: hv.key, family: hv.family, releaseId: release.id, version: release.version, because: releaseBecause },
    host: { name: host.name, arch: host.arch },
    facts: input.provenance,
    warnings,
    ...plan,
    omitted: ctx.omitted,
    memory: { mib: resources.memoryMiB, because: resources.memoryBecause },
    resources: { because: resources.checks },
    migration,
  };
}

// ───────────────────────────── release ─────────────────────────────

function pickRelease(facts: PlanningFacts, host: HostProfile, spec: VmSpec, warnings: string[]): { release: HypervisorReleaseFacts; because: Because } {
  const hv = facts.hypervisor;
  const rels = hv.releases;
  if (!rels.length) throw new PlanError('NO_HYPERVISOR_RELEASE', `a release of ${hv.key}`, `the catalogue has no release of ${hv.name}`, []);
  if (spec.hypervisorRelease) {
    const r = rels.find((x) => x.version === spec.hypervisorRelease || x.id === spec.hypervisorRelease);
    if (!r)
      throw new PlanError('NO_HYPERVISOR_RELEASE', `${hv.key} release ${spec.hypervisorRelease}`, `the catalogue has no ${hv.name} release ${spec.hypervisorRelease} (known: ${rels.map((x) => x.version).join(', ')})`);
    if (hv.family === 'KVM' && host.qemu && compareVersions(majorMinor(host.qemu.version), majorMinor(r.version)) !== 0)
      warnings.push(`planning for ${r.name} but ${host.name} runs QEMU ${host.qemu.version}`);
    return { release: r, because: because(`the spec asks for ${hv.name} ${spec.hypervisorRelease}`, 'release.from-spec', [r.id]) };
  }
  if (hv.family === 'KVM' && host.qemu) {
    const hostVer = majorMinor(host.qemu.version);
    const exact = rels.find((x) => compareVersions(majorMinor(x.version), hostVer) === 0);
    if (exact) return { release: exact, because: because(`${host.name} runs QEMU ${host.qemu.version} (${host.qemu.binary})`, 'release.host-qemu', [exact.id]) };
    const older = rels.filter((x) => compareVersions(x.version, hostVer) <= 0);
    if (older.length) {
      const r = older[older.length - 1];
      warnings.push(`the catalogue has no QEMU ${hostVer}; planning with the newest older release, ${r.name}`);
      return { release: r, because: because(`${host.name} runs QEMU ${host.qemu.version}; the newest catalogued release not newer than it is ${r.name}`, 'release.host-qemu-older', [r.id]) };
    }
    throw new PlanError('NO_HYPERVISOR_RELEASE', `QEMU ${hostVer} or older in the catalogue`, `${host.name} runs QEMU ${host.qemu.version}; the catalogue only knows ${rels.map((x) => x.version).join(', ')}`);
  }
  const r = rels[rels.length - 1];
  return { release: r, because: because(`newest catalogued release of ${hv.name}`, 'release.newest', [r.id]) };
}

function majorMinor(v: string): string {
  return v.split('.').slice(0, 2).join('.');
}

// ───────────────────────────── resources ─────────────────────────────

function resourceValue(guest: GuestFacts, arch: string, kind: 'MINIMUM' | 'RECOMMENDED' | 'MAXIMUM', key: 'cpus' | 'ramBytes' | 'storageBytes'): number | null {
  for (const a of [arch, 'all']) {
    const r = guest.resources.find((x) => x.arch === a && x.kind === kind);
    const v = r?.[key];
    if (v !== null && v !== undefined && v > 0) return v;
  }
  return null;
}

function decideResources(ctx: Ctx) {
  const { guest, spec, release, host, arch, label } = ctx;
  const minCpus = resourceValue(guest, arch, 'MINIMUM', 'cpus');
  const recCpus = resourceValue(guest, arch, 'RECOMMENDED', 'cpus') ?? (minCpus ? minCpus * 2 : null);
  const minRam = resourceValue(guest, arch, 'MINIMUM', 'ramBytes');
  const recRam = resourceValue(guest, arch, 'RECOMMENDED', 'ramBytes') ?? (minRam ? minRam * 2 : null);
  const maxCpus = resourceValue(guest, arch, 'MAXIMUM', 'cpus');
  const maxRam = resourceValue(guest, arch, 'MAXIMUM', 'ramBytes');
  const minStorage = resourceValue(guest, arch, 'MINIMUM', 'storageBytes');
  const records = [guest.id, release.id];

  const vcpus = spec.vcpus ?? recCpus ?? 1;
  const memoryBytes = spec.memory ?? recRam ?? 1024 * 1024 ** 2;
  const memoryMiB = Math.max(Math.round(memoryBytes / 1024 ** 2), MIN_MEMORY_MIB);
  const memSrc = spec.memory
    ? 'the spec'
    : resourceValue(guest, arch, 'RECOMMENDED', 'ramBytes')
      ? `${label}'s recommended RAM`
      : minRam
        ? `twice ${label}'s minimum RAM (virt-install's rule when only a minimum is known)`
        : 'the default (no RAM figures in the catalogue)';
  const cpuSrc = spec.vcpus ? 'the spec' : resourceValue(guest, arch, 'RECOMMENDED', 'cpus') ? `${label}'s recommended vCPUs` : minCpus ? `twice ${label}'s minimum vCPUs (virt-install's rule)` : 'the default';

  const below: string[] = [];
  if (minCpus && vcpus < minCpus) below.push(`${label} needs ${minCpus} vCPUs, the VM spec gives ${vcpus}`);
  if (minRam && memoryBytes < minRam) below.push(`${label} needs ${formatBytes(minRam)} of RAM, the VM spec gives ${formatBytes(memoryBytes)}`);
  for (const [i, d] of (spec.disks ?? []).entries()) {
    if (d.device === 'disk' && d.size && minStorage && d.size < minStorage && i === 0)
      below.push(`${label} needs ${formatBytes(minStorage)} of disk, disks[0] gives ${formatBytes(d.size)}`);
  }
  if (below.length) {
    if (!spec.constraints.allowBelowMinimum)
      throw new PlanError('RESOURCES_BELOW_MINIMUM', below.join('; '), `${below.join('; ')} (set constraints.allowBelowMinimum to plan anyway)`, [guest.id]);
    ctx.warnings.push(...below.map((b) => `${b} (allowed by constraints.allowBelowMinimum)`));
  }
  const above: string[] = [];
  if (release.maxVcpus && vcpus > release.maxVcpus) above.push(`${release.name} runs at most ${release.maxVcpus} vCPUs, the VM spec asks for ${vcpus}`);
  if (release.maxMemoryMiB && memoryMiB > release.maxMemoryMiB) above.push(`${release.name} gives a VM at most ${formatBytes(release.maxMemoryMiB * 1024 ** 2)}, the VM spec asks for ${formatBytes(memoryMiB * 1024 ** 2)}`);
  if (maxCpus && vcpus > maxCpus) above.push(`${label} uses at most ${maxCpus} vCPUs, the VM spec gives ${vcpus}`);
  if (maxRam && memoryBytes > maxRam) above.push(`${label} addresses at most ${formatBytes(maxRam)}, the VM spec gives ${formatBytes(memoryBytes)}`);
  if (above.length) throw new PlanError('RESOURCES_ABOVE_MAXIMUM', above.join('; '), above.join('; '), [guest.id, release.id]);
  if (vcpus > host.cpu.count) ctx.warnings.push(`${vcpus} vCPUs on a host with ${host.cpu.count} CPUs: vCPUs are overcommitted`);
  if (memoryMiB > host.memoryMiB) ctx.warnings.push(`${formatBytes(memoryMiB * 1024 ** 2)} of guest RAM on a host with ${formatBytes(host.memoryMiB * 1024 ** 2)}: memory is overcommitted`);

  const mins = [minCpus ? `${minCpus} vCPU` : null, minRam ? formatBytes(minRam) : null, minStorage ? `${formatBytes(minStorage)} disk` : null].filter(Boolean);
  return {
    vcpus,
    vcpusFrom: cpuSrc,
    memoryMiB,
    memoryBecause: because(`${formatBytes(memoryMiB * 1024 ** 2)} from ${memSrc}`, 'resources.memory', records),
    checks: because(
      mins.length ? `meets ${label}'s minimum (${mins.join(', ')}) with ${vcpus} vCPUs (from ${cpuSrc}) and ${formatBytes(memoryMiB * 1024 ** 2)}` : `no minimum resources recorded for ${label}; ${vcpus} vCPUs from ${cpuSrc}`,
      'resources.minimums',
      records,
    ),
  };
}

// ───────────────────────────── shared pieces ─────────────────────────────

function guestFirmware(ctx: Ctx) {
  const fw = ctx.guest.firmware.filter((f) => f.arch === ctx.arch);
  const uefi = fw.find((f) => f.type === 'UEFI') ?? null;
  const bios = fw.find((f) => f.type === 'BIOS') ?? null;
  return {
    uefiSupported: uefi ? uefi.supported : null,
    biosSupported: bios ? bios.supported : null,
    secureBoot: uefi?.secureBoot ?? null,
    // virtinst osdict.requires_firmware_efi: efi supported and bios explicitly unsupported
    requiresUefi: uefi?.supported === true && bios?.supported === false,
  };
}

type FirmwareWish = 'bios' | 'uefi' | 'uefi-secure-boot';

/** Firmware the guest and release allow, from the spec or the guest's needs. */
function firmwareWish(ctx: Ctx, canUefi: boolean): { wish: FirmwareWish; because: Because } {
  const g = guestFirmware(ctx);
  const { spec, label, guest, release } = ctx;
  const records = [guest.id, release.id];
  const offers = (k: string) => release.firmware.includes(k);
  if (spec.firmware === 'bios') {
    if (g.biosSupported === false) throw new PlanError('NO_FIRMWARE', 'BIOS boot', `${label} does not boot with BIOS on ${ctx.arch} (firmware record: bios supported=false); the spec asks for bios`, records);
    if (!offers('bios')) throw new PlanError('NO_FIRMWARE', 'BIOS boot', `${release.name} offers no BIOS firmware (offers ${release.firmware.join(', ')})`, records);
    return { wish: 'bios', because: because('the spec asks for BIOS', 'firmware.from-spec', records) };
  }
  if (spec.firmware === 'uefi' || spec.firmware === 'uefi-secure-boot') {
    if (g.uefiSupported === false) throw new PlanError('NO_FIRMWARE', 'UEFI boot', `${label} does not boot with UEFI on ${ctx.arch} (firmware record: efi supported=false)`, records);
    if (spec.firmware === 'uefi-secure-boot' && g.secureBoot === false)
      throw new PlanError('NO_FIRMWARE', 'UEFI Secure Boot', `${label} does not boot with Secure Boot enforced (firmware record: secureBoot=false)`, records);
    if (!offers(spec.firmware)) throw new PlanError('NO_FIRMWARE', spec.firmware, `${release.name} offers no ${spec.firmware} firmware (offers ${release.firmware.join(', ')})`, records);
    if (!canUefi) throw new PlanError('NO_FIRMWARE', spec.firmware, `the chosen backend cannot boot UEFI`, records);
    if (g.uefiSupported === null) ctx.warnings.push(`no record that ${label} boots with UEFI; the spec asks for it`);
    return { wish: spec.firmware, because: because(`the spec asks for ${spec.firmware}`, 'firmware.from-spec', records) };
  }
  if (g.requiresUefi) {
    if (!canUefi || !offers('uefi')) throw new PlanError('NO_FIRMWARE', 'UEFI boot', `${label} boots only with UEFI and ${release.name} cannot give it`, records);
    const sb = g.secureBoot === true && offers('uefi-secure-boot');
    return {
      wish: sb ? 'uefi-secure-boot' : 'uefi',
      because: because(
        `${label} boots only with UEFI (firmware records: efi supported, bios supported=false)${sb ? ' and is recorded to boot with Secure Boot enforced, so Secure Boot is on' : ''}`,
        'firmware.guest-requires-uefi',
        records,
      ),
    };
  }
  if (g.biosSupported === false) throw new PlanError('NO_FIRMWARE', 'a firmware the guest boots', `${label} boots neither BIOS nor (recorded) UEFI`, records);
  if (!offers('bios')) {
    if (canUefi && offers('uefi') && g.uefiSupported !== false)
      return { wish: 'uefi', because: because(`${release.name} offers only UEFI`, 'firmware.only-uefi', records) };
    throw new PlanError('NO_FIRMWARE', 'BIOS boot', `${release.name} offers no firmware ${label} boots`, records);
  }
  return {
    wish: 'bios',
    because: because(
      `${label} boots with BIOS${g.uefiSupported ? ' or UEFI' : ''}; BIOS is preferred when the guest does not need UEFI (faster start, QEMU internal snapshots work), as virt-install does`,
      'firmware.prefer-bios',
      records,
    ),
  };
}

function machineGlobMatches(glob: string, machine: string): boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(machine);
}

/** Picks a QEMU firmware descriptor the way its priority order (file name) and features allow. */
export function pickFirmwareDescriptor(host: HostProfile, arch: string, machine: string, secureBoot: boolean): { d: FirmwareDescriptorInfo | null; considered: string[] } {
  const considered: string[] = [];
  const candidates = host.firmware.filter((d) => {
    if (!d.interfaceTypes.includes('uefi')) return false;
    const target = d.targets.find((t) => t.architecture === arch && t.machines.some((m) => machineGlobMatches(m, machine)));
    if (!target) {
      considered.push(`${d.file}: not for ${arch} ${machine}`);
      return false;
    }
    return true;
  });
  if (secureBoot) {
    const d = candidates.find((x) => x.features.includes('secure-boot') && x.features.includes('enrolled-keys'));
    for (const c of candidates) if (c !== d) considered.push(`${c.file}: ${c.features.includes('secure-boot') ? 'no keys enrolled' : 'no secure-boot'}`);
    return { d: d ?? null, considered };
  }
  const d = candidates.find((x) => !x.features.includes('secure-boot') && !x.features.includes('requires-smm')) ?? candidates.find((x) => !x.features.includes('enrolled-keys')) ?? null;
  for (const c of candidates) if (c !== d) considered.push(`${c.file}: has secure-boot`);
  return { d, considered };
}

/**
 * Host CPU features the release requires / recommends that the host lacks (cpuinfo flags only).
 * Requirements sharing an `anyOf` group are alternatives (vmx or svm): the group is met by any member;
 * a missing group is named by the member matching the host's CPU vendor.
 */
export function hostHasRequired(release: HypervisorReleaseFacts, host: HostProfile): { missing: string[]; recommendedMissing: string[] } {
  const missing: string[] = [];
  const recommendedMissing: string[] = [];
  const groups = new Map<string, typeof release.hostFeatures>();
  for (const hf of release.hostFeatures) {
    if (hf.feature.detectionMethod !== 'CPUINFO_FLAG') continue;
    if (hf.requirement !== 'REQUIRED' && hf.requirement !== 'RECOMMENDED') continue;
    const key = hf.anyOf ? `${hf.requirement}:${hf.anyOf}` : `${hf.requirement}:${hf.feature.key}`;
    groups.set(key, [...(groups.get(key) ?? []), hf]);
  }
  for (const members of groups.values()) {
    if (members.some((m) => host.cpu.flags.includes(m.feature.detectionValue))) continue;
    // name the member for this host's vendor; vendor-less features when no member matches the vendor
    const named = members.filter((m) => vendorMatches(m.feature.vendor, host));
    if (!named.length) continue; // none of the alternatives applies to this CPU vendor
    const key = named.map((m) => m.feature.key).join('/');
    if (members[0].requirement === 'REQUIRED') missing.push(key);
    else recommendedMissing.push(key);
  }
  return { missing, recommendedMissing };
}

function hwVirtRecords(ctx: Ctx): string[] {
  return ctx.release.hostFeatures.filter((h) => h.requirement === 'REQUIRED').map((h) => h.feature.key);
}

/** Hardware acceleration for hypervisors that run on /dev/kvm (KVM/QEMU, Cloud Hypervisor, Firecracker). */
function kvmAcceleration(ctx: Ctx, tcgPossible: boolean): { mode: Acceleration; because: Because } {
  const { host, release, spec } = ctx;
  const { missing, recommendedMissing } = hostHasRequired(ctx.release, ctx.host);
  const records = [release.id];
  if (host.arch !== ctx.arch) {
    const why = `host ${host.name} is ${host.arch}, the guest is ${ctx.arch}: KVM cannot run another architecture`;
    if (!tcgPossible || spec.constraints.requireHardwareAcceleration) throw new PlanError('ACCELERATION_UNAVAILABLE', `${ctx.arch} hardware virtualization`, why, records);
    return { mode: 'tcg', because: because(`${why}; software emulation (TCG)`, 'acceleration.tcg-foreign-arch', records) };
  }
  if (host.kvm.usable) {
    if (missing.length) ctx.warnings.push(`/proc/cpuinfo on ${host.name} lacks ${missing.join(', ')} yet KVM works (nested virtualization hides the flag)`);
    if (recommendedMissing.length) ctx.warnings.push(`${host.name} lacks ${recommendedMissing.join(', ')}: KVM falls back to shadow paging, which is slower`);
    return {
      mode: 'kvm',
      because: because(`KVM is usable on ${host.name}: ${host.kvm.detail}`, 'acceleration.kvm', [...records, ...hwVirtRecords(ctx)]),
    };
  }
  const reasons: string[] = [];
  if (missing.length) reasons.push(`the CPU lacks ${missing.join(' / ')} (${release.name} requires it)`);
  reasons.push(host.kvm.detail || (host.kvm.device ? '/dev/kvm is not usable' : '/dev/kvm does not exist'));
  const why = reasons.join('; ');
  if (!tcgPossible) throw new PlanError('ACCELERATION_UNAVAILABLE', `/dev/kvm (${missing.join(' or ') || 'usable KVM'})`, `${release.name} runs only with KVM: ${why}`, records);
  if (spec.constraints.requireHardwareAcceleration)
    throw new PlanError('ACCELERATION_UNAVAILABLE', `hardware virtualization (${missing.join(' or ') || 'usable /dev/kvm'})`, `the spec requires hardware acceleration but ${why}`, records);
  return { mode: 'tcg', because: because(`no hardware acceleration: ${why}; software emulation (TCG)`, 'acceleration.tcg', records) };
}

function nicSpecs(spec: VmSpec): NicSpec[] {
  return spec.nics ?? [{ backend: 'user', prefer: 'auto' }];
}

function diskSpecs(spec: VmSpec): DiskSpec[] {
  return spec.disks ?? [];
}

function diskFormat(d: DiskSpec): 'raw' | 'qcow2' | 'vmdk' | 'vhdx' {
  if (d.format) return d.format;
  const ext = d.path.split('.').pop()?.toLowerCase();
  if (ext === 'qcow2' || ext === 'vmdk' || ext === 'vhdx') return ext;
  return 'raw';
}

function attachDisk(dev: PlannedDevice, d: DiskSpec, index: number, bootIndex: number | null) {
  dev.disk = { source: d.path, format: diskFormat(d), readonly: d.readonly || d.device === 'cdrom', bootIndex, sizeBytes: d.size ?? null };
  void index;
}

function attachNic(ctx: Ctx, dev: PlannedDevice, n: NicSpec, index: number, oui: string) {
  dev.nic = { backend: n.backend, bridge: n.bridge ?? null, tap: n.tap ?? null, mac: (n.mac ?? macFor(oui, ctx.name, index)).toLowerCase() };
}

/** A supported release device by key (DEVICE_KEYS), model or device name. */
function byName(rel: HypervisorReleaseFacts, key: string): ReleaseDeviceFact | undefined {
  return rel.devices.find((d) => d.supported && matchesKey(d, key));
}

/** Paravirt features both sides support, closed under dependencies (a feature whose dependency is off is off). */
function paravirtChoices(ctx: Ctx, family: 'KVM' | 'HYPERV' | 'XEN', allowed: ((key: string) => string | null) | null): ParavirtChoice[] {
  const offered = ctx.release.paravirt.filter((p) => p.supported && p.feature.family === family && (p.feature.kind === 'FEATURE' || p.feature.kind === 'ENLIGHTENMENT'));
  const guestPv = new Map(ctx.guest.paravirt.map((p) => [p.feature.key, p]));
  const out = new Map<string, ParavirtChoice>();
  for (const p of offered) {
    const g = guestPv.get(p.feature.key);
    const records = [ctx.guest.id, ctx.release.id];
    if (!g) {
      out.set(p.feature.key, { key: p.feature.key, family, enabled: false, because: because(`no record that ${ctx.label} uses ${p.feature.key}`, 'paravirt.guest-unknown', records) });
      continue;
    }
    if (!g.supported) {
      out.set(p.feature.key, { key: p.feature.key, family, enabled: false, because: because(`the catalogue says ${ctx.label} does not use ${p.feature.key}${g.notes ? ` (${g.notes})` : ''}`, 'paravirt.guest-unsupported', records) });
      continue;
    }
    if (g.minKernel && ctx.guest.kernel && compareVersions(ctx.guest.kernel, g.minKernel) < 0) {
      out.set(p.feature.key, { key: p.feature.key, family, enabled: false, because: because(`${p.feature.key} needs kernel ${g.minKernel}; ${ctx.label} ships ${ctx.guest.kernel}`, 'paravirt.min-kernel', records) });
      continue;
    }
    const block = allowed?.(p.feature.key) ?? null;
    if (block) {
      out.set(p.feature.key, { key: p.feature.key, family, enabled: false, because: because(block, 'paravirt.host-limits', records) });
      continue;
    }
    out.set(p.feature.key, {
      key: p.feature.key,
      family,
      enabled: true,
      because: because(`${ctx.label} uses ${p.feature.key}${g.minKernel ? ` (since kernel ${g.minKernel})` : ''} and ${ctx.release.name} offers it`, 'paravirt.both-support', records),
    });
  }
  // dependency closure
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of out.values()) {
      if (!c.enabled) continue;
      const deps = offered.find((p) => p.feature.key === c.key)?.feature.dependsOn ?? [];
      const off = deps.filter((d) => !out.get(d)?.enabled);
      if (off.length) {
        c.enabled = false;
        c.because = because(`${c.key} needs ${off.join(', ')}, which ${off.length > 1 ? 'are' : 'is'} off`, 'paravirt.dependency', c.because.records);
        changed = true;
      }
    }
  }
  return [...out.values()];
}

// ───────────────────────────── KVM / QEMU ─────────────────────────────

function decideKvm(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  const acceleration = kvmAcceleration(ctx, true);
  const accel = acceleration.mode;
  if (ctx.arch !== 'x86_64' && ctx.arch !== 'i686')
    throw new PlanError('GUEST_ARCH_UNSUPPORTED', `x86 guest`, `this planner plans KVM/QEMU for x86 guests; ${ctx.arch} is not covered`, records);

  if (spec.machine === 'microvm') return decideKvmMicrovm(ctx, vcpus, acceleration);

  // ── machine type (virtinst guest._set_default_machine + osdict.supports_chipset_q35) ──
  const drives = (id: string) => guestSupport(ctx.devctx, id).ok;
  const drivesVirtioNet = OSINFO.virtioNet.some(drives);
  const drivesVirtio1 = drives(OSINFO.virtio1Net);
  const q35Record = drives(OSINFO.q35);
  const q35Ok = q35Record && !(drivesVirtioNet && !drivesVirtio1);
  const offersQ35 = release.machineTypes.includes('q35');
  let machine: 'q35' | 'pc';
  let machineBecause: Because;
  if (spec.machine === 'q35' || spec.machine === 'pc') {
    machine = spec.machine;
    machineBecause = because(`the spec asks for ${machine}`, 'machine.from-spec', records);
    if (machine === 'q35' && !q35Record) ctx.warnings.push(`no record that ${label} drives the q35 (ICH9) chipset; the spec asks for q35`);
  } else if (q35Ok && offersQ35) {
    machine = 'q35';
    machineBecause = because(`${label} drives the q35 chipset (record ${OSINFO.q35})${drivesVirtioNet ? ' and virtio 1.0' : ''}; q35 gives PCIe, AHCI and SMM`, 'machine.q35-when-guest-drives-it', [...records, OSINFO.q35]);
  } else {
    machine = 'pc';
    const why = !q35Record
      ? `no record that ${label} drives the q35 chipset`
      : drivesVirtioNet && !drivesVirtio1
        ? `${label} drives only legacy virtio, and virtio devices on q35's PCIe ports are virtio 1.0 only`
        : `${release.name} offers no q35`;
    machineBecause = because(`${why}: i440FX (pc)`, 'machine.pc-fallback', records);
  }
  // firmware (may force q35 for Secure Boot)
  const fwWish = firmwareWish(ctx, true);
  if (fwWish.wish === 'uefi-secure-boot' && machine !== 'q35') {
    if (!offersQ35) throw new PlanError('NO_FIRMWARE', 'q35 for Secure Boot (SMM)', `Secure Boot needs SMM, which needs q35; ${release.name} offers no q35`, records);
    machine = 'q35';
    machineBecause = because(`Secure Boot needs SMM, which QEMU offers on q35 only`, 'machine.q35-for-secure-boot', records);
  }
  const versioned = release.machineTypes.find((m) => m.startsWith(machine === 'q35' ? 'pc-q35-' : 'pc-i440fx-')) ?? null;
  if (ctx.migrationHosts.length && versioned) {
    const lacking = ctx.migrationHosts.filter((h) => h.qemu && !h.qemu.machines.includes(versioned));
    if (lacking.length)
      throw new PlanError('MIGRATION_CONSTRAINT', `machine type ${versioned} on every host`, `${versioned} is missing on ${lacking.map((h) => `${h.name} (QEMU ${h.qemu!.version})`).join(', ')}; plan with the oldest host's QEMU release (hypervisorRelease)`, records);
    machineBecause.reason += `; pinned to ${versioned} so the guest's hardware stays the same on every host`;
  }

  // firmware images
  let firmware: FirmwareChoice;
  let smm = false;
  if (spec.boot && fwWish.wish === 'bios') {
    firmware = { type: 'bios', secureBoot: false, code: null, varsTemplate: null, descriptor: null, because: because(`direct kernel boot (${spec.boot.kernel}) through SeaBIOS; ${fwWish.because.reason}`, 'firmware.direct-kernel-bios', records) };
  } else if (fwWish.wish === 'bios') {
    firmware = { type: 'bios', secureBoot: false, code: null, varsTemplate: null, descriptor: null, because: fwWish.because };
  } else {
    const sb = fwWish.wish === 'uefi-secure-boot';
    const target = versioned ?? (machine === 'q35' ? 'pc-q35-' : 'pc-i440fx-') + release.version;
    const { d, considered } = pickFirmwareDescriptor(host, ctx.arch, target, sb);
    if (!d)
      throw new PlanError(
        'NO_FIRMWARE',
        `UEFI firmware for ${ctx.arch} ${target}${sb ? ' with secure-boot and enrolled-keys' : ''} on ${host.name}`,
        `${host.name} has no QEMU firmware descriptor for UEFI on ${ctx.arch} ${target}${sb ? ' with Secure Boot and enrolled keys' : ''} (install ovmf)${considered.length ? `; considered ${considered.join('; ')}` : ''}`,
        records,
      );
    smm = d.features.includes('requires-smm');
    firmware = {
      type: 'uefi',
      secureBoot: sb,
      code: d.code,
      varsTemplate: d.varsTemplate,
      descriptor: d.file,
      because: { ...fwWish.because, reason: `${fwWish.because.reason}; images from ${d.file} (${d.description})`, rejected: considered.map((c) => ({ option: c.split(':')[0], why: c.split(': ').slice(1).join(': ') })) },
    };
  }

  // ── CPU ──
  const cpu = decideKvmCpu(ctx, accel, vcpus);

  // ── paravirt: KVM PV features, Hyper-V enlightenments ──
  const paravirt: ParavirtChoice[] = [];
  // KVM PV features: listed for guests the catalogue says anything about (Linux, BSD); Windows does not use them
  if (ctx.guest.paravirt.some((p) => p.feature.family === 'KVM') || !ctx.isWindows)
    paravirt.push(
      ...paravirtChoices(ctx, 'KVM', (key) =>
        !KVM_PV_QEMU_FLAG[key] ? `${key} has no QEMU CPU flag this planner knows` : accel !== 'kvm' ? `${key} needs KVM; this plan uses TCG` : null,
      ),
    );
  const hasHyperv = ctx.guest.paravirt.some((p) => p.feature.family === 'HYPERV') || ctx.isWindows;
  if (hasHyperv) {
    const basic = new Set(VIRT_INSTALL_HYPERV);
    const limit = (key: string): string | null => {
      if (!HYPERV_PLANNED.has(key)) return `${key} is not planned by default (needs a specific host or guest setup)`;
      if (accel === 'tcg') return basic.has(key) ? null : `${key} needs KVM (QEMU's TCG accepts only ${VIRT_INSTALL_HYPERV.join(', ')})`;
      if (host.kvm.hyperv === 'none') return `the probe found ${host.name}'s KVM refuses Hyper-V enlightenments (nested virtualization)`;
      if (host.kvm.hyperv === 'basic' && !basic.has(key)) return `the probe found ${host.name}'s KVM refuses ${key} (VP_INDEX/SynIC; nested virtualization)`;
      return null;
    };
    const hv = paravirtChoices(ctx, 'HYPERV', limit);
    for (const c of hv) {
      if (c.key === 'hv-spinlocks' && c.enabled) c.options = { retries: 8191 };
      const theirs = ctx.isWindows && basic.has(c.key);
      if (c.enabled !== theirs) {
        c.because.differsFrom = {
          tool: 'virt-install',
          theirs: theirs ? 'on' : 'off',
          why: theirs
            ? `virt-install turns ${VIRT_INSTALL_HYPERV.join(', ')} on for every Windows guest; here: ${c.because.reason}`
            : `virt-install enables only ${VIRT_INSTALL_HYPERV.join(', ')}; the catalogue records ${label} using ${c.key} and ${release.name} offers it`,
        };
      }
    }
    paravirt.push(...hv);
    if (host.kvm.hyperv === 'none' && accel === 'kvm' && hv.some((c) => guestSupportsPv(ctx, c.key)))
      ctx.warnings.push(`Hyper-V enlightenments are off: ${host.name}'s KVM refused them in the probe; Windows runs slower`);
  }
  const hvOn = (k: string) => paravirt.some((p) => p.key === k && p.enabled);

  // ── clock (virtinst domain/clock.py) ──
  const localtime = ctx.isWindows || guest.family === 'solaris';
  const timers: ClockTimer[] = [
    { name: 'rtc', tickpolicy: 'catchup' },
    { name: 'pit', tickpolicy: 'delay' },
    { name: 'hpet', present: false },
  ];
  if (hvOn('hv-time')) timers.push({ name: 'hypervclock', present: true });
  const clock = {
    offset: localtime ? ('localtime' as const) : ('utc' as const),
    timers,
    because: because(
      `${localtime ? `${label} keeps the RTC in local time` : 'RTC in UTC'}; rtc catch-up, PIT delay, no HPET (cheaper, and what virt-install sets)${hvOn('hv-time') ? '; Hyper-V reference clock for Windows' : ''}`,
      'clock.virt-install-policy',
      records,
      ctx.isWindows && !hvOn('hv-time') ? { differsFrom: { tool: 'virt-install', theirs: 'hypervclock present', why: 'hv-time is off in this plan (see paravirt), so there is no Hyper-V clock' } } : {},
    ),
  };

  // ── graphics ──
  const graphics = decideGraphics(ctx, 'kvm');
  const features = {
    acpi: true,
    apic: true,
    smm,
    vmport: graphics.type === 'spice' ? false : null,
    because: because(`ACPI and APIC on${smm ? '; SMM on because the Secure Boot firmware requires it' : ''}${graphics.type === 'spice' ? '; VMware port off with SPICE (as virt-install)' : ''}`, 'features.x86', records),
  };

  // ── devices ──
  const devices = kvmDevices(ctx, machine, firmware, graphics.type);

  // ── TPM ──
  const tpm = decideKvmTpm(ctx, firmware, machine);

  return {
    acceleration,
    backend: {
      key: accel === 'kvm' ? 'kvm-hvm' : 'tcg',
      because: because(
        accel === 'kvm' ? `full virtualization on KVM with paravirtual devices and KVM PV features where ${label} supports them` : `QEMU software emulation; paravirtual devices still apply`,
        'backend.kvm',
        records,
      ),
    },
    machine: { type: machine, versioned, because: machineBecause },
    firmware,
    cpu,
    clock,
    features,
    paravirt,
    tpm,
    graphics,
    devices,
    boot: spec.boot ? { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null } : null,
  };
}

/** Linux guests drive virtio devices over the virtio-mmio transport with the driver they use over PCI (Linux ≥ 3.2). */
function mmioRule(ctx: Ctx, what: string): Support | null {
  const { guest, label } = ctx;
  if (guest.family !== 'linux') return { ok: false, why: `virtio-mmio by rule is for Linux guests; ${label} is ${guest.family ?? 'of unknown family'}` };
  if (guest.kernel && compareVersions(guest.kernel, '3.2') < 0) return { ok: false, why: `the virtio-mmio transport needs Linux 3.2; ${label} ships ${guest.kernel}` };
  return { ok: true, source: 'RULE', driverName: null, fact: null, note: `Linux drives ${what} over the virtio-mmio transport with the driver it uses over PCI` };
}

const MMIO_MODEL: Partial<Record<string, string>> = { NETWORK: 'virtio-net-device', STORAGE: 'virtio-blk-device', RNG: 'virtio-rng-device', BALLOON: 'virtio-balloon-device' };

/** QEMU microvm: no PCI, no firmware to speak of, virtio-mmio devices, a kernel booted directly. */
function decideKvmMicrovm(ctx: Ctx, vcpus: number, acceleration: FamilyPlan['acceleration']): FamilyPlan {
  const { guest, release, spec, label } = ctx;
  const records = [guest.id, release.id];
  if (!release.machineTypes.includes('microvm')) throw new PlanError('SPEC_CONFLICT', 'machine microvm', `${release.name} has no microvm machine (offers ${release.machineTypes.join(', ')})`, records);
  if (!spec.boot) throw new PlanError('KERNEL_REQUIRED', 'boot.kernel', 'the microvm machine boots a kernel given in the spec (boot.kernel)', records);
  if (spec.firmware !== 'auto' && spec.firmware !== 'bios') throw new PlanError('NO_FIRMWARE', spec.firmware, 'microvm has no UEFI', records);
  const devices: PlannedDevice[] = [];
  const toMmio = (d: PlannedDevice) => {
    const model = MMIO_MODEL[d.class];
    if (!model) throw new PlanError('NO_DEVICE_PATH', `${d.id}: a virtio-mmio ${d.class.toLowerCase()} device`, `${d.id}: QEMU has no virtio-mmio model for ${d.class}`, records);
    d.because.reason = `${d.because.reason}; on microvm as ${model} (virtio-mmio)`;
    Object.assign(d, { model, bus: 'virtio-mmio', paravirtInterface: 'VIRTIO_1_0' as const });
    return d;
  };
  const slot = (role: PlannedDevice['role'], id: string, cls: 'STORAGE' | 'NETWORK' | 'RNG' | 'BALLOON', required: boolean): Slot => ({
    role, id, classes: [cls], emulatedOrder: [], prefer: 'paravirtual', required,
    allow: (rd) => rd.device.paravirtInterface.startsWith('VIRTIO') && rd.device.class === cls,
    supportVia: (rd) => (guestSupport(ctx.devctx, rd.device.id).ok ? mmioRule(ctx, rd.device.name) : null),
    busOf: () => 'virtio-mmio',
  });
  for (const [i, d] of diskSpecs(spec).entries()) {
    if (d.device === 'cdrom') throw new PlanError('SPEC_CONFLICT', `${d.name ?? `disk${i}`}: cdrom on microvm`, 'microvm has no CD-ROM', records);
    const { device } = chooseDevice(ctx.devctx, slot('disk', d.name ?? `disk${i}`, 'STORAGE', true));
    attachDisk(toMmio(device!), d, i, null);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, slot('nic', n.name ?? `net${i}`, 'NETWORK', true));
    attachNic(ctx, toMmio(device!), n, i, '52:54:00');
    devices.push(device!);
  }
  for (const [role, cls, toggle] of [['rng', 'RNG', spec.rng], ['balloon', 'BALLOON', spec.balloon]] as const) {
    if (toggle === 'none') continue;
    const { device, skipped } = chooseDevice(ctx.devctx, slot(role, `${role}0`, cls, false));
    if (device) {
      if (role === 'rng') device.options = { source: '/dev/urandom' };
      devices.push(toMmio(device));
    } else if (skipped) ctx.omitted.push({ id: `${role}0`, role, because: skipped });
  }
  devices.push({
    id: 'serial0', role: 'console', class: 'CONSOLE', path: 'builtin', model: 'isa-serial', deviceId: byName(release, 'isa-serial')?.device.id ?? null, paravirtInterface: 'NONE', bus: 'isa',
    driver: { source: 'RULE', name: '8250/16550 UART' }, because: because('microvm\'s ISA serial port as the console', 'console.serial', [release.id]),
  });
  if (spec.display === 'spice' || spec.display === 'vnc') throw new PlanError('SPEC_CONFLICT', `display ${spec.display} on microvm`, 'microvm has no display device', records);
  const paravirt = paravirtChoices(ctx, 'KVM', (key) =>
    !KVM_PV_QEMU_FLAG[key] ? `${key} has no QEMU CPU flag this planner knows` : acceleration.mode !== 'kvm' ? `${key} needs KVM; this plan uses TCG` : null,
  );
  return {
    acceleration,
    backend: { key: acceleration.mode === 'kvm' ? 'kvm-microvm' : 'tcg-microvm', because: because(`the spec asks for microvm: a minimal machine without PCI for a kernel booted directly; ${label} uses virtio-mmio`, 'backend.microvm', records) },
    machine: { type: 'microvm', versioned: null, because: because('the spec asks for microvm', 'machine.from-spec', records) },
    firmware: { type: 'bios', secureBoot: false, code: null, varsTemplate: null, descriptor: null, because: because(`direct kernel boot (${spec.boot.kernel}) through microvm's firmware`, 'firmware.direct-kernel-bios', records) },
    cpu: decideKvmCpu(ctx, acceleration.mode, vcpus),
    clock: { offset: 'utc', timers: [], because: because('kvm-clock when KVM is there; RTC in UTC', 'clock.microvm', records) },
    features: { acpi: true, apic: true, smm: false, vmport: null, because: because('ACPI and APIC', 'features.x86', records) },
    paravirt,
    tpm: decideOtherTpm(ctx, 'microvm has no TPM device'),
    graphics: { type: 'none', because: because('microvm has no display; serial console only', 'graphics.none', records) },
    devices,
    boot: { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null },
  };
}

function guestSupportsPv(ctx: Ctx, key: string): boolean {
  return ctx.guest.paravirt.some((p) => p.feature.key === key && p.supported);
}

function decideKvmCpu(ctx: Ctx, accel: Acceleration, vcpus: number): Plan['cpu'] {
  const { host, release } = ctx;
  const topology = { sockets: 1, cores: vcpus, threads: 1 };
  const records = [release.id];
  if (ctx.migrationHosts.length) {
    const hosts = [host, ...ctx.migrationHosts];
    const available = hosts.every((h) => h.qemu) ? hosts.map((h) => h.qemu!.cpuModels).reduce((a, b) => a.filter((x) => b.includes(x))) : null;
    const { model, missing } = baselineModel(hosts.map((h) => ({ name: h.name, vendor: h.cpu.vendor, flags: h.cpu.flags })), available);
    return {
      mode: 'named',
      model: model.name,
      disabledFeatures: [],
      vcpus,
      topology,
      because: because(
        `live migration across ${hosts.map((h) => h.name).join(', ')} needs one CPU model every host can run: ${model.name} is the newest whose features all hosts have`,
        'cpu.migration-baseline',
        records,
        { rejected: missing.map((m) => ({ option: m.model, why: `${m.host} lacks ${m.flags.join(', ')}` })) },
      ),
    };
  }
  if (accel === 'tcg')
    return {
      mode: 'max',
      model: 'max',
      disabledFeatures: [],
      vcpus,
      topology,
      because: because(`TCG cannot pass the host CPU through; 'max' exposes every feature TCG emulates`, 'cpu.tcg-max', records, {
        differsFrom: { tool: 'virt-install', theirs: 'hypervisor default (qemu64)', why: "qemu64 lacks SSE4.2/POPCNT that current guests (Windows 11, RHEL 9's x86-64-v2) need; 'max' has them" },
      }),
    };
  if (host.kvm.hostPassthrough === 'unusable') {
    const { model } = baselineModel([{ name: host.name, vendor: host.cpu.vendor, flags: host.cpu.flags }], host.qemu?.cpuModels ?? null);
    return {
      mode: 'named',
      model: model.name,
      disabledFeatures: [],
      vcpus,
      topology,
      because: because(`the probe found -cpu host fails on ${host.name}; ${model.name} is the newest named model its CPU covers`, 'cpu.host-unusable', records, {
        differsFrom: { tool: 'virt-install', theirs: 'host-passthrough', why: 'host-passthrough does not start on this host' },
      }),
    };
  }
  const off = host.kvm.hostCpuFlagsOff;
  return {
    mode: 'host-passthrough',
    model: null,
    disabledFeatures: off,
    vcpus,
    topology,
    because: because(
      `KVM without migration constraints: pass the host CPU through (fastest; what virt-install picks)${off.length ? `, with ${off.join(', ')} off because ${host.name}'s KVM refuses it (probe)` : ''}`,
      'cpu.host-passthrough',
      records,
    ),
  };
}

function decideGraphics(ctx: Ctx, family: 'kvm' | 'xen' | 'other'): Plan['graphics'] {
  const { spec, release, host } = ctx;
  const records = [release.id];
  if (spec.display === 'none') return { type: 'none', because: because('the spec asks for no display (serial console only)', 'graphics.from-spec', records) };
  if (spec.display === 'spice' || spec.display === 'vnc') {
    if (spec.display === 'spice' && family !== 'kvm') throw new PlanError('SPEC_CONFLICT', 'SPICE graphics', `SPICE is a QEMU/KVM protocol; ${release.name} offers VNC`, records);
    return { type: spec.display, because: because(`the spec asks for ${spec.display}`, 'graphics.from-spec', records) };
  }
  if (family === 'kvm') {
    const qxl = byName(release, 'qxl');
    const hasQxl = !!qxl && (!host.qemu || host.qemu.devices.includes(qxl.model));
    if (hasQxl) return { type: 'spice', because: because(`SPICE, virt-install's default, since ${host.qemu ? `${host.qemu.binary} has qxl-vga (built with SPICE)` : `${release.name} offers qxl`}`, 'graphics.spice-default', records) };
    return { type: 'vnc', because: because(`VNC: ${host.qemu ? `${host.qemu.binary} has no qxl-vga (no SPICE)` : `${release.name} offers no qxl`}`, 'graphics.vnc', records) };
  }
  return { type: 'vnc', because: because(`VNC console`, 'graphics.vnc', records) };
}

function kvmDevices(ctx: Ctx, machine: 'q35' | 'pc', firmware: FirmwareChoice, graphics: 'spice' | 'vnc' | 'none'): PlannedDevice[] {
  const { spec, release, label, guest } = ctx;
  const out: PlannedDevice[] = [];
  const pcie = machine === 'q35';
  const chipsetCtrl = pcie ? 'ahci' : 'ide';
  const chipsetBus = pcie ? 'sata' : 'ide';
  const chipsetRule = (rd: ReleaseDeviceFact) =>
    matchesKey(rd, chipsetCtrl)
      ? {
          rule: 'storage.chipset-controller',
          reason: `${pcie ? `SATA on the ICH9 AHCI controller built into q35, which ${label} drives with the q35 chipset` : 'IDE on the PIIX3 controller built into pc, which every x86 guest drives'} (virt-install's choice too)`,
        }
      : null;
  const virtioBus = (rd: ReleaseDeviceFact, path: string) =>
    path === 'paravirtual' && rd.device.paravirtInterface.startsWith('VIRTIO') ? 'virtio' : rd.device.bus;

  // disks
  let boot = 1;
  for (const [i, d] of diskSpecs(spec).entries()) {
    const cd = d.device === 'cdrom';
    const id = d.name ?? `${cd ? 'cdrom' : 'disk'}${i}`;
    const busWish = d.bus;
    const slot: Slot = {
      role: cd ? 'cdrom' : 'disk',
      id,
      classes: ['STORAGE', 'STORAGE_CONTROLLER'],
      allow: (rd) => {
        if (rd.device.class === 'STORAGE_CONTROLLER' && rd.device.kind === 'PARAVIRTUAL') return busWish === 'scsi';
        if (rd.device.class === 'STORAGE' && rd.device.kind === 'PARAVIRTUAL') return !cd && (busWish === 'auto' || busWish === 'virtio');
        if (busWish === 'nvme') return matchesKey(rd, 'nvme');
        if (busWish === 'sata') return matchesKey(rd, 'ahci');
        if (busWish === 'ide') return matchesKey(rd, 'ide');
        return matchesKey(rd, chipsetCtrl);
      },
      emulatedOrder: busWish === 'nvme' ? ['nvme'] : busWish === 'sata' ? ['ahci'] : busWish === 'ide' ? ['ide'] : [chipsetCtrl],
      ruleSupported: chipsetRule,
      prefer: cd ? 'emulated' : d.prefer === 'passthrough' ? 'auto' : d.prefer,
      required: true,
      busOf: (rd, path) => (matchesKey(rd, 'ahci') ? 'sata' : matchesKey(rd, 'ide') ? 'ide' : matchesKey(rd, 'nvme') ? 'nvme' : rd.device.class === 'STORAGE_CONTROLLER' ? 'scsi' : virtioBus(rd, path)),
    };
    if (busWish === 'ide' && pcie) throw new PlanError('SPEC_CONFLICT', `${id}: IDE on q35`, `${id}: q35 has no IDE controller; use sata or machine: pc`);
    if (busWish === 'sata' && !pcie) throw new PlanError('SPEC_CONFLICT', `${id}: SATA on pc`, `${id}: pc (i440FX) has no AHCI controller; use ide or machine: q35`);
    const { device } = chooseDevice(ctx.devctx, slot);
    const dev = device!;
    if (dev.class === 'STORAGE_CONTROLLER' && dev.path === 'paravirtual') {
      // a virtio-scsi HBA for the disk
      let hba = out.find((x) => x.role === 'storage-controller' && x.model === dev.model);
      if (!hba) {
        hba = { ...dev, id: `scsi${out.filter((x) => x.role === 'storage-controller').length}`, role: 'storage-controller', bus: 'virtio' };
        out.push(hba);
      }
      Object.assign(dev, { model: 'scsi-hd', bus: 'scsi', controller: hba.id, because: { ...dev.because, reason: `on ${hba.model}: ${dev.because.reason}` } });
    }
    if (cd) dev.because.reason = `CD-ROM on the chipset's ${chipsetBus.toUpperCase()} bus, as virt-install does on x86; ${dev.because.reason}`;
    if (dev.class === 'STORAGE_CONTROLLER' && dev.path !== 'paravirtual') dev.class = 'STORAGE';
    const bootIndex = d.boot === false || spec.boot ? null : boot++;
    attachDisk(dev, d, i, bootIndex);
    // virt-install: virtio if supports_virtiodisk, else sata on q35, else ide
    const theirs = !cd && OSINFO.virtioBlock.some((x) => guestSupport({ ...ctx.devctx, allowAddon: false }, x).ok) ? 'virtio' : chipsetBus;
    if (dev.bus !== theirs && busWish === 'auto')
      dev.because.differsFrom = { tool: 'virt-install', theirs, why: ctx.spec.drivers.addon && dev.driver?.source === 'ADDON' ? `the spec says ${label}'s add-on drivers are installed (virt-install uses them only for unattended installs)` : dev.because.reason };
    out.push(dev);
  }

  // NICs (virtinst devices/interface.py default_model)
  const nicOrder = pcie ? ['e1000e', 'e1000', 'rtl8139', 'ne2k_pci', 'pcnet'] : ['e1000', 'rtl8139', 'ne2k_pci', 'pcnet', 'e1000e'];
  for (const [i, n] of nicSpecs(spec).entries()) {
    const id = n.name ?? `net${i}`;
    if (n.model) {
      const rd = byName(release, n.model);
      if (!rd) throw new PlanError('SPEC_CONFLICT', `${id}: model ${n.model}`, `${id}: ${release.name} has no NIC model ${n.model} (offers ${release.devices.filter((d) => d.device.class === 'NETWORK').map((d) => d.model).join(', ')})`, [release.id]);
      const s = guestSupport(ctx.devctx, rd.device.id);
      if (!s.ok) ctx.warnings.push(`${id}: ${s.why.replace('it', rd.device.name)}; the spec asks for it`);
      const dev: PlannedDevice = {
        id, role: 'nic', class: 'NETWORK', path: rd.device.kind === 'PARAVIRTUAL' ? 'paravirtual' : 'emulated', model: rd.model, deviceId: rd.device.id,
        paravirtInterface: rd.device.paravirtInterface, bus: rd.device.paravirtInterface.startsWith('VIRTIO') ? 'virtio' : 'pci',
        driver: s.ok ? { source: s.source, name: s.driverName } : null,
        because: because(`the spec asks for ${n.model}`, 'device.from-spec', [rd.device.id, release.id]),
      };
      attachNic(ctx, dev, n, i, '52:54:00');
      out.push(dev);
      continue;
    }
    const slot: Slot = {
      role: 'nic',
      id,
      classes: ['NETWORK'],
      emulatedOrder: nicOrder,
      prefer: n.prefer,
      passthrough: n.passthrough,
      required: true,
      lastResort: () => {
        const rd = byName(release, nicOrder[0]);
        return rd
          ? { rd, model: rd.model, bus: 'pci', path: 'emulated', rule: 'nic.virt-install-default', reason: `no record that ${label} drives any NIC ${release.name} offers; ${rd.model}, virt-install's default for ${machine}` }
          : null;
      },
      busOf: virtioBus,
    };
    const { device } = chooseDevice(ctx.devctx, slot);
    const dev = device!;
    attachNic(ctx, dev, n, i, '52:54:00');
    const theirs = OSINFO.virtioNet.some((x) => guestSupport({ ...ctx.devctx, allowAddon: false }, x).ok) ? 'virtio' : pcie ? 'e1000e' : virtInstallLegacyNic(ctx);
    const ours = dev.paravirtInterface.startsWith('VIRTIO') ? 'virtio' : dev.model;
    if (ours !== theirs && dev.path !== 'passthrough')
      dev.because.differsFrom = { tool: 'virt-install', theirs, why: ctx.spec.drivers.addon && dev.driver?.source === 'ADDON' ? `the spec says ${label}'s add-on drivers are installed` : dev.because.reason };
    out.push(dev);
  }

  // display (virtinst devices/video.py default_model)
  if (graphics !== 'none') {
    const order = graphics === 'spice' ? ['qxl', 'vga'] : ['vga'];
    const slot: Slot = {
      role: 'display',
      id: 'video0',
      classes: ['DISPLAY'],
      allow: (rd) => rd.device.kind !== 'PARAVIRTUAL' || matchesKey(rd, 'virtio-gpu'),
      emulatedOrder: order,
      ruleSupported: (rd) => (matchesKey(rd, 'vga') ? { rule: 'display.vga-universal', reason: 'the standard VGA adapter (VESA/VBE), which every x86 guest drives' } : null),
      prefer: 'auto',
      required: true,
      busOf: () => 'pci',
    };
    const { device } = chooseDevice(ctx.devctx, slot);
    const dev = device!;
    const theirs = drivesGuest(ctx, OSINFO.virtioGpu) ? 'virtio' : graphics === 'spice' ? 'qxl' : firmware.type === 'uefi' ? 'bochs' : 'vga';
    const k = deviceKey(dev.deviceId);
    const ours = k === 'virtio-gpu' ? 'virtio' : k === 'qxl' ? 'qxl' : 'vga';
    if (ours !== theirs)
      dev.because.differsFrom = {
        tool: 'virt-install',
        theirs,
        why: theirs === 'bochs' ? `${release.name} has no bochs-display record in the catalogue; VGA serves UEFI too` : theirs === 'qxl' ? `no record that ${label} drives qxl; virt-install does not check` : dev.because.reason,
      };
    out.push(dev);
  }

  // USB controller (virtinst guest._add_default_usb_controller)
  const xhci = byName(release, 'qemu-xhci');
  const usb3 = drivesGuest(ctx, OSINFO.usb3) || (!!xhci && drivesGuest(ctx, xhci.device.id));
  if (spec.usb !== 'none') {
    const slot: Slot = {
      role: 'usb',
      id: 'usb0',
      classes: ['USB_CONTROLLER'],
      emulatedOrder: usb3 ? ['qemu-xhci'] : ['ehci'],
      ruleSupported: (rd) => (matchesKey(rd, 'ehci') ? { rule: 'usb.usb2-universal', reason: `USB 2 (ICH9 EHCI with UHCI companions), which every guest with USB drives${usb3 ? '' : `; no record that ${label} drives qemu-xhci`}` } : null),
      prefer: 'emulated',
      required: false,
      busOf: () => 'pci',
    };
    let { device } = chooseDevice(ctx.devctx, slot);
    if (!device && !byName(release, 'ehci')) {
      // QEMU has had ICH9 EHCI/UHCI since 1.x; a release without a record for it still has it
      device = {
        id: 'usb0', role: 'usb', class: 'USB_CONTROLLER', path: 'emulated', model: 'ich9-usb-ehci1', deviceId: null, paravirtInterface: 'NONE', bus: 'pci',
        driver: { source: 'RULE', name: 'ehci-hcd/uhci-hcd' },
        because: because(`USB 2 (ICH9 EHCI with UHCI companions), which every guest with USB drives${usb3 ? '' : `; no record that ${label} drives qemu-xhci`} (QEMU's ich9-usb-ehci1; the catalogue has no record for it)`, 'usb.usb2-universal', [guest.id, release.id]),
      };
    }
    if (device) {
      if (device.model === 'qemu-xhci') device.options = { ports: 15 };
      if (device.model === 'ich9-usb-ehci1') device.options = { companions: 'ich9-usb-uhci1,ich9-usb-uhci2,ich9-usb-uhci3' };
      out.push(device);
    }
  }

  // input (virtinst guest._add_default_input_device: USB tablet on x86 when there is graphics and USB)
  if (graphics !== 'none' && spec.usb !== 'none' && out.some((d) => d.role === 'usb')) {
    const slot: Slot = {
      role: 'input',
      id: 'input0',
      classes: ['INPUT'],
      allow: (rd) => rd.device.bus === 'usb',
      emulatedOrder: ['usb-tablet'],
      ruleSupported: () => ({ rule: 'input.usb-hid-class', reason: 'a USB tablet, driven by the USB HID class driver every guest with USB has (absolute pointer; virt-install adds it on x86)' }),
      prefer: 'emulated',
      required: false,
      busOf: () => 'usb',
    };
    const { device } = chooseDevice(ctx.devctx, slot);
    if (device) out.push(device);
  }

  // sound: virt-install adds it with SPICE only (guest._add_spice_sound; devices/sound.py)
  if (graphics === 'spice' && spec.sound !== 'none') {
    const order = pcie ? ['ich9-hda', 'ich6', 'ac97'] : ['ich6', 'ich9-hda', 'ac97'];
    const { device, skipped } = chooseDevice(ctx.devctx, { role: 'sound', id: 'sound0', classes: ['SOUND'], emulatedOrder: order, prefer: 'emulated', required: false, busOf: () => 'pci' });
    const theirs = pcie ? 'ich9-hda' : 'ich6';
    if (device) {
      if (deviceKey(device.deviceId) !== theirs)
        device.because.differsFrom = { tool: 'virt-install', theirs, why: `no record that ${label} drives ${theirs}; virt-install does not check` };
      out.push(device);
    } else if (skipped)
      ctx.omitted.push({ id: 'sound0', role: 'sound', because: { ...skipped, differsFrom: { tool: 'virt-install', theirs, why: `no record that ${label} drives any sound device ${release.name} offers; virt-install adds ${theirs} with SPICE without checking` } } });
  } else if (spec.sound !== 'none') {
    ctx.omitted.push({ id: 'sound0', role: 'sound', because: because(graphics === 'none' ? 'no display, no sound' : 'sound comes with SPICE only (as virt-install does)', 'sound.with-spice', [release.id]) });
  }

  // virtio RNG, balloon, guest agent channel: only when the guest drives them (paravirtual only)
  const pvOnly = (role: 'rng' | 'balloon' | 'guest-agent', id: string, cls: 'RNG' | 'BALLOON' | 'CONSOLE', toggle: 'auto' | 'none', what: string) => {
    if (toggle === 'none') return;
    const { device, skipped } = chooseDevice(ctx.devctx, { role, id, classes: [cls], emulatedOrder: [], prefer: 'paravirtual', required: false, busOf: virtioBus });
    if (device) {
      if (role === 'rng') device.options = { source: '/dev/urandom' };
      if (role === 'guest-agent') device.options = { channel: 'org.qemu.guest_agent.0' };
      out.push(device);
    } else if (skipped) {
      ctx.omitted.push({ id, role, because: { ...skipped, reason: `no ${what}: ${label} has no paravirtual driver for one ${release.name} offers (there is no emulated ${what})`, rule: `${role}.paravirtual-only` } });
    }
  };
  pvOnly('rng', 'rng0', 'RNG', spec.rng, 'entropy');
  pvOnly('balloon', 'balloon0', 'BALLOON', spec.balloon, 'memory balloon');
  pvOnly('guest-agent', 'channel0', 'CONSOLE', spec.guestAgent, 'guest agent');

  // serial console (virtinst guest._add_default_console_device)
  out.push({
    id: 'serial0', role: 'console', class: 'CONSOLE', path: 'builtin', model: 'isa-serial', deviceId: byName(release, 'isa-serial')?.device.id ?? null, paravirtInterface: 'NONE', bus: 'isa',
    driver: { source: 'RULE', name: '8250/16550 UART' },
    because: because('a serial console (16550 UART on the ISA bus), which every x86 guest drives; virt-install adds one too', 'console.serial', [ctx.release.id]),
  });
  return out;
}

function drivesGuest(ctx: Ctx, id: string): boolean {
  return guestSupport(ctx.devctx, id).ok;
}

function virtInstallLegacyNic(ctx: Ctx): string {
  for (const pref of ['e1000', 'rtl8139', 'ne2k_pci', 'pcnet']) if (ctx.guest.devices.some((d) => d.supported && d.device.class === 'NETWORK' && d.device.name === pref)) return pref;
  return 'e1000';
}

function decideKvmTpm(ctx: Ctx, firmware: FirmwareChoice, machine: 'q35' | 'pc'): Plan['tpm'] {
  const { spec, guest, host, release, label } = ctx;
  const records = [guest.id, release.id];
  const required = spec.tpm === 'required' || guest.tpmRequired === true;
  if (spec.tpm === 'none') {
    if (guest.tpmRequired) ctx.warnings.push(`${label} requires a TPM 2.0 but the spec turns the TPM off; its installer will refuse`);
    return { present: false, model: null, version: null, backend: null, because: because('the spec turns the TPM off', 'tpm.from-spec', records) };
  }
  const wanted = required || firmware.type === 'uefi';
  if (!wanted)
    return { present: false, model: null, version: null, backend: null, because: because(`no TPM: ${label} does not require one and boots with BIOS (virt-install adds a TPM only with UEFI)`, 'tpm.with-uefi', records) };
  const model = machine === 'q35' && byName(release, 'tpm-crb') ? 'tpm-crb' : byName(release, 'tpm-tis') ? 'tpm-tis' : null;
  const why = !host.swtpm ? `${host.name} has no swtpm (Debian package swtpm) to emulate it` : !model ? `${release.name} offers no TPM model` : null;
  if (why) {
    if (required) throw new PlanError('TPM_UNAVAILABLE', 'an emulated TPM 2.0', `${guest.tpmRequired ? `${label} requires a TPM 2.0` : 'the spec requires a TPM'} but ${why}`, records);
    return { present: false, model: null, version: null, backend: null, because: because(`no TPM: ${why}`, 'tpm.unavailable', records) };
  }
  const tpmRd = byName(release, model!);
  return {
    present: true,
    model,
    version: '2.0',
    backend: 'emulator',
    because: because(
      `${guest.tpmRequired ? `${label} requires a TPM 2.0` : 'a UEFI guest targets a modern platform, which virt-install gives a TPM'}; ${model} emulated by swtpm (${host.swtpm!.binary})`,
      guest.tpmRequired ? 'tpm.guest-requires' : 'tpm.with-uefi',
      [...records, ...(tpmRd ? [tpmRd.device.id] : [])],
    ),
  };
}

// ───────────────────────────── Xen ─────────────────────────────

function decideXen(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  const { missing } = hostHasRequired(ctx.release, ctx.host);
  const hw = missing.length === 0 && ['vmx', 'svm'].some((f) => host.cpu.flags.includes(f));
  const supports = (k: string) => ctx.guest.paravirt.some((p) => p.feature.key === k && p.supported) && release.paravirt.some((p) => p.feature.key === k && p.supported);
  const pvDrivers = supports('xen-hvm-pv-drivers') || ['http://xen.org/xen/vif', 'http://xen.org/xen/vbd'].some((id) => guestSupport(ctx.devctx, id).ok);
  const rejected: { option: string; why: string }[] = [];
  let backend: 'xen-pvh' | 'xen-hvm-pv-drivers' | 'xen-pv' | 'xen-hvm';
  const hwWhy = hw ? '' : `host ${host.name} lacks ${missing.join('/') || 'vmx/svm'} (HVM and PVH need hardware virtualization)`;
  if (hw && supports('xen-pvh') && (spec.boot || guestFirmware(ctx).biosSupported !== false)) backend = 'xen-pvh';
  else {
    if (!supports('xen-pvh')) rejected.push({ option: 'PVH', why: `no record that ${label} boots as a PVH guest` });
    else if (!hw) rejected.push({ option: 'PVH', why: hwWhy });
    if (hw && pvDrivers) backend = 'xen-hvm-pv-drivers';
    else {
      if (!pvDrivers) rejected.push({ option: 'HVM with PV drivers', why: `${label} has no Xen PV front-end drivers${ctx.spec.drivers.addon ? '' : ' (or they are add-ons the spec does not declare)'}` });
      else rejected.push({ option: 'HVM with PV drivers', why: hwWhy });
      if (supports('xen-pv')) backend = 'xen-pv';
      else if (hw) backend = 'xen-hvm';
      else {
        rejected.push({ option: 'PV', why: `no record that ${label} runs as a Xen PV guest` });
        throw new PlanError('NO_BACKEND', `a Xen mode ${label} supports on this host`, `no Xen mode fits: ${rejected.map((r) => `${r.option}: ${r.why}`).join('; ')}`, records);
      }
    }
  }
  const backendReason: Record<typeof backend, string> = {
    'xen-pvh': `${label} boots as a PVH guest: hardware virtualization for the CPU and memory, PV drivers for I/O, no device model`,
    'xen-hvm-pv-drivers': `${label} runs as HVM with its Xen PV front-ends for disks and NICs`,
    'xen-pv': `${label} runs as a PV guest${hw ? '' : `; ${hwWhy}`}`,
    'xen-hvm': `${label} has no Xen PV support: fully emulated HVM`,
  };
  const acceleration = {
    mode: (hw ? 'hardware' : 'paravirtual-only') as Acceleration,
    because: because(hw ? `${host.name} has ${['vmx', 'svm'].filter((f) => host.cpu.flags.includes(f)).join('')}` : hwWhy, hw ? 'acceleration.hardware' : 'acceleration.pv-only', [release.id, ...hwVirtRecords(ctx)]),
  };
  const pvMode = backend === 'xen-pvh' || backend === 'xen-pv';
  const machineType = backend === 'xen-pvh' ? 'pvh' : backend === 'xen-pv' ? 'pv' : 'hvm';

  // firmware
  let firmware: FirmwareChoice;
  if (pvMode) {
    if (spec.firmware !== 'auto' && spec.firmware !== 'bios') throw new PlanError('NO_FIRMWARE', spec.firmware, `${machineType.toUpperCase()} guests boot a kernel or pvgrub, not ${spec.firmware}`, records);
    firmware = spec.boot
      ? { type: 'direct-kernel', secureBoot: false, code: null, varsTemplate: null, descriptor: null, because: because(`${machineType.toUpperCase()} boots the kernel ${spec.boot.kernel} directly`, 'firmware.xen-direct-kernel', records) }
      : {
          type: 'direct-kernel', secureBoot: false,
          code: backend === 'xen-pvh' ? '/usr/lib/grub-xen/grub-i386-xen_pvh.bin' : '/usr/lib/grub-xen/grub-x86_64-xen.bin',
          varsTemplate: null, descriptor: null,
          because: because(`${machineType.toUpperCase()} guests boot through pvgrub (Debian grub-xen-bin), which reads the guest's own GRUB configuration`, 'firmware.xen-pvgrub', records),
        };
  } else {
    const w = firmwareWish(ctx, true);
    firmware = { type: w.wish === 'bios' ? 'bios' : 'uefi', secureBoot: false, code: w.wish === 'bios' ? null : 'ovmf', varsTemplate: null, descriptor: null, because: w.because };
    if (w.wish === 'uefi-secure-boot') throw new PlanError('NO_FIRMWARE', 'UEFI Secure Boot', `xl's OVMF has no Secure Boot key enrolment; ${label} needs Secure Boot`, records);
  }

  // devices
  const devices: PlannedDevice[] = [];
  const allow = (rd: ReleaseDeviceFact) => (pvMode ? rd.device.bus === 'xen' : true);
  const xenBus = (rd: ReleaseDeviceFact) => (rd.device.bus === 'xen' ? 'xen' : matchesKey(rd, 'ide') ? 'ide' : matchesKey(rd, 'ahci') ? 'sata' : 'pci');
  let boot = 1;
  for (const [i, d] of diskSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      role: d.device === 'cdrom' ? 'cdrom' : 'disk', id: d.name ?? `${d.device === 'cdrom' ? 'cdrom' : 'disk'}${i}`, classes: ['STORAGE', 'STORAGE_CONTROLLER'], allow,
      emulatedOrder: ['ide'], ruleSupported: (rd) => (matchesKey(rd, 'ide') ? { rule: 'storage.chipset-controller', reason: 'IDE emulated by the Xen device model (PIIX3), which every x86 guest drives' } : null),
      prefer: d.prefer === 'passthrough' ? 'auto' : d.prefer, required: true, busOf: xenBus,
    });
    attachDisk(device!, d, i, d.boot === false ? null : boot++);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      // HVM: the device model's NICs; its virtio-net counts as emulated here (Xen's own PV NIC is vif)
      role: 'nic', id: n.name ?? `vif${i}`, classes: ['NETWORK'], allow, emulatedOrder: ['e1000', 'rtl8139', 'virtio-net'], prefer: n.prefer, passthrough: n.passthrough, required: true, busOf: xenBus,
    });
    attachNic(ctx, device!, n, i, '00:16:3e');
    devices.push(device!);
  }
  const graphics = decideGraphics(ctx, 'xen');
  if (graphics.type !== 'none') {
    const { device } = chooseDevice(ctx.devctx, {
      role: 'display', id: 'video0', classes: ['DISPLAY'], allow: (rd) => (pvMode ? rd.device.bus === 'xen' : rd.device.bus !== 'xen'), emulatedOrder: ['vga', 'cirrus'],
      ruleSupported: (rd) => (matchesKey(rd, 'vga') ? { rule: 'display.vga-universal', reason: 'the standard VGA adapter, which every x86 guest drives' } : null),
      prefer: 'auto', required: false, busOf: xenBus,
    });
    if (device) devices.push(device);
  }
  devices.push({
    id: 'console0', role: 'console', class: 'CONSOLE', path: pvMode ? 'paravirtual' : 'builtin', model: pvMode ? 'console' : 'serial', deviceId: pvMode ? 'http://xen.org/xen/console' : null,
    paravirtInterface: pvMode ? 'XEN_PV' : 'NONE', bus: pvMode ? 'xen' : 'isa', driver: { source: 'RULE', name: pvMode ? 'hvc (xen console)' : '8250' },
    because: because(pvMode ? 'the Xen PV console (hvc0)' : 'an emulated serial port', 'console.xen', [release.id]),
  });

  const paravirt: ParavirtChoice[] = [];
  if (!pvMode && ctx.isWindows) {
    for (const c of paravirtChoices(ctx, 'HYPERV', null)) paravirt.push({ ...c, because: { ...c.because, reason: `${c.because.reason} (Xen viridian)` } });
  }
  const tpm = decideOtherTpm(ctx, 'Xen vTPM stub domains are not planned here');
  return {
    acceleration,
    backend: { key: backend, because: because(backendReason[backend], `backend.${backend}`, records, { rejected }) },
    machine: { type: machineType, versioned: null, because: because(`xl type=${machineType}`, 'machine.xen-type', records) },
    firmware,
    cpu: { mode: 'host' as const, model: null, disabledFeatures: [], vcpus, topology: { sockets: 1, cores: vcpus, threads: 1 }, because: because('Xen presents the host CPU through its CPUID policy', 'cpu.xen-host', records) },
    clock: { offset: ctx.isWindows ? ('localtime' as const) : ('utc' as const), timers: [], because: because(ctx.isWindows ? 'Windows keeps the RTC in local time (localtime=1)' : 'RTC in UTC', 'clock.xen', records) },
    features: { acpi: !pvMode || backend === 'xen-pvh', apic: !pvMode || backend === 'xen-pvh', smm: false, vmport: null, because: because('ACPI and APIC for HVM/PVH guests', 'features.xen', records) },
    paravirt,
    tpm,
    graphics,
    devices,
    boot: spec.boot ? { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null } : null,
  };
}

/** No TPM on this hypervisor: an error when the guest or spec requires one. */
function decideOtherTpm(ctx: Ctx, why: string): Plan['tpm'] {
  const { spec, guest, label, release } = ctx;
  const required = spec.tpm === 'required' || guest.tpmRequired === true;
  if (spec.tpm === 'none') return { present: false, model: null, version: null, backend: null, because: because('the spec turns the TPM off', 'tpm.from-spec', [guest.id]) };
  if (required) throw new PlanError('TPM_UNAVAILABLE', 'a virtual TPM 2.0', `${guest.tpmRequired ? `${label} requires a TPM 2.0` : 'the spec requires a TPM'}: ${why}`, [guest.id, release.id]);
  return { present: false, model: null, version: null, backend: null, because: because(`no TPM: ${why}`, 'tpm.unavailable', [guest.id, release.id]) };
}

// ───────────────────────────── VMware ESXi ─────────────────────────────

function decideVmware(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  const { missing } = hostHasRequired(ctx.release, ctx.host);
  if (missing.length) throw new PlanError('ACCELERATION_UNAVAILABLE', missing.join(', '), `${release.name} requires ${missing.join(', ')}, which ${host.name} lacks`, [release.id, ...missing]);
  const vhw = release.virtualHardwareVersion ?? 0;
  const w = firmwareWish(ctx, true);
  const firmware: FirmwareChoice = {
    type: w.wish === 'bios' ? 'bios' : 'uefi', secureBoot: w.wish === 'uefi-secure-boot', code: null, varsTemplate: null, descriptor: null,
    template: w.wish === 'uefi-secure-boot' ? 'efi.secureBoot.enabled' : null, because: w.because,
  };
  const q35Like = guestSupport(ctx.devctx, OSINFO.q35).ok;
  const devices: PlannedDevice[] = [];
  const drivesAhci = q35Like || ctx.guest.devices.some((d) => d.supported && deviceKey(d.device.id) === 'ahci');
  const storageOrder = drivesAhci ? ['ahci', 'lsisas1068', 'lsilogic', 'ide'] : ['ide', 'lsilogic'];
  let boot = 1;
  for (const [i, d] of diskSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      role: d.device === 'cdrom' ? 'cdrom' : 'disk', id: d.name ?? `disk${i}`, classes: ['STORAGE', 'STORAGE_CONTROLLER'], emulatedOrder: d.device === 'cdrom' ? (drivesAhci ? ['ahci', 'ide'] : ['ide']) : storageOrder,
      ruleSupported: (rd) => (matchesKey(rd, 'ahci') && drivesAhci ? { rule: 'storage.ahci-class', reason: `VMware SATA (AHCI), driven by the AHCI class driver ${label} has` } : matchesKey(rd, 'ide') ? { rule: 'storage.chipset-controller', reason: 'IDE, which every x86 guest drives' } : null),
      prefer: d.device === 'cdrom' ? 'emulated' : d.prefer === 'passthrough' ? 'auto' : d.prefer, required: true,
      busOf: (rd) => { const k = deviceKey(rd.device.id); return k === 'ahci' ? 'sata' : k === 'ide' ? 'ide' : k === 'nvme' ? 'nvme' : 'scsi'; },
    });
    attachDisk(device!, d, i, d.boot === false ? null : boot++);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, { role: 'nic', id: n.name ?? `ethernet${i}`, classes: ['NETWORK'], emulatedOrder: ['e1000e', 'e1000'], prefer: n.prefer, passthrough: n.passthrough, required: true, busOf: () => 'pci' });
    attachNic(ctx, device!, n, i, '00:50:56');
    devices.push(device!);
  }
  const graphics = decideGraphics(ctx, 'other');
  if (graphics.type !== 'none') {
    const svga = byName(release, 'vmware-svga');
    if (svga)
      devices.push({ id: 'svga0', role: 'display', class: 'DISPLAY', path: 'emulated', model: svga.model, deviceId: svga.device.id, paravirtInterface: 'NONE', bus: 'pci', driver: { source: 'RULE', name: 'VESA/vmwgfx' },
        because: because('VMware SVGA II, present in every VMware VM (guests without its driver use it as VESA)', 'display.vmware-svga', [release.id]) });
    const xhci = guest.devices.some((d) => d.supported && d.device.class === 'USB_CONTROLLER' && /xhci/.test(deviceKey(d.device.id) ?? d.device.name));
    const rd = byName(release, 'xhci');
    if (xhci && rd && spec.usb !== 'none')
      devices.push({ id: 'usb0', role: 'usb', class: 'USB_CONTROLLER', path: 'emulated', model: rd.model, deviceId: rd.device.id, paravirtInterface: 'NONE', bus: 'pci', driver: { source: 'RULE', name: 'xhci' },
        because: because(`${label} drives xHCI controllers (xHCI is a class interface)`, 'usb.xhci-class', [guest.id, rd.device.id]) });
  }
  const tpmWanted = spec.tpm === 'required' || guest.tpmRequired === true;
  let tpm: Plan['tpm'];
  if (spec.tpm === 'none' || !tpmWanted) tpm = { present: false, model: null, version: null, backend: null, because: because(spec.tpm === 'none' ? 'the spec turns the TPM off' : `no TPM: ${label} does not require one`, 'tpm.vmware', records) };
  else if (firmware.type !== 'uefi') throw new PlanError('TPM_UNAVAILABLE', 'vTPM with UEFI', 'VMware vTPM needs EFI firmware', records);
  else {
    ctx.warnings.push('VMware vTPM needs a key provider configured on vCenter/ESXi (VM encryption)');
    tpm = { present: true, model: 'vtpm', version: '2.0', backend: null, because: because(`${label} requires a TPM 2.0; VMware vTPM (virtual hardware ≥ 14, EFI)`, 'tpm.guest-requires', records) };
  }
  return {
    acceleration: { mode: 'hardware' as Acceleration, because: because(`${host.name} has the hardware virtualization ESXi requires`, 'acceleration.hardware', [release.id, ...hwVirtRecords(ctx)]) },
    backend: { key: `vmware-vhw-${vhw}`, because: because(`virtual hardware version ${vhw}, the newest ${release.name} runs`, 'backend.vmware-vhw', records) },
    machine: { type: `vmx-${vhw}`, versioned: null, because: because(`virtualHW.version = ${vhw}`, 'machine.vmware-vhw', records) },
    firmware,
    cpu: { mode: 'host' as const, model: null, disabledFeatures: [], vcpus, topology: { sockets: 1, cores: vcpus, threads: 1 }, because: because(ctx.migrationHosts.length ? 'ESXi levels CPUs across hosts with an EVC mode on the cluster' : 'ESXi presents the host CPU', 'cpu.vmware', records) },
    clock: { offset: ctx.isWindows ? ('localtime' as const) : ('utc' as const), timers: [], because: because('VMware Tools keeps time; RTC offset per guest family', 'clock.vmware', records) },
    features: { acpi: true, apic: true, smm: false, vmport: null, because: because('ACPI and APIC', 'features.x86', records) },
    paravirt: [] as ParavirtChoice[],
    tpm,
    graphics,
    devices,
    boot: null,
  };
}

// ───────────────────────────── Hyper-V ─────────────────────────────

function decideHyperv(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  const { missing } = hostHasRequired(ctx.release, ctx.host);
  if (missing.length) throw new PlanError('ACCELERATION_UNAVAILABLE', missing.join(', '), `${release.name} requires ${missing.join(', ')}, which ${host.name} lacks`, [release.id, ...missing]);
  const g = guestFirmware(ctx);
  const wantBios = spec.firmware === 'bios';
  const gen2 = !wantBios && (g.uefiSupported === true || spec.firmware.startsWith('uefi'));
  if (!gen2 && g.biosSupported === false) throw new PlanError('NO_FIRMWARE', 'generation 1 (BIOS)', `${label} does not boot with BIOS, and generation 2 needs UEFI support`, records);
  if (gen2 && g.uefiSupported === false) throw new PlanError('NO_FIRMWARE', 'generation 2 (UEFI)', `${label} does not boot with UEFI`, records);
  const sb = gen2 && g.secureBoot !== false && spec.firmware !== 'uefi';
  const firmware: FirmwareChoice = {
    type: gen2 ? 'uefi' : 'bios', secureBoot: sb, code: null, varsTemplate: null, descriptor: null,
    template: sb ? (ctx.isWindows ? 'MicrosoftWindows' : 'MicrosoftUEFICertificateAuthority') : null,
    because: because(gen2 ? `generation 2 (UEFI)${sb ? `, Secure Boot with the ${ctx.isWindows ? 'MicrosoftWindows' : 'MicrosoftUEFICertificateAuthority'} template` : ''}` : 'generation 1 (BIOS)', 'firmware.hyperv-generation', records),
  };
  const vmbusOnly = (rd: ReleaseDeviceFact) => (gen2 ? rd.device.bus === 'vmbus' : true);
  const devices: PlannedDevice[] = [];
  for (const [i, d] of diskSpecs(spec).entries()) {
    const bootDiskGen1 = !gen2 && i === 0;
    const { device } = chooseDevice(ctx.devctx, {
      role: d.device === 'cdrom' ? 'cdrom' : 'disk', id: d.name ?? `disk${i}`, classes: ['STORAGE', 'STORAGE_CONTROLLER'],
      allow: (rd) => (bootDiskGen1 ? matchesKey(rd, 'ide') : vmbusOnly(rd)),
      emulatedOrder: ['ide'],
      ruleSupported: (rd) => (matchesKey(rd, 'ide') ? { rule: bootDiskGen1 ? 'hyperv.gen1-boots-from-ide' : 'storage.chipset-controller', reason: `${bootDiskGen1 ? 'generation 1 VMs boot only from IDE; ' : ''}emulated IDE, which every x86 guest drives` } : null),
      prefer: bootDiskGen1 ? 'emulated' : 'auto', required: true, busOf: (rd) => (rd.device.bus === 'vmbus' ? 'scsi' : 'ide'),
    });
    attachDisk(device!, d, i, i === 0 ? 1 : null);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      role: 'nic', id: n.name ?? `nic${i}`, classes: ['NETWORK'], allow: vmbusOnly, emulatedOrder: ['tulip'], prefer: n.prefer, passthrough: n.passthrough, required: true, busOf: (rd) => rd.device.bus,
    });
    attachNic(ctx, device!, n, i, '00:15:5d');
    devices.push(device!);
  }
  const graphics = decideGraphics(ctx, 'other');
  if (graphics.type !== 'none') {
    const { device } = chooseDevice(ctx.devctx, { role: 'display', id: 'video0', classes: ['DISPLAY'], emulatedOrder: [], prefer: 'auto', required: false, busOf: (rd) => rd.device.bus });
    if (device) devices.push(device);
  }
  const paravirt = paravirtChoices(ctx, 'HYPERV', null).map((c) => (c.enabled ? { ...c, because: { ...c.because, reason: `${c.because.reason}; native on Hyper-V` } } : c));
  const required = spec.tpm === 'required' || guest.tpmRequired === true;
  let tpm: Plan['tpm'];
  if (spec.tpm === 'none' || !required) tpm = { present: false, model: null, version: null, backend: null, because: because(spec.tpm === 'none' ? 'the spec turns the TPM off' : `no TPM: ${label} does not require one`, 'tpm.hyperv', records) };
  else if (!gen2) throw new PlanError('TPM_UNAVAILABLE', 'vTPM (generation 2)', 'Hyper-V offers a vTPM on generation 2 VMs only', records);
  else tpm = { present: true, model: 'vTPM', version: '2.0', backend: null, because: because(`${label} requires a TPM 2.0; Hyper-V vTPM on generation 2 (key protector needed)`, 'tpm.guest-requires', records) };
  return {
    acceleration: { mode: 'hardware' as Acceleration, because: because(`${host.name} has the hardware virtualization Hyper-V requires`, 'acceleration.hardware', [release.id]) },
    backend: { key: gen2 ? 'hyperv-gen2' : 'hyperv-gen1', because: because(gen2 ? `${label} boots UEFI: generation 2 (synthetic devices only, no legacy emulation)` : `${label} ${spec.firmware === 'bios' ? 'gets BIOS per the spec' : 'has no UEFI record'}: generation 1`, 'backend.hyperv-generation', records) },
    machine: { type: gen2 ? 'generation-2' : 'generation-1', versioned: release.virtualHardwareVersion ? `${release.virtualHardwareVersion}.0` : null, because: because(`configuration version ${release.virtualHardwareVersion ?? '?'}.0 of ${release.name}`, 'machine.hyperv', records) },
    firmware,
    cpu: { mode: 'host' as const, model: null, disabledFeatures: [], vcpus, topology: { sockets: 1, cores: vcpus, threads: 1 }, because: because(ctx.migrationHosts.length ? 'Hyper-V: enable processor compatibility mode for migration across hosts' : 'Hyper-V presents the host CPU', 'cpu.hyperv', records) },
    clock: { offset: ctx.isWindows ? ('localtime' as const) : ('utc' as const), timers: [], because: because('Hyper-V time synchronisation integration service', 'clock.hyperv', records) },
    features: { acpi: true, apic: true, smm: false, vmport: null, because: because('ACPI and APIC', 'features.x86', records) },
    paravirt,
    tpm,
    graphics,
    devices,
    boot: null,
  };
}

// ───────────────────────────── Cloud Hypervisor, Firecracker ─────────────────────────────

const MMIO_AS_PCI: Record<string, string[]> = {
  'http://virtcompat.org/device/virtio-mmio/net': OSINFO.virtioNet,
  'http://virtcompat.org/device/virtio-mmio/block': OSINFO.virtioBlock,
  'http://virtcompat.org/device/virtio-mmio/rng': OSINFO.virtioRng,
  'http://virtcompat.org/device/virtio-mmio/balloon': OSINFO.virtioBalloon,
  'http://virtcompat.org/device/virtio-mmio/vsock': ['http://pcisig.com/pci/1af4/1053'],
};

function decideMicro(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, spec, label } = ctx;
  const fc = ctx.facts.hypervisor.family === 'FIRECRACKER';
  const records = [guest.id, release.id];
  const acceleration = kvmAcceleration(ctx, false);
  if (fc && !spec.boot) throw new PlanError('KERNEL_REQUIRED', 'boot.kernel', `${release.name} boots only a Linux kernel image given in the spec (boot.kernel); it has no firmware`, records);
  if (fc && guest.family !== 'linux') throw new PlanError('NO_BACKEND', 'a Linux guest', `${release.name} runs Linux guests only (virtio-mmio, kernel boot); ${label} is ${guest.family ?? 'unknown family'}`, records);
  let firmware: FirmwareChoice;
  if (spec.boot) firmware = { type: 'direct-kernel', secureBoot: false, code: null, varsTemplate: null, descriptor: null, because: because(`boots the kernel ${spec.boot.kernel} directly`, 'firmware.direct-kernel', records) };
  else {
    const g = guestFirmware(ctx);
    if (g.uefiSupported !== true) throw new PlanError('NO_FIRMWARE', 'UEFI boot or boot.kernel', `${release.name} boots a kernel (boot.kernel) or UEFI (CLOUDHV.fd); no record that ${label} boots UEFI`, records);
    if (spec.firmware === 'uefi-secure-boot') throw new PlanError('NO_FIRMWARE', 'UEFI Secure Boot', `${release.name}'s CLOUDHV firmware has no Secure Boot`, records);
    firmware = { type: 'uefi', secureBoot: false, code: 'CLOUDHV.fd', varsTemplate: null, descriptor: null, because: because(`${label} boots UEFI; Cloud Hypervisor's edk2 build CLOUDHV.fd`, 'firmware.cloudhv', records) };
    ctx.warnings.push('set the path of CLOUDHV.fd (edk2 built for Cloud Hypervisor) when launching');
  }
  const viaMmio = (rd: ReleaseDeviceFact): Support | null => {
    if (!fc) return null;
    if (guest.kernel && compareVersions(guest.kernel, '3.2') < 0)
      return { ok: false, why: `the virtio-mmio transport needs Linux 3.2; ${label} ships ${guest.kernel}` };
    const pciIds = MMIO_AS_PCI[rd.device.id] ?? [];
    const hit = pciIds.map((id) => guestSupport(ctx.devctx, id)).find((s) => s.ok);
    if (!hit || !hit.ok) return { ok: false, why: `${label} drives no virtio ${rd.model.replace('virtio-', '')} device` };
    return { ok: true, source: 'RULE', driverName: null, fact: null, note: `Linux drives virtio ${rd.model.replace('virtio-', '')} over the virtio-mmio transport with the same driver it uses over PCI` };
  };
  const onlyModern = (rd: ReleaseDeviceFact) => fc || rd.device.paravirtInterface === 'VIRTIO_1_0';
  const devices: PlannedDevice[] = [];
  for (const [i, d] of diskSpecs(spec).entries()) {
    if (d.device === 'cdrom') throw new PlanError('SPEC_CONFLICT', `${d.name ?? `disk${i}`}: cdrom`, `${release.name} has no CD-ROM device`, records);
    const { device } = chooseDevice(ctx.devctx, { role: 'disk', id: d.name ?? (fc ? `drive${i}` : `disk${i}`), classes: ['STORAGE'], allow: onlyModern, supportVia: viaMmio, emulatedOrder: [], prefer: 'paravirtual', required: true, busOf: () => (fc ? 'virtio-mmio' : 'virtio') });
    attachDisk(device!, d, i, i === 0 ? 1 : null);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const nicId = n.name ?? (fc ? `eth${i}` : `net${i}`);
    if (n.backend === 'user') ctx.warnings.push(`${nicId}: ${release.name} has no user-mode networking; it needs a tap device (backend: tap)`);
    const { device } = chooseDevice(ctx.devctx, { role: 'nic', id: nicId, classes: ['NETWORK'], allow: onlyModern, supportVia: viaMmio, emulatedOrder: [], prefer: n.prefer === 'emulated' ? 'auto' : n.prefer, passthrough: fc ? undefined : n.passthrough, required: true, busOf: () => (fc ? 'virtio-mmio' : 'virtio') });
    attachNic(ctx, device!, n, i, fc ? '06:00:ac' : '52:54:00');
    devices.push(device!);
  }
  for (const [role, cls, toggle] of [['rng', 'RNG', spec.rng], ['balloon', 'BALLOON', spec.balloon]] as const) {
    if (toggle === 'none') continue;
    const { device } = chooseDevice(ctx.devctx, { role, id: `${role}0`, classes: [cls], allow: onlyModern, supportVia: viaMmio, emulatedOrder: [], prefer: 'paravirtual', required: false, busOf: () => (fc ? 'virtio-mmio' : 'virtio') });
    if (device) devices.push(device);
  }
  devices.push({
    id: 'serial0', role: 'console', class: 'CONSOLE', path: 'builtin', model: 'serial', deviceId: null, paravirtInterface: 'NONE', bus: 'isa', driver: { source: 'RULE', name: '8250' },
    because: because(`${release.name}'s built-in 16550 serial console (ttyS0)`, 'console.serial', [release.id]),
  });
  if (spec.display !== 'none' && spec.display !== 'auto') throw new PlanError('SPEC_CONFLICT', `display ${spec.display}`, `${release.name} has no display device`, records);
  const paravirt = paravirtChoices(ctx, 'KVM', null);
  const tpm = decideOtherTpm(ctx, `${release.name} has no TPM device`);
  const key = fc ? 'firecracker' : 'cloud-hypervisor';
  return {
    acceleration,
    backend: { key, because: because(`${release.name}: virtio-only ${fc ? 'microVM (virtio-mmio)' : 'VMM (virtio-pci)'} on KVM`, `backend.${key}`, records) },
    machine: { type: key, versioned: null, because: because(`${release.name} has a single machine model`, `machine.${key}`, records) },
    firmware,
    cpu: { mode: 'host' as const, model: null, disabledFeatures: [], vcpus, topology: { sockets: 1, cores: vcpus, threads: 1 }, because: because(fc ? 'Firecracker exposes the host CPUID (optionally normalised by a CPU template)' : 'Cloud Hypervisor exposes the host CPUID', 'cpu.host', records) },
    clock: { offset: 'utc' as const, timers: [], because: because('kvm-clock; RTC in UTC', 'clock.kvmclock', records) },
    features: { acpi: !fc, apic: true, smm: false, vmport: null, because: because(fc ? 'no ACPI in Firecracker guests' : 'ACPI', 'features.micro', records) },
    paravirt,
    tpm,
    graphics: { type: 'none' as const, because: because(`${release.name} has no display; serial console only`, 'graphics.none', records) },
    devices,
    boot: spec.boot ? { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null } : null,
  };
}
