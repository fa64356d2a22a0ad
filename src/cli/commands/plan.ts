import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';

// The runtime is imported when the command runs, so other commands do not pay for loading it.
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
  --host FILE        plan for the host described in FILE (see \`virtcompat probe --json\`);
                     default: this machine, probed (cached for a day; --reprobe to refresh)
  --spec FILE        VM spec (YAML or JSON): vcpus, memory, disks, nics, display, firmware, constraints
  --format F         json (the plan, default), qemu, libvirt, xl, vmx, cloud-hypervisor, firecracker
  --explain          explain every choice; alone it prints the explanation, with --format it goes to stderr
  --service URL      GraphQL endpoint (default $VIRTCOMPAT_SERVICE or http://127.0.0.1:4000/graphql)
  --offline          plan from the local snapshot only
  --snapshot-dir DIR snapshot folder (default $VIRTCOMPAT_SNAPSHOT_DIR or ~/.cache/virtcompat/snapshot)
  --timeout MS       service time limit before falling back to the snapshot (default 3000)
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
    const { runPlan, CliUsageError } = await import('../../hypervisor-runtime/cli.ts');
    try {
      return await runPlan(
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
          timeoutMs: values.timeout === undefined ? undefined : Number(values.timeout),
          maxSnapshotAge: values['max-snapshot-age'],
          release: values.release,
          name: values.name,
          reprobe: values.reprobe,
        },
        io,
      );
    } catch (err) {
      if (err instanceof CliUsageError) throw new UsageError(err.message);
      throw err;
    }
  },
};
