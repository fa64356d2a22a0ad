// The runtime's command-line wiring: probe / load host → fetch facts → decide → render. The CLI command
// files (src/cli/commands/plan.ts, probe.ts) only parse flags and call these.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_SERVICE, defaultSnapshotDir, fetchFacts, FactsError } from './client.ts';
import { decide } from './decide/index.ts';
import { explainError, explainPlan } from './explain.ts';
import { HostProfileError, loadHostProfile, parseHostProfile, type HostProfile } from './host.ts';
import { describeHost, probeHost } from './probe.ts';
import { FORMATS, RenderError, renderText, type Format } from './render/index.ts';
import { HYPERVISOR_KEYS, loadSpecFile, parseSpec, SpecError, type VmSpec } from './spec.ts';

export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Input problems the user fixes on the command line or in a file: exit 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export interface PlanArgs {
  guest?: string;
  hypervisor?: string;
  host?: string;
  spec?: string;
  format?: string;
  explain?: boolean;
  service?: string;
  offline?: boolean;
  snapshotDir?: string;
  timeoutMs?: number;
  maxSnapshotAge?: string;
  release?: string;
  name?: string;
  /** Re-probe the local host instead of using the cached probe. */
  reprobe?: boolean;
}

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?$/.exec(s.trim());
  if (!m) throw new CliUsageError(`--max-snapshot-age: expected a duration like 12h or 7d, got '${s}'`);
  const mult = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[(m[2] ?? 's') as 's'];
  return Math.round(Number(m[1]) * mult);
}

/**
 * The local host's facts, probed once and cached (a probe starts QEMU a few times). The cache is keyed
 * by what a probe reads that can change without notice: the QEMU binary, the kernel, /dev/kvm, the CPU flags.
 */
export async function localHost(env: NodeJS.ProcessEnv, opts: { reprobe?: boolean; maxAgeSeconds?: number } = {}): Promise<{ host: HostProfile; cached: boolean }> {
  const dir = env.VIRTCOMPAT_CACHE_DIR || join(env.XDG_CACHE_HOME || join(env.HOME || '/root', '.cache'), 'virtcompat');
  const file = join(dir, 'host-probe.json');
  const key = hostCacheKey();
  if (!opts.reprobe) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as { key: string; at: number; host: unknown };
      if (c.key === key && Date.now() - c.at < (opts.maxAgeSeconds ?? 86400) * 1000) return { host: parseHostProfile(c.host, file), cached: true };
    } catch {
      // no cache or an unreadable one: probe
    }
  }
  const host = await probeHost();
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify({ key, at: Date.now(), host }));
    renameSync(`${file}.tmp`, file);
  } catch {
    // caching is an optimisation
  }
  return { host, cached: false };
}

function hostCacheKey(): string {
  const h = createHash('sha256');
  for (const p of ['/usr/bin/qemu-system-x86_64', '/dev/kvm', '/usr/bin/swtpm']) {
    try {
      const st = statSync(p);
      h.update(`${p}:${st.mtimeMs}:${st.size}:${st.mode};`);
    } catch {
      h.update(`${p}:absent;`);
    }
  }
  for (const p of ['/proc/sys/kernel/osrelease']) {
    try {
      h.update(readFileSync(p));
    } catch {
      // not Linux
    }
  }
  try {
    const cpu = readFileSync('/proc/cpuinfo', 'utf8');
    h.update(/^flags\s*:.*$/m.exec(cpu)?.[0] ?? '');
  } catch {
    // not Linux
  }
  return h.digest('hex');
}

