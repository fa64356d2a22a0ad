// `virtcompat plan`: argv and the environment → resolved options → planVm (the runtime's planning path)
// → render → stdout. The runtime is imported when the command runs, so `--help` and other commands do not
// pay for loading it.
import { resolve } from 'node:path';
import { nowMs } from '../../util/clock.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command, CliIO } from '../types.ts';
import { UsageError } from '../types.ts';
export const command: Command = {
  name: 'plan',
  summary: 'plan a VM for a guest on a hypervisor and render it (QEMU argv, libvirt XML, xl.cfg, .vmx ...)',
  usage: `Usage: virtcompat plan --guest <id|short-id> --hypervisor <name> [--host profile.json] [--spec vm.yaml]
                      [--format json|qemu|libvirt|xl|vmx|cloud-hypervisor|firecracker] [--explain]
                      [--service URL] [--offline]

Decides acceleration, paravirt backend, machine type, firmware, TPM, CPU model, clock and every
device's path (paravirtual > emulated > passthrough when asked) from the compatibility service's
facts, and prints the plan in the chosen format.

Options:
  --guest ID         guest OS id (http://debian.org/debian/12) or short id (debian12); overrides the spec
  --hypervisor NAME  kvm, xen, vmware, hyperv, cloud-hypervisor or firecracker; overrides the spec
  --host FILE        plan for the host described in FILE (see \`virtcompat probe --json\`); examples/hosts/
                     has a typical host for each hypervisor (esxi-, xen-, hyperv-, cloud-hypervisor-,
                     firecracker-, kvm-x86_64.json); default: this machine, probed (cached for a day;
                     --reprobe to refresh)
  --spec FILE        VM spec (YAML or JSON): vcpus, memory, disks, nics, display, firmware, constraints
  --format F         json (the plan, default), qemu, libvirt, xl, vmx, cloud-hypervisor, firecracker
  --explain          explain every choice; alone it prints the explanation, with --format it goes to stderr
  --service URL      GraphQL endpoint (default $VIRTCOMPAT_SERVICE or http://127.0.0.1:4000/graphql)
  --offline          plan from the local snapshot only
  --snapshot-dir DIR snapshot folder (default $VIRTCOMPAT_SNAPSHOT_DIR or ~/.cache/virtcompat/snapshot)
  --timeout MS       service time limit before falling back to the snapshot (default 3000; 30000 when
                     there is no snapshot to fall back to)
  --max-snapshot-age D  warn when the snapshot is older than D (e.g. 12h, 7d; default 7d)
  --release VERSION  hypervisor release to plan for (default: the host's QEMU, else the newest)
  --name NAME        VM name (default: the spec's, else the guest's short id)
  --reprobe          probe this machine again instead of using the cached probe

Exit status: 0 plan printed, 1 no plan possible (the requirement that failed is named) or failure, 2 usage.
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      guest: { type: 'string' },
      hypervisor: { type: 'string' },
      host: { type: 'string' },
      spec: { type: 'string' },
      format: { type: 'string' },
      explain: { type: 'boolean' },
      service: { type: 'string' },
      offline: { type: 'boolean' },
      'snapshot-dir': { type: 'string' },
      timeout: { type: 'string' },
      'max-snapshot-age': { type: 'string' },
      release: { type: 'string' },
      name: { type: 'string' },
      reprobe: { type: 'boolean' },
    });
    const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0))
      throw new UsageError('--timeout must be a positive number of milliseconds');
    const maxSnapshotAgeSeconds = values['max-snapshot-age'] === undefined ? undefined : parseDuration(values['max-snapshot-age']);
    return runPlan(
      {
        guest: values.guest,
        hypervisor: values.hypervisor,
        host: values.host,
        spec: values.spec,
        format: values.format,
        explain: values.explain,
        service: values.service,
        offline: values.offline,
        snapshotDir: values['snapshot-dir'],
        timeoutMs,
        maxSnapshotAgeSeconds,
        release: values.release,
        name: values.name,
        reprobe: values.reprobe,
      },
      io,
    );
  },
};

interface PlanFlags {
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
  maxSnapshotAgeSeconds?: number;
  release?: string;
  name?: string;
  reprobe?: boolean;
}

/** `12h`, `7d`, `90` (seconds) → seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?$/.exec(s.trim());
  if (!m) throw new UsageError(`--max-snapshot-age: expected a duration like 12h or 7d, got '${s}'`);
  const mult = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[(m[2] ?? 's') as 's'];
  return Math.round(Number(m[1]) * mult);
}

async function runPlan(a: PlanFlags, io: CliIO): Promise<number> {
  const [
    { clientEnv },
    { withRuntimeUsage },
    { FactsError },
    { explainError, explainPlan },
    { loadVmSpec, planVm },
    { FORMATS, RenderError, renderText },
    { HYPERVISOR_KEYS },
  ] = await Promise.all([
    import('../env.ts'),
    import('../runtime-errors.ts'),
    import('../../hypervisor-runtime/client.ts'),
    import('../../hypervisor-runtime/explain.ts'),
    import('../../hypervisor-runtime/plan-vm.ts'),
    import('../../hypervisor-runtime/render/index.ts'),
    import('../../hypervisor-runtime/spec.ts'),
  ]);
  const env = clientEnv(io.env);
  // VIRTCOMPAT_TIMING=1: where the time goes, on stderr
  const t0 = nowMs();
  const marks: [string, number][] = [];
  const mark = (what: string) => env.timing && marks.push([what, nowMs()]);
  const report = () => {
    if (!env.timing) return;
    let prev = t0;
    const parts = marks.map(([w, t]) => {
      const s = `${w} ${(t - prev).toFixed(1)}`;
      prev = t;
      return s;
    });
    io.stderr.write(`timing (ms, process up ${(process.uptime() * 1000).toFixed(0)} at exit): ${parts.join(', ')}\n`);
  };
  const format = (a.format ?? 'json') as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);

  return withRuntimeUsage(async () => {
    // spec (flags override the file)
    const { spec, dir } = await loadVmSpec(a.spec === undefined ? undefined : resolve(io.cwd, a.spec), {
      guest: a.guest,
      hypervisor: a.hypervisor as (typeof HYPERVISOR_KEYS)[number] | undefined,
      hypervisorRelease: a.release || undefined,
      name: a.name || undefined,
    });
    if (!spec.disks)
      spec.disks = [
        { path: `${spec.name ?? spec.guest ?? 'vm'}.qcow2`, format: 'qcow2', device: 'disk', readonly: false, bus: 'auto', prefer: 'auto' },
      ];
    if (!spec.guest) throw new UsageError('which guest? give --guest <id|short-id> or `guest:` in the spec');
    if (!spec.hypervisor)
      throw new UsageError(`which hypervisor? give --hypervisor <${HYPERVISOR_KEYS.join('|')}> or \`hypervisor:\` in the spec`);
    if (!(HYPERVISOR_KEYS as readonly string[]).includes(spec.hypervisor))
      throw new UsageError(`--hypervisor must be one of ${HYPERVISOR_KEYS.join(', ')}`);
    mark('spec');

    let planned: Awaited<ReturnType<typeof planVm>>;
    try {
      planned = await planVm({
        spec,
        specDir: dir ?? io.cwd,
        host: a.host
          ? { file: resolve(io.cwd, a.host) }
          : { probe: { cacheDir: env.cacheDir, reprobe: a.reprobe, searchPath: env.searchPath } },
        service: a.service ?? env.service,
        snapshotDir: a.snapshotDir ? resolve(io.cwd, a.snapshotDir) : env.snapshotDir,
        timeoutMs: a.timeoutMs,
        offline: a.offline,
        maxSnapshotAgeSeconds: a.maxSnapshotAgeSeconds,
        onStep: mark,
      });
    } catch (err) {
      if (err instanceof FactsError) {
        io.stderr.write(`virtcompat plan: [${err.code}] ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const result = planned.result;
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
      if (err instanceof RenderError) throw new UsageError(err.message);
      throw err;
    }
    if (a.explain) io.stderr.write(explainPlan(plan));
    mark('render');
    io.stdout.write(text);
    report();
    return 0;
  });
}
