// The planning path every command shares: spec → host → facts → decide. A library: it takes resolved
// options (absolute paths, the service URL, the cache folders) and never reads argv or the environment;
// src/cli/ owns those. `virtcompat plan` renders what planVm returns, `virtcompat boot` (bootVm) boots it.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type FetchFactsResult, fetchFacts } from './client.ts';
import { nowMs } from '../util/clock.ts';
import { sha256Hex } from '../util/sha256.ts';
import { decide } from './decide/index.ts';
import { type HostProfile, loadHostProfile, parseHostProfile } from './host.ts';
import type { DecideResult } from './plan.ts';
import { HYPERVISOR_KEYS, loadSpecFile, parseSpec, type VmSpec } from './spec.ts';

/** Options that cannot work together or name nothing usable (the CLI reports it as a usage error, exit 2). */
export class VmOptionsError extends Error {
  override name = 'VmOptionsError';
}

/** Where the host's facts come from: a profile file (`virtcompat probe --save`), or this machine probed. */
export type HostSource =
  | { file: string }
  | {
      probe: {
        /** Folder of the probe cache (host-probe.json). */
        cacheDir: string;
        /** Probe again instead of using the cached probe. */
        reprobe?: boolean;
        /** Folders searched for qemu-system-* and swtpm (the caller's PATH). */
        searchPath?: string[];
      };
    };

export interface FactsSourceOptions {
  /** GraphQL endpoint of the compatibility service. */
  service: string;
  snapshotDir: string;
  /** Time limit for the service before the snapshot is used. */
  timeoutMs?: number;
  offline?: boolean;
  /** Warn when the snapshot is older than this. */
  maxSnapshotAgeSeconds?: number;
}

export interface PlanVmOptions extends FactsSourceOptions {
  /** The VM spec with the command line's choices already applied (loadVmSpec). */
  spec: VmSpec;
  /**
   * Folder that relative paths inside the spec resolve against: disk paths, boot.kernel/initrd and
   * constraints.migrateAcross (the CLI passes the spec file's folder, else the working directory).
   */
  specDir: string;
  host: HostSource;
  /** Called as each step ends (the CLI's VIRTCOMPAT_TIMING report). */
  onStep?: (step: 'host' | 'facts' | 'decide') => void;
}

export interface PlannedVm {
  /** The plan, or the PlanError naming the requirement that failed. */
  result: DecideResult;
  spec: VmSpec;
  host: HostProfile;
  hostCached: boolean;
  migrationHosts: HostProfile[];
  fetched: FetchFactsResult;
  /** decide() again with the same facts for another host (boot's KVM → TCG fall-back). */
  replan(host: HostProfile): DecideResult;
  timings: { hostMs: number; factsMs: number; decideMs: number };
}

/**
 * Reads the spec file (if any) and lays the command line's values over it; unset (undefined) values leave
 * the file's. Throws SpecError for a spec that does not parse.
 */
export async function loadVmSpec(file: string | undefined, overrides: Partial<VmSpec> = {}): Promise<{ spec: VmSpec; dir: string | null }> {
  const loaded = file ? await loadSpecFile(file) : { spec: parseSpec({}), dir: null };
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<VmSpec>;
  return { spec: { ...loaded.spec, ...set }, dir: loaded.dir };
}

/**
 * Flag values checked by the spec's own schema, as a partial spec: only the keys given (the schema's
 * defaults for unset keys must not override the file). Throws SpecError naming the bad value.
 */
export function parseSpecOverrides(raw: Record<string, unknown>, source = 'command line'): Partial<VmSpec> {
  const parsed = parseSpec(raw, source) as unknown as Record<string, unknown>;
  return Object.fromEntries(Object.keys(raw).map((k) => [k, parsed[k]])) as Partial<VmSpec>;
}

/**
 * The spec with its file paths (disks, boot.kernel, boot.initrd) made absolute against `dir`. Every format
 * needs it: libvirt's schema accepts only absolute disk paths (virt-xml-validate fails on `vm.qcow2`), and
 * QEMU, xl, Firecracker and Cloud Hypervisor would read a relative path against wherever they happen to be
 * started, not where the spec is. drivers.iso too. A VMware datastore path and a Windows path are kept. Pure.
 */