export async function runPlan(a: PlanArgs, io: CliStreams): Promise<number> {
  // VIRTCOMPAT_TIMING=1: where the time goes, on stderr
  const t0 = performance.now();
  const marks: [string, number][] = [];
  const mark = (what: string) => io.env.VIRTCOMPAT_TIMING && marks.push([what, performance.now()]);
  const report = () => {
    if (!io.env.VIRTCOMPAT_TIMING) return;
    let prev = t0;
    const parts = marks.map(([w, t]) => {
      const s = `${w} ${(t - prev).toFixed(1)}`;
      prev = t;
      return s;
    });
    io.stderr.write(`timing (ms, process up ${(performance.now() - 0).toFixed(0)} at exit): ${parts.join(', ')}\n`);
  };
  const format = (a.format ?? 'json') as Format;
  if (!FORMATS.includes(format)) throw new CliUsageError(`--format must be one of ${FORMATS.join(', ')}`);
  if (a.timeoutMs !== undefined && (!Number.isFinite(a.timeoutMs) || a.timeoutMs <= 0)) throw new CliUsageError('--timeout must be a positive number of milliseconds');

  // spec (flags override the file)
  let spec: VmSpec;
  let specDir = io.cwd;
  try {
    if (a.spec) {
      const loaded = await loadSpecFile(resolve(io.cwd, a.spec));
      spec = loaded.spec;
      specDir = loaded.dir;
    } else spec = parseSpec({});
    spec = { ...spec, guest: a.guest ?? spec.guest, hypervisor: (a.hypervisor as VmSpec['hypervisor']) ?? spec.hypervisor };
    if (a.release) spec.hypervisorRelease = a.release;
    if (a.name) spec.name = a.name;
    if (!spec.disks) spec.disks = [{ path: `${spec.name ?? spec.guest ?? 'vm'}.qcow2`, format: 'qcow2', device: 'disk', readonly: false, bus: 'auto', prefer: 'auto' }];
  } catch (err) {
    if (err instanceof SpecError) throw new CliUsageError(err.message);
    throw err;
  }
  if (!spec.guest) throw new CliUsageError('which guest? give --guest <id|short-id> or `guest:` in the spec');
  if (!spec.hypervisor) throw new CliUsageError(`which hypervisor? give --hypervisor <${HYPERVISOR_KEYS.join('|')}> or \`hypervisor:\` in the spec`);
  if (!(HYPERVISOR_KEYS as readonly string[]).includes(spec.hypervisor)) throw new CliUsageError(`--hypervisor must be one of ${HYPERVISOR_KEYS.join(', ')}`);
  mark('spec');

  // hosts
  let host: HostProfile;
  let migrationHosts: HostProfile[] = [];
  try {
    host = a.host ? loadHostProfile(resolve(io.cwd, a.host)) : (await localHost(io.env, { reprobe: a.reprobe })).host;
    migrationHosts = spec.constraints.migrateAcross.map((p) => loadHostProfile(resolve(specDir, p)));
  } catch (err) {
    if (err instanceof HostProfileError) throw new CliUsageError(err.message);
    throw err;
  }

  mark('host');
  // facts
  const service = a.service ?? io.env.VIRTCOMPAT_SERVICE ?? DEFAULT_SERVICE;
  let fetched;
  try {
    fetched = await fetchFacts({
      service,
      guest: spec.guest,
      hypervisor: spec.hypervisor,
      snapshotDir: a.snapshotDir ? resolve(io.cwd, a.snapshotDir) : defaultSnapshotDir(io.env),
      timeoutMs: a.timeoutMs,
      offline: a.offline,
      maxAgeSeconds: a.maxSnapshotAge ? parseDuration(a.maxSnapshotAge) : undefined,
    });
  } catch (err) {
    if (err instanceof FactsError) {
      io.stderr.write(`virtcompat plan: [${err.code}] ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  mark('facts');
  const result = decide({ facts: fetched.facts, provenance: fetched.provenance, host, spec, migrationHosts });
  mark('decide');
  if (!result.ok) {
    if (format === 'json') io.stdout.write(JSON.stringify(result.error.toJSON(), null, 2) + '\n');
    io.stderr.write(explainError(result.error));
    return 1;
  }
  const plan = result.plan;
  for (const w of plan.warnings) io.stderr.write(`warning: ${w}\n`);
  if (a.explain && a.format === undefined) {
    io.stdout.write(explainPlan(plan));
    return 0;
  }
  let text: string;
  try {
    text = renderText(plan, format);
  } catch (err) {
    if (err instanceof RenderError) throw new CliUsageError(err.message);
    throw err;
  }
  if (a.explain) io.stderr.write(explainPlan(plan));
  mark('render');
  io.stdout.write(text);
  report();
  return 0;
}

export async function runProbe(a: { json?: boolean; save?: string; qemu?: string; timeoutMs?: number; name?: string }, io: CliStreams): Promise<number> {
  const host = await probeHost({ qemuBinary: a.qemu, timeoutMs: a.timeoutMs, name: a.name });
  const json = JSON.stringify(host, null, 2) + '\n';
  if (a.save) {
    const p = resolve(io.cwd, a.save);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, json);
  }
  io.stdout.write(a.json ? json : describeHost(host) + '\n');
  return 0;
}
