// decide(facts, host, spec) → plan or typed error. PURE: no I/O, no clock, no randomness; the same
// input always gives the same plan. Every choice carries `because` (rule + records + what was passed over).
//
// For KVM on x86_64 the defaults follow virt-install (virtinst 4.1: guest.py `_set_default_machine`,
// `_add_default_*`, devices/*.py `default_model`, domain/clock.py, domain/features.py) read against
// the same osinfo facts; where this planner knowingly decides otherwise the choice carries
// `differsFrom` with virt-install's answer and why.
import type { FactsProvenance, PlanningFacts } from '../facts.ts';
import type { HostProfile } from '../host.ts';
import { type DeviceContext } from '../devices.ts';
import { PLAN_SCHEMA, PlanError, type DecideResult, type Plan, type PlannedDriver } from '../plan.ts';
import { type VmSpec } from '../spec.ts';
import { type Ctx, type FamilyPlan, type FamilyPlanner, because } from './context.ts';
import type { HypervisorFamily } from '../facts.ts';
import { kvmPlanner } from './kvm/index.ts';
import { xenPlanner } from './xen.ts';
import { vmwarePlanner } from './vmware.ts';
import { hypervPlanner } from './hyperv.ts';
import { cloudHypervisorPlanner, firecrackerPlanner } from './cloud-hypervisor-firecracker.ts';
import { pickRelease } from './release.ts';
import { decideResources } from './resources.ts';
import { driverChooser, type DriverChoice } from './drivers.ts';

export interface DecideInput {
  facts: PlanningFacts;
  provenance: FactsProvenance;
  host: HostProfile;
  spec: VmSpec;
  /** Other hosts the VM must live-migrate across (constraints.migrateAcross, already loaded). */
  migrationHosts?: HostProfile[];
}

/**
 * One planner per hypervisor family. A new target adds a file exporting a FamilyPlanner and one line here;
 * decideOrThrow does the parts every family shares (release, architecture, compatibility records,
 * resources, migration) around it.
 */
export const PLANNERS: Partial<Record<HypervisorFamily, FamilyPlanner>> = {
  KVM: kvmPlanner,
  XEN: xenPlanner,
  VMWARE: vmwarePlanner,
  HYPERV: hypervPlanner,
  CLOUD_HYPERVISOR: cloudHypervisorPlanner,
  FIRECRACKER: firecrackerPlanner,
};

const WINDOWS_FAMILIES = ['winnt', 'win9x', 'win16'];

/** 32-bit x86 code runs on an x86_64 CPU (the plan stays x86_64; the guest's i686 records apply). */
const RUNS_ON: Record<string, string[]> = { x86_64: ['x86_64', 'i686', 'i586', 'i386'], i686: ['i686', 'i586', 'i386'] };

/** The guest architecture whose records apply on a VM of `arch`, or null when the guest cannot run there. */
export function guestArchOn(architectures: string[], arch: string): string | null {
  if (!architectures.length) return arch;
  return (RUNS_ON[arch] ?? [arch]).find((a) => architectures.includes(a)) ?? null;
}

export function decide(input: DecideInput): DecideResult {
  try {
    return { ok: true, plan: decideOrThrow(input) };
  } catch (err) {
    if (err instanceof PlanError) return { ok: false, error: err };
    throw err;
  }
}

export function decideOrThrow(input: DecideInput): Plan {
  const plan = decideOnce(input);
  // The spec gives the add-on drivers' disc image and the plan relies on a build: plan again with it as a
  // CD-ROM (the family planner puts it on the bus a CD-ROM takes there), unless the spec lists it already.
  const iso = input.spec.drivers.iso;
  if (!iso || !plan.drivers.some((d) => d.build && d.devices.length)) {
    if (iso)
      plan.warnings.push(
        `drivers.iso ${iso} is not attached: the plan relies on no add-on driver build (every driver is inbox or by rule)`,
      );
    return plan;
  }
  if ((input.spec.disks ?? []).some((d) => d.path === iso)) return plan;
  const disks = [...(input.spec.disks ?? [])];
  disks.push({ path: iso, device: 'cdrom', readonly: true, bus: 'auto', prefer: 'auto', boot: false });
  try {
    const withDisc = decideOnce({ ...input, spec: { ...input.spec, disks } });
    const cd = withDisc.devices.find((d) => d.role === 'cdrom' && d.disk?.source === iso);
    if (cd) cd.because.reason = `the add-on drivers' disc (drivers.iso); ${cd.because.reason}`;
    return withDisc;
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    plan.warnings.push(`drivers.iso ${iso} is not attached: ${err.message}`);
    return plan;
  }
}

