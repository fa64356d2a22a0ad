// Hardware virtualization: the host CPU features a release requires, and KVM or TCG for /dev/kvm-based hypervisors.
import type { HypervisorReleaseFacts } from '../facts.ts';
import type { HostProfile } from '../host.ts';
import { vendorMatches } from '../host.ts';
import { HOST_FEATURE_DETECTION, hostFeatureReport } from '../host-features.ts';
import { PlanError, type Acceleration, type Because } from '../plan.ts';
import { type Ctx, because } from './context.ts';

/**
 * Host CPU features the release requires / recommends that the host lacks (cpuinfo flags only).
 * Requirements sharing an `anyOf` group are alternatives (vmx or svm): the group is met by any member;
 * a missing group is named by the member matching the host's CPU vendor.
 */
export function hostHasRequired(release: HypervisorReleaseFacts, host: HostProfile): { missing: string[]; recommendedMissing: string[] } {
  const missing: string[] = [];
  const recommendedMissing: string[] = [];
  const groups = new Map<string, typeof release.hostFeatures>();
  // cpuinfo flags from the profile; other detections (IOMMU, SR-IOV ...) as the host feature report decides them,
  // and a requirement the profile cannot decide is not held against the host
  const report = hostFeatureReport(host);
  const undecided = new Set(report.undecided.map((u) => u.key));
  const has = (m: (typeof release.hostFeatures)[number]) =>
    m.feature.detectionMethod === 'CPUINFO_FLAG'
      ? m.feature.detectionValue.split('+').every((f) => host.cpu.flags.includes(f))
      : report.present.includes(m.feature.key);
  for (const hf of release.hostFeatures) {
    if (hf.feature.detectionMethod !== 'CPUINFO_FLAG' && !HOST_FEATURE_DETECTION.some((d) => d.key === hf.feature.key)) continue;
    if (undecided.has(hf.feature.key)) continue;
    if (hf.requirement !== 'REQUIRED' && hf.requirement !== 'RECOMMENDED') continue;
    const key = hf.anyOf ? `${hf.requirement}:${hf.anyOf}` : `${hf.requirement}:${hf.feature.key}`;
    groups.set(key, [...(groups.get(key) ?? []), hf]);
  }
  for (const members of groups.values()) {
    if (members.some(has)) continue;
    // name the member for this host's vendor; vendor-less features when no member matches the vendor
    const named = members.filter((m) => vendorMatches(m.feature.vendor, host));
    if (!named.length) continue; // none of the alternatives applies to this CPU vendor
    const key = named.map((m) => m.feature.key).join('/');
    if (members.some((m) => m.requirement === 'REQUIRED')) missing.push(key);
    else recommendedMissing.push(key);
  }
  return { missing, recommendedMissing };
}

/** For hypervisors that run only on hardware virtualization: refuses a host that lacks a required feature. */
export function requireHostFeatures(ctx: Ctx): void {
  const { missing } = hostHasRequired(ctx.release, ctx.host);
  if (missing.length)
    throw new PlanError(
      'ACCELERATION_UNAVAILABLE',
      missing.join(', '),
      `${ctx.release.name} requires ${missing.join(', ')}, which ${ctx.host.name} lacks`,
      [ctx.release.id, ...missing],
    );
}

export function hwVirtRecords(ctx: Ctx): string[] {
  return ctx.release.hostFeatures.filter((h) => h.requirement === 'REQUIRED').map((h) => h.feature.key);
}

/** Hardware acceleration for hypervisors that run on /dev/kvm (KVM/QEMU, Cloud Hypervisor, Firecracker). */
export function kvmAcceleration(ctx: Ctx, tcgPossible: boolean): { mode: Acceleration; because: Because } {
  const { host, release, spec } = ctx;
  const { missing, recommendedMissing } = hostHasRequired(ctx.release, ctx.host);
  const records = [release.id];
  if (host.arch !== ctx.arch) {
    const why = `host ${host.name} is ${host.arch}, the guest is ${ctx.arch}: KVM cannot run another architecture`;
    if (!tcgPossible || spec.constraints.requireHardwareAcceleration)
      throw new PlanError('ACCELERATION_UNAVAILABLE', `${ctx.arch} hardware virtualization`, why, records);
    return { mode: 'tcg', because: because(`${why}; software emulation (TCG)`, 'acceleration.tcg-foreign-arch', records) };
  }
  if (host.kvm.usable) {
    if (missing.length)
      ctx.warnings.push(`/proc/cpuinfo on ${host.name} lacks ${missing.join(', ')} yet KVM works (nested virtualization hides the flag)`);
    if (recommendedMissing.length)
      ctx.warnings.push(`${host.name} lacks ${recommendedMissing.join(', ')}: KVM falls back to shadow paging, which is slower`);
    return {
      mode: 'kvm',
      because: because(`KVM is usable on ${host.name}: ${host.kvm.detail}`, 'acceleration.kvm', [...records, ...hwVirtRecords(ctx)]),
    };
  }
  const reasons: string[] = [];
  if (missing.length) reasons.push(`the CPU lacks ${missing.join(' / ')} (${release.name} requires it)`);
  reasons.push(host.kvm.detail || (host.kvm.device ? '/dev/kvm is not usable' : '/dev/kvm does not exist'));
  const why = reasons.join('; ');
  if (!tcgPossible)
    throw new PlanError(
      'ACCELERATION_UNAVAILABLE',
      `/dev/kvm (${missing.join(' or ') || 'usable KVM'})`,
      `${release.name} runs only with KVM: ${why}`,
      records,
    );
  if (spec.constraints.requireHardwareAcceleration)
    throw new PlanError(
      'ACCELERATION_UNAVAILABLE',
      `hardware virtualization (${missing.join(' or ') || 'usable /dev/kvm'})`,
      `the spec requires hardware acceleration but ${why}`,
      records,
    );
  return { mode: 'tcg', because: because(`no hardware acceleration: ${why}; software emulation (TCG)`, 'acceleration.tcg', records) };
}
