// `virtcompat move FILE --to HYPERVISOR`: the VM a native configuration describes (read with inspect),
// planned on another hypervisor → the pre-flight report (stderr) and the target configuration (stdout).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import type { Command, CliIO } from '../types.ts';
import { UsageError } from '../types.ts';

export const command: Command = {
  name: 'move',
  summary: "plan a VM (.vmx, OVF, libvirt XML, xl.cfg) on another hypervisor: pre-flight report and the target's configuration",
  usage: `Usage: virtcompat move FILE --to <hypervisor> [--guest G] [--format F] [--explain] [--prepared]
                      [--first-boot] [--host profile.json] [--service URL] [--offline]

Reads the VM (its disks in order, MACs, firmware, vCPUs, memory, TPM) and plans it on the target with
the same planner as \`plan\`, mapping each device through the catalogue's equivalence groups to what the
guest can drive. Prints the pre-flight report (steps inside the guest before the move, risks and what
triggers them, disk conversions, a two-step plan when needed; each with its evidence) on stderr and the
target configuration on stdout.

Options:
  --to NAME          kvm, xen, vmware, hyperv, cloud-hypervisor or firecracker
  --guest ID         guest OS id or short id, when the file does not name it unambiguously
  --format F         json (the whole move), or the configuration: libvirt, qemu, xl, vmx, hyperv-ps,
                     cloud-hypervisor, firecracker (default: the target's own: libvirt, xl, vmx,
                     hyperv-ps, cloud-hypervisor, firecracker)
  --explain          every choice of the target plan with its reason, on stderr
  --prepared         the guest-side steps of the pre-flight are done (drivers in the initramfs or
                     boot-start): plan the target in one step
  --first-boot       print the first step's configuration of a two-step move
  --host FILE        the target host (see \`virtcompat probe --json\`; examples/hosts/); default: this
                     machine, probed
  --name NAME        VM name on the target (default: the file's)
  --release VERSION  hypervisor release to plan for
  --known-issues F   known issues (YAML/JSON, { issues: [...] }) to use when the service does not give
                     its own (default: the curated seed/curated/known-issues.yaml); the service's
                     knownIssues and deviceEquivalenceGroups are used whenever it answers
  --service URL, --offline, --snapshot-dir DIR, --timeout MS   as for \`plan\`

FILE is a native configuration (as \`virtcompat inspect\` reads it), or what \`inspect --json\` printed;
relative disk paths are taken from FILE's folder.

Exit status: 0 planned, 1 refused (the exact reason and the steps that would unblock it) or failure, 2 usage.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        to: { type: 'string' },
        guest: { type: 'string' },
        format: { type: 'string' },
        explain: { type: 'boolean' },
        prepared: { type: 'boolean' },
        'first-boot': { type: 'boolean' },
        host: { type: 'string' },
        name: { type: 'string' },
        release: { type: 'string' },
        'known-issues': { type: 'string' },
        service: { type: 'string' },
        offline: { type: 'boolean' },
        'snapshot-dir': { type: 'string' },
        timeout: { type: 'string' },
        reprobe: { type: 'boolean' },
      },
      true,
    );
    return runMove(values, positionals, io);
  },
};

async function runMove(v: Record<string, string | boolean | undefined>, positionals: string[], io: CliIO): Promise<number> {
  const [
    { clientEnv },
    { withRuntimeUsage },
    { FactsError },
    { explainPlan },
    { FORMATS, RenderError, renderText },
    { HYPERVISOR_KEYS },
    mv,
    YAML,
  ] = await Promise.all([
    import('../env.ts'),
    import('../runtime-errors.ts'),
    import('../../hypervisor-runtime/client.ts'),
    import('../../hypervisor-runtime/explain.ts'),
    import('../../hypervisor-runtime/render/index.ts'),
    import('../../hypervisor-runtime/spec.ts'),
    import('../../hypervisor-runtime/move/index.ts'),
    import('yaml'),
  ]);
  const env = clientEnv(io.env);
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (positionals.length !== 1) throw new UsageError('give one FILE: the VM configuration to move');
  const to = str('to');
  if (!to) throw new UsageError(`which target? give --to <${HYPERVISOR_KEYS.join('|')}>`);
  if (!(HYPERVISOR_KEYS as readonly string[]).includes(to)) throw new UsageError(`--to must be one of ${HYPERVISOR_KEYS.join(', ')}`);
  const target = to as (typeof HYPERVISOR_KEYS)[number];
  const format = str('format') ?? mv.NATIVE_FORMAT[target];
  if (format !== 'json' && !(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be json or one of ${FORMATS.filter((f) => f !== 'json').join(', ')}`);
  const timeoutMs = str('timeout') === undefined ? undefined : Number(str('timeout'));
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0))
    throw new UsageError('--timeout must be a positive number of milliseconds');

  const file = resolve(io.cwd, positionals[0] ?? '');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const vm = await readVm(file, text);

  const issuesFile = str('known-issues');
  const curated = (name: string) => new URL(`../../../seed/curated/${name}`, import.meta.url);
  let knownIssues: import('../../hypervisor-runtime/move/index.ts').KnownIssue[];
  try {
    knownIssues = mv.parseKnownIssues(
      YAML.parse(readFileSync(issuesFile ? resolve(io.cwd, issuesFile) : curated('known-issues.yaml'), 'utf8')),
      issuesFile ?? 'seed/curated/known-issues.yaml',
    );
  } catch (err) {
    if (err instanceof mv.KnownIssueError) throw new UsageError(err.message);
    throw new UsageError(`--known-issues: ${(err as Error).message}`);
  }
  const groups = (
    YAML.parse(readFileSync(curated('equivalence.yaml'), 'utf8')) as {
      groups: import('../../hypervisor-runtime/move/index.ts').EquivalenceGroup[];
    }
  ).groups;

  return withRuntimeUsage(async () => {
    let moved: Awaited<ReturnType<typeof mv.moveVm>>;
    try {
      moved = await mv.moveVm({
        vm,
        to: target,
        guest: str('guest'),
        host: str('host')
          ? { file: resolve(io.cwd, str('host') ?? '') }
          : { probe: { cacheDir: env.cacheDir, reprobe: v.reprobe === true, searchPath: env.searchPath } },
        service: str('service') ?? env.service,
        snapshotDir: str('snapshot-dir') ? resolve(io.cwd, str('snapshot-dir') ?? '') : env.snapshotDir,
        timeoutMs,
        offline: v.offline === true,
        knownIssues,
        groups,
        prepared: v.prepared === true,
        name: str('name'),
        hypervisorRelease: str('release'),
      });
    } catch (err) {
      if (err instanceof FactsError) {
        io.stderr.write(`virtcompat move: [${err.code}] ${err.message}\n`);
        return 1;
      }
      if (err instanceof mv.MoveError) {
        if (format === 'json') io.stdout.write(`${JSON.stringify(err.toJSON(), null, 2)}\n`);
        io.stderr.write(`virtcompat move: refused [${err.code}] ${err.message}\n`);
        if (err.preflight.length) io.stderr.write(mv.formatPreflight(err.preflight, 'Pre-flight (what the move needs):'));
        return 1;
      }
      throw err;
    }
    const m = moved.move;
    for (const w of m.warnings) io.stderr.write(`warning: ${w}\n`);
    if (v['first-boot'] === true && !m.firstBoot)
      throw new UsageError('--first-boot: this move has one step (no first-boot configuration)');
    const plan = v['first-boot'] === true && m.firstBoot ? m.firstBoot : m.plan;
    if (format === 'json') {
      io.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
      io.stderr.write(mv.formatMove(m));
    } else {
      let out: string;
      try {
        out = renderText(plan, format as (typeof FORMATS)[number]);
      } catch (err) {
        if (err instanceof RenderError) throw new UsageError(err.message);
        throw err;
      }
      io.stderr.write(mv.formatMove(m));
      io.stdout.write(out);
    }
    if (v.explain === true) io.stderr.write(explainPlan(plan));
    return 0;
  });
}

