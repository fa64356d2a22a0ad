// vCPUs and memory: the spec's, else the guest's recommendation; checked against the guest's minimum and
// maximum and the release's limits (numbers named in the error).
import type { GuestFacts } from '../facts.ts';
import { PlanError } from '../plan.ts';
import { formatBytes } from '../spec.ts';
import { type Ctx, because } from './context.ts';

export const MIN_MEMORY_MIB = 128;

export function resourceValue(
  guest: GuestFacts,
  arch: string,
  kind: 'MINIMUM' | 'RECOMMENDED' | 'MAXIMUM',
  key: 'cpus' | 'ramBytes' | 'storageBytes',
): number | null {
  for (const a of [arch, 'all']) {
    const r = guest.resources.find((x) => x.arch === a && x.kind === kind);
    const v = r?.[key];
    if (v !== null && v !== undefined && v > 0) return v;
  }
  return null;
}

export function decideResources(ctx: Ctx) {
  const { guest, spec, release, host, label } = ctx;
  const arch = ctx.guestArch;
  const minCpus = resourceValue(guest, arch, 'MINIMUM', 'cpus');
  const recCpus = resourceValue(guest, arch, 'RECOMMENDED', 'cpus') ?? (minCpus ? minCpus * 2 : null);
  const minRam = resourceValue(guest, arch, 'MINIMUM', 'ramBytes');
  const recRam = resourceValue(guest, arch, 'RECOMMENDED', 'ramBytes') ?? (minRam ? minRam * 2 : null);
  const maxCpus = resourceValue(guest, arch, 'MAXIMUM', 'cpus');
  const maxRam = resourceValue(guest, arch, 'MAXIMUM', 'ramBytes');
  const minStorage = resourceValue(guest, arch, 'MINIMUM', 'storageBytes');
  const records = [guest.id, release.id];

  // a default satisfies the guest's minimum: osinfo-db holds recommendations below the minimum (win7 x86_64
  // recommends 512 MiB and needs 2 GiB), and virt-install takes the recommendation as it is
  const vcpus = spec.vcpus ?? Math.max(recCpus ?? 1, minCpus ?? 1);
  const memoryBytes = spec.memory ?? Math.max(recRam ?? 1024 * 1024 ** 2, minRam ?? 0);
  const memoryMiB = Math.max(Math.round(memoryBytes / 1024 ** 2), MIN_MEMORY_MIB);
  const raisedRam = !spec.memory && recRam !== null && minRam !== null && recRam < minRam;
  const raisedCpus = !spec.vcpus && recCpus !== null && minCpus !== null && recCpus < minCpus;
  const memSrc = spec.memory
    ? 'the spec'
    : raisedRam
      ? `${label}'s minimum RAM (its recommendation, ${formatBytes(recRam)}, is below that minimum)`
      : resourceValue(guest, arch, 'RECOMMENDED', 'ramBytes')
        ? `${label}'s recommended RAM`
        : minRam
          ? `twice ${label}'s minimum RAM (virt-install's rule when only a minimum is known)`
          : 'the default (no RAM figures in the catalogue)';
  const cpuSrc = spec.vcpus
    ? 'the spec'
    : raisedCpus
      ? `${label}'s minimum vCPUs (its recommendation, ${recCpus}, is below that minimum)`
      : resourceValue(guest, arch, 'RECOMMENDED', 'cpus')
        ? `${label}'s recommended vCPUs`
        : minCpus
          ? `twice ${label}'s minimum vCPUs (virt-install's rule)`
          : 'the default';

  const below: string[] = [];
  if (minCpus && vcpus < minCpus) below.push(`${label} needs ${minCpus} vCPUs, the VM spec gives ${vcpus}`);
  if (minRam && memoryBytes < minRam)
    below.push(`${label} needs ${formatBytes(minRam)} of RAM, the VM spec gives ${formatBytes(memoryBytes)}`);
  for (const [i, d] of (spec.disks ?? []).entries()) {
    if (d.device === 'disk' && d.size && minStorage && d.size < minStorage && i === 0)
      below.push(`${label} needs ${formatBytes(minStorage)} of disk, disks[0] gives ${formatBytes(d.size)}`);
  }
  if (below.length) {
    if (!spec.constraints.allowBelowMinimum)
      throw new PlanError(
        'RESOURCES_BELOW_MINIMUM',
        below.join('; '),
        `${below.join('; ')} (set constraints.allowBelowMinimum to plan anyway)`,
        [guest.id],
      );
    ctx.warnings.push(...below.map((b) => `${b} (allowed by constraints.allowBelowMinimum)`));
  }
  const above: string[] = [];
  if (release.maxVcpus && vcpus > release.maxVcpus)
    above.push(`${release.name} runs at most ${release.maxVcpus} vCPUs, the VM spec asks for ${vcpus}`);
  if (release.maxMemoryMiB && memoryMiB > release.maxMemoryMiB)
    above.push(
      `${release.name} gives a VM at most ${formatBytes(release.maxMemoryMiB * 1024 ** 2)}, the VM spec asks for ${formatBytes(memoryMiB * 1024 ** 2)}`,
    );
  if (maxCpus && vcpus > maxCpus) above.push(`${label} uses at most ${maxCpus} vCPUs, the VM spec gives ${vcpus}`);
  if (maxRam && memoryBytes > maxRam)
    above.push(`${label} addresses at most ${formatBytes(maxRam)}, the VM spec gives ${formatBytes(memoryBytes)}`);
  if (above.length) throw new PlanError('RESOURCES_ABOVE_MAXIMUM', above.join('; '), above.join('; '), [guest.id, release.id]);
  if (vcpus > host.cpu.count) ctx.warnings.push(`${vcpus} vCPUs on a host with ${host.cpu.count} CPUs: vCPUs are overcommitted`);
  if (memoryMiB > host.memoryMiB)
    ctx.warnings.push(
      `${formatBytes(memoryMiB * 1024 ** 2)} of guest RAM on a host with ${formatBytes(host.memoryMiB * 1024 ** 2)}: memory is overcommitted`,
    );

  const mins = [
    minCpus ? `${minCpus} vCPU` : null,
    minRam ? formatBytes(minRam) : null,
    minStorage ? `${formatBytes(minStorage)} disk` : null,
  ].filter(Boolean);
  return {
    vcpus,
    vcpusFrom: cpuSrc,
    memoryMiB,
    memoryBecause: because(
      `${formatBytes(memoryMiB * 1024 ** 2)} from ${memSrc}`,
      'resources.memory',
      records,
      raisedRam && recRam !== null
        ? {
            differsFrom: {
              tool: 'virt-install',
              theirs: `${Math.round(recRam / 1024 ** 2)} MiB (the recommendation)`,
              why: `${label} needs ${formatBytes(minRam ?? 0)}; a default below the guest's own minimum would not install`,
            },
          }
        : {},
    ),
    checks: because(
      mins.length
        ? `meets ${label}'s minimum (${mins.join(', ')}) with ${vcpus} vCPUs (from ${cpuSrc}) and ${formatBytes(memoryMiB * 1024 ** 2)}`
        : `no minimum resources recorded for ${label}; ${vcpus} vCPUs from ${cpuSrc}`,
      'resources.minimums',
      records,
    ),
  };
}