export function resolveSpecPaths(spec: VmSpec, dir: string): VmSpec {
  // `[datastore1] vm/vm.vmdk` (a VMware datastore) and `D:\VMs\a.vhdx` or `\\server\share\...` (a Hyper-V host's)
  // are absolute in their own way: left as written
  const abs = (p: string) => (isAbsolute(p) || /^(\[|[A-Za-z]:[\\/]|\\\\)/.test(p) ? p : resolve(dir, p));
  return {
    ...spec,
    ...(spec.disks ? { disks: spec.disks.map((d) => ({ ...d, path: abs(d.path) })) } : {}),
    ...(spec.drivers.iso ? { drivers: { ...spec.drivers, iso: abs(spec.drivers.iso) } } : {}),
    ...(spec.boot
      ? { boot: { ...spec.boot, kernel: abs(spec.boot.kernel), ...(spec.boot.initrd ? { initrd: abs(spec.boot.initrd) } : {}) } }
      : {}),
  };
}

/** Host → facts → decide for a resolved spec. Throws HostProfileError (bad profile) and FactsError (no facts). */
export async function planVm(o: PlanVmOptions): Promise<PlannedVm> {
  const spec = resolveSpecPaths(o.spec, o.specDir);
  if (!spec.guest) throw new VmOptionsError('which guest? give --guest <id|short-id> or `guest:` in the spec');
  if (!spec.hypervisor)
    throw new VmOptionsError(`which hypervisor? give --hypervisor <${HYPERVISOR_KEYS.join('|')}> or \`hypervisor:\` in the spec`);

  const t0 = nowMs();
  let host: HostProfile;
  let hostCached = false;
  if ('file' in o.host) host = loadHostProfile(o.host.file);
  else ({ host, cached: hostCached } = await localHost(o.host.probe));
  const migrationHosts = spec.constraints.migrateAcross.map((p) => loadHostProfile(resolve(o.specDir, p)));
  o.onStep?.('host');

  const t1 = nowMs();
  const fetched = await fetchFacts({
    service: o.service,
    guest: spec.guest,
    hypervisor: spec.hypervisor,
    snapshotDir: o.snapshotDir,
    timeoutMs: o.timeoutMs,
    offline: o.offline,
    maxAgeSeconds: o.maxSnapshotAgeSeconds,
  });
  o.onStep?.('facts');

  const t2 = nowMs();
  const replan = (h: HostProfile) => decide({ facts: fetched.facts, provenance: fetched.provenance, host: h, spec, migrationHosts });
  const result = replan(host);
  o.onStep?.('decide');
  const t3 = nowMs();
  return {
    result,
    spec,
    host,
    hostCached,
    migrationHosts,
    fetched,
    replan,
    timings: { hostMs: t1 - t0, factsMs: t2 - t1, decideMs: t3 - t2 },
  };
}

/**
 * The local host's facts, probed once and cached (a probe starts QEMU a few times). The cache is keyed
 * by what a probe reads that can change without notice: the QEMU binary, the kernel, /dev/kvm, the CPU flags.
 */
export async function localHost(opts: {
  cacheDir: string;
  reprobe?: boolean;
  maxAgeSeconds?: number;
  searchPath?: string[];
}): Promise<{ host: HostProfile; cached: boolean }> {
  const file = join(opts.cacheDir, 'host-probe.json');
  const key = hostCacheKey();
  if (!opts.reprobe) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as { key: string; at: number; host: unknown };
      if (c.key === key && Date.now() - c.at < (opts.maxAgeSeconds ?? 86400) * 1000)
        return { host: parseHostProfile(c.host, file), cached: true };
    } catch {
      // no cache or an unreadable one: probe
    }
  }
  // imported here: only a probe needs child_process and the probe's code, and `plan --host` does not probe
  const { probeHost } = await import('./probe.ts');
  const host = await probeHost({ searchPath: opts.searchPath });
  try {
    mkdirSync(opts.cacheDir, { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify({ key, at: Date.now(), host }));
    renameSync(`${file}.tmp`, file);
  } catch {
    // caching is an optimisation
  }
  return { host, cached: false };
}

function hostCacheKey(): string {
  let text = '';
  for (const p of ['/usr/bin/qemu-system-x86_64', '/dev/kvm', '/usr/bin/swtpm']) {
    try {
      const st = statSync(p);
      text += `${p}:${st.mtimeMs}:${st.size}:${st.mode};`;
    } catch {
      text += `${p}:absent;`;
    }
  }
  for (const p of ['/proc/sys/kernel/osrelease']) {
    try {
      text += readFileSync(p, 'utf8');
    } catch {
      // not Linux
    }
  }
  try {
    const cpu = readFileSync('/proc/cpuinfo', 'utf8');
    text += /^flags\s*:.*$/m.exec(cpu)?.[0] ?? '';
  } catch {
    // not Linux
  }
  return sha256Hex(text);
}