/**
 * The VM from FILE: a native configuration read by inspect, or what `inspect --json` printed. Relative disk
 * paths are made absolute against the file's folder (a VMware datastore path `[ds] vm/disk.vmdk` is kept).
 */
async function readVm(file: string, text: string): Promise<import('../../hypervisor-runtime/inspect/types.ts').InspectedVm> {
  const t = text.trimStart();
  let vm: import('../../hypervisor-runtime/inspect/types.ts').InspectedVm;
  if (t.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
    const o = value as Record<string, unknown>;
    if (typeof o.sourceFormat !== 'string' || !Array.isArray(o.disks) || !Array.isArray(o.nics) || typeof o.cpus !== 'number')
      throw new UsageError(`${file}: JSON that is not \`virtcompat inspect --json\` output (sourceFormat, disks, nics, cpus ...)`);
    vm = value as typeof vm;
  } else {
    const { inspectFile, InspectError } = await import('../../hypervisor-runtime/inspect/index.ts');
    try {
      vm = inspectFile(file);
    } catch (err) {
      if (err instanceof InspectError) throw new UsageError(`[${err.code}] ${err.message}`);
      throw err;
    }
  }
  const dir = dirname(file);
  const abs = (p: string) => (isAbsolute(p) || /^(\[|[A-Za-z]:[\\/]|\\\\)/.test(p) ? p : resolve(dir, p));
  return { ...vm, disks: vm.disks.map((d) => (d.path ? { ...d, path: abs(d.path) } : d)) };
}