/** The plan's add-on driver builds: the packages its devices use, and those with no build that devices fell back from. */
function plannedDrivers(
  plan: FamilyPlan,
  made: Map<string, DriverChoice>,
  misses: { package: string; slot: string }[],
  spec: VmSpec,
  label: string,
  warnings: string[],
): PlannedDriver[] {
  const out: PlannedDriver[] = [];
  for (const c of [...made.values()].sort((a, b) => a.package.localeCompare(b.package))) {
    const build = c.build;
    if (build) {
      const devices = plan.devices.filter((d) => d.driver?.source === 'ADDON' && d.because.records.includes(build.id)).map((d) => d.id);
      if (!devices.length) continue;
      const iso = spec.drivers.iso;
      const cd = iso ? plan.devices.find((d) => d.role === 'cdrom' && d.disk?.source === iso) : undefined;
      out.push({
        package: c.package,
        name: c.name,
        build: c.build,
        arch: c.arch,
        devices,
        media: cd && iso ? { device: cd.id, path: iso } : null,
        because: {
          ...c.because,
          reason: `${devices.join(', ')} need${devices.length === 1 ? 's' : ''} ${c.name}: ${c.because.reason}; ${
            cd
              ? `its disc ${iso} is attached as ${cd.id} (drivers.iso)`
              : `install it in ${label} (the spec gives no drivers.iso, so no driver disc is attached)`
          }`,
        },
      });
    } else {
      const slots = [...new Set(misses.filter((m) => m.package === c.package).map((m) => m.slot))];
      // the slots' devices as planned: another path than the package's (none of its builds is there to use)
      const planned = plan.devices.filter((d) => slots.includes(d.id) && d.driver?.source !== 'ADDON');
      const devices = planned.map((d) => d.id);
      if (!devices.length) continue;
      const fell = planned.map((d) => `${d.id} ${d.model}`);
      warnings.push(
        `${c.because.reason}: ${fell.join(', ')} instead of the paravirtual device${devices.length === 1 ? '' : 's'} it drives`,
      );
      out.push({
        package: c.package,
        name: c.name,
        build: null,
        arch: c.arch,
        devices,
        media: null,
        because: {
          ...c.because,
          reason: `${c.because.reason}, so ${fell.join(', ')} ${devices.length === 1 ? 'takes' : 'take'} the place of ${c.package}'s devices`,
        },
      });
    }
  }
  return out;
}

function decideOnce(input: DecideInput): Plan {
  const { facts, host, spec } = input;
  const guest = facts.guest;
  const label = guest.shortIds[0] ?? guest.name;
  const warnings: string[] = [...input.provenance.warnings];
  const arch = spec.arch ?? host.arch;
  const name = spec.name ?? label.replace(/[^a-zA-Z0-9_.-]/g, '-');
  const hv = facts.hypervisor;
  const planner = PLANNERS[hv.family];

  // ── hypervisor release ──
  const { release, because: releaseBecause } = pickRelease(facts, host, spec, warnings);

  // ── architecture ──
  const guestArch = guestArchOn(guest.architectures, arch);
  if (!guestArch) {
    throw new PlanError(
      'GUEST_ARCH_UNSUPPORTED',
      `guest architecture ${arch}`,
      `${label} runs on ${guest.architectures.join(', ')}, not ${arch}`,
      [guest.id],
    );
  }
  if (guestArch !== arch)
    warnings.push(`${label} is a ${guestArch} guest: it runs on the ${arch} VM in 32-bit mode (x86_64 CPUs run i686 code)`);

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

  const isWindows = WINDOWS_FAMILIES.includes(guest.family ?? '');
  const drivers = driverChooser(guest, label, hv.driverPackages, guestArch);
  const driverMisses: { package: string; slot: string }[] = [];
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
    native: planner?.native ?? [],
    // the catalogue's driver packages are Windows driver packages (decide/drivers.ts)
    driverFor: isWindows ? drivers.choose : undefined,
    driverMisses,
    // QEMU models: planned for the release that matches the host's QEMU, checked against what that binary offers
    hostModels:
      hv.family === 'KVM' && host.qemu
        ? new Set([...host.qemu.devices, ...(host.qemu.devices.includes('virtio-vga') ? ['virtio-gpu-pci'] : [])])
        : null,
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
    guestArch,
    name,
    warnings,
    devctx,
    migrationHosts: input.migrationHosts ?? [],
    isWindows,
    omitted: [],
  };

  const resources = decideResources(ctx);
  if (!planner)
    throw new PlanError(
      'NO_BACKEND',
      `a planner for hypervisor family ${hv.family}`,
      `no planner for hypervisor family ${hv.family} (${hv.key})`,
    );
  const plan: FamilyPlan = planner.plan(ctx, resources.vcpus);

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
    drivers: plannedDrivers(plan, drivers.made, driverMisses, spec, label, warnings),
    omitted: ctx.omitted,
    memory: { mib: resources.memoryMiB, because: resources.memoryBecause },
    resources: { because: resources.checks },
    migration,
  };
}

// the helpers other modules and tests use, importable from decide/ as before
export { hostHasRequired } from './acceleration.ts';
export { pickFirmwareDescriptor } from './firmware.ts';
export { OSINFO, VIRT_INSTALL_HYPERV } from './kvm/virt-install.ts';
