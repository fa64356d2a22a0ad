// Which catalogued release of the hypervisor to plan for: the spec's, the host's QEMU, else the newest.
import type { HypervisorReleaseFacts, PlanningFacts } from '../facts.ts';
import { compareVersions } from '../facts.ts';
import type { HostProfile } from '../host.ts';
import { PlanError, type Because } from '../plan.ts';
import { type VmSpec } from '../spec.ts';
import { because } from './context.ts';

export function pickRelease(
  facts: PlanningFacts,
  host: HostProfile,
  spec: VmSpec,
  warnings: string[],
): { release: HypervisorReleaseFacts; because: Because } {
  const hv = facts.hypervisor;
  const rels = hv.releases;
  if (!rels.length)
    throw new PlanError('NO_HYPERVISOR_RELEASE', `a release of ${hv.key}`, `the catalogue has no release of ${hv.name}`, []);
  if (spec.hypervisorRelease) {
    const r = rels.find((x) => x.version === spec.hypervisorRelease || x.id === spec.hypervisorRelease);
    if (!r)
      throw new PlanError(
        'NO_HYPERVISOR_RELEASE',
        `${hv.key} release ${spec.hypervisorRelease}`,
        `the catalogue has no ${hv.name} release ${spec.hypervisorRelease} (known: ${rels.map((x) => x.version).join(', ')})`,
      );
    if (hv.family === 'KVM' && host.qemu && compareVersions(majorMinor(host.qemu.version), majorMinor(r.version)) !== 0)
      warnings.push(`planning for ${r.name} but ${host.name} runs QEMU ${host.qemu.version}`);
    return { release: r, because: because(`the spec asks for ${hv.name} ${spec.hypervisorRelease}`, 'release.from-spec', [r.id]) };
  }
  if (hv.family === 'KVM' && host.qemu) {
    const hostVer = majorMinor(host.qemu.version);
    const exact = rels.find((x) => compareVersions(majorMinor(x.version), hostVer) === 0);
    if (exact)
      return {
        release: exact,
        because: because(`${host.name} runs QEMU ${host.qemu.version} (${host.qemu.binary})`, 'release.host-qemu', [exact.id]),
      };
    const older = rels.filter((x) => compareVersions(x.version, hostVer) <= 0);
    const r = older.at(-1);
    if (r) {
      warnings.push(`the catalogue has no QEMU ${hostVer}; planning with the newest older release, ${r.name}`);
      return {
        release: r,
        because: because(
          `${host.name} runs QEMU ${host.qemu.version}; the newest catalogued release not newer than it is ${r.name}`,
          'release.host-qemu-older',
          [r.id],
        ),
      };
    }
    throw new PlanError(
      'NO_HYPERVISOR_RELEASE',
      `QEMU ${hostVer} or older in the catalogue`,
      `${host.name} runs QEMU ${host.qemu.version}; the catalogue only knows ${rels.map((x) => x.version).join(', ')}`,
    );
  }
  const r = rels.at(-1);
  if (!r) throw new PlanError('NO_HYPERVISOR_RELEASE', `a release of ${hv.key}`, `the catalogue has no release of ${hv.name}`, []);
  return { release: r, because: because(`newest catalogued release of ${hv.name}`, 'release.newest', [r.id]) };
}

export function majorMinor(v: string): string {
  return v.split('.').slice(0, 2).join('.');
}
