// Add-on driver builds: which build of virtio-win, the Xen PV drivers or VMware Tools a guest needs for the
// paravirtual devices it drives with an add-on driver. PURE, from the planning facts (the catalogue's
// driverPackages of the hypervisor and what each build says about the guest release).
//
// The rule (`driver.newest-supporting-build`): the newest build that lists the guest release on its
// architecture as SUPPORTED; newer builds that break the release (BROKEN), dropped it (UNSUPPORTED) or carry
// it for another architecture only are passed over, each with its reason and source. No such build
// (`driver.no-build`): the devices that need the package are not planned paravirtual; the matcher falls back
// to the emulated models (devices.ts), and the plan says why.
//
// The packages are Windows driver packages (virtio-win, the Xen Project's Windows PV drivers, VMware Tools for
// Windows: seed/curated/drivers/*.yaml); other guests drive the same devices with their kernel's own drivers or
// their distribution's, so builds are asked for Windows guests only (decide/index.ts).
import { compareVersions, type DriverPackageFact, type GuestFacts, type ParavirtInterface } from '../facts.ts';
import type { PlannedDriver } from '../plan.ts';

/** The part of a PlannedDriver decided before any device: the package and its build. */
export type DriverChoice = Omit<PlannedDriver, 'devices' | 'media'>;

/**
 * The paravirt feature (DriverPackage.featureKey) whose add-on drives a device of each paravirtual interface:
 * virtio devices → virtio-win, Xen PV front-ends → the Xen PV drivers, VMware's vmxnet3/pvscsi → VMware Tools.
 * Hyper-V's VMBus devices have inbox drivers in every Windows that runs on Hyper-V.
 */
const INTERFACE_FEATURE: Record<ParavirtInterface, string | null> = {
  VIRTIO_LEGACY: 'virtio',
  VIRTIO_TRANSITIONAL: 'virtio',
  VIRTIO_1_0: 'virtio',
  XEN_PV: 'xen-pvhvm',
  VMWARE_PV: 'vmware-pv',
  HYPERV_VMBUS: null,
  NONE: null,
};

/**
 * The hypervisor's driver package for a device the guest drives with an add-on driver: the package the
 * guest's record names, else the one providing the device's paravirt interface; null when the catalogue has
 * none for this hypervisor (the plan then names no build, as before driver builds were data).
 */
export function packageFor(
  packages: DriverPackageFact[],
  paravirtInterface: ParavirtInterface,
  driverName: string | null,
): DriverPackageFact | null {
  const named = driverName ? packages.find((p) => p.key === driverName) : undefined;
  if (named) return named;
  const feature = INTERFACE_FEATURE[paravirtInterface];
  return feature ? (packages.find((p) => p.featureKey === feature) ?? null) : null;
}

const withSource = (text: string, ref: string | null) => (ref ? `${text} (${ref})` : text);

/** The build of `pkg` that `guest` (shown as `label`) needs on `arch`, with the builds passed over and why. */
export function chooseDriverBuild(guest: GuestFacts, label: string, pkg: DriverPackageFact, arch: string): DriverChoice {
  const rows = guest.drivers.filter((d) => d.packageKey === pkg.key);
  const versions = [...new Map(rows.map((r) => [r.buildId, r.version])).entries()].sort(
    (a, b) => compareVersions(b[1], a[1]) || a[0].localeCompare(b[0]),
  );
  const rejected: { option: string; why: string }[] = [];
  for (const [buildId, version] of versions) {
    const name = `${pkg.key} ${version}`;
    const mine = rows.filter((r) => r.buildId === buildId);
    const entry = mine.find((r) => r.arch === arch);
    if (!entry) {
      rejected.push({ option: name, why: `${name} carries ${label} for ${mine.map((r) => r.arch).join(', ')} only, not ${arch}` });
      continue;
    }
    if (entry.status === 'BROKEN') {
      rejected.push({ option: name, why: withSource(`${name} breaks ${label}: ${entry.reason ?? 'no reason given'}`, entry.sourceRef) });
      continue;
    }
    if (entry.status === 'UNSUPPORTED') {
      rejected.push({ option: name, why: withSource(`${name} dropped ${label}: ${entry.reason ?? 'no reason given'}`, entry.sourceRef) });
      continue;
    }
    return {
      package: pkg.key,
      name: pkg.name,
      build: { id: buildId, version, sourceRef: entry.sourceRef },
      arch,
      because: {
        reason: withSource(`${name}, the newest build that supports ${label} on ${arch}`, entry.sourceRef),
        rule: 'driver.newest-supporting-build',
        records: [guest.id, buildId],
        ...(rejected.length ? { rejected } : {}),
      },
    };
  }
  return {
    package: pkg.key,
    name: pkg.name,
    build: null,
    arch,
    because: {
      reason: `no ${pkg.key} build in the catalogue supports ${label} on ${arch}${versions.length ? '' : ` (no build names ${label})`}`,
      rule: 'driver.no-build',
      records: [guest.id, ...versions.map(([id]) => id)],
      ...(rejected.length ? { rejected } : {}),
    },
  };
}

/** One choice per package for a plan, made on first need (devices ask per record). */
export function driverChooser(
  guest: GuestFacts,
  label: string,
  packages: DriverPackageFact[],
  arch: string,
): { choose: (paravirtInterface: ParavirtInterface, driverName: string | null) => DriverChoice | null; made: Map<string, DriverChoice> } {
  const made = new Map<string, DriverChoice>();
  return {
    made,
    choose(paravirtInterface, driverName) {
      const pkg = packageFor(packages, paravirtInterface, driverName);
      if (!pkg) return null;
      let c = made.get(pkg.key);
      if (!c) {
        c = chooseDriverBuild(guest, label, pkg, arch);
        made.set(pkg.key, c);
      }
      return c;
    },
  };
}
