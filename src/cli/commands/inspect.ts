import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';
import { inputPath, parseCommandArgs } from '../args.ts';

const FORMATS = ['vmx', 'ovf', 'libvirt', 'xl'] as const;

export const command: Command = {
  name: 'inspect',
  summary: "read a VM's native configuration (.vmx, .ovf/.ova, libvirt XML, xl.cfg) and print what it found",
  usage: `Usage: virtcompat inspect FILE [--json] [--format vmx|ovf|libvirt|xl]

Reads a VM's configuration as its hypervisor wrote it: VMware .vmx (ESXi, Workstation, Fusion, GSX),
OVF descriptors (.ovf, and the descriptor inside an .ova), libvirt domain XML, Xen xl.cfg. Prints the
guest OS (its native name and the catalogue ids it maps to; an ambiguous name lists its candidates),
firmware, Secure Boot, TPM, vCPUs, memory, disks with their bus and controller model, and NICs with
their model and MAC, in libvirt's words for the devices. Keys the reader does not interpret are listed,
never fatal. Works offline: the guest-name mapping ships with the runtime.

The format comes from the extension (.vmx, .ovf, .ova), else from the content.

Options:
  --json            print the result as JSON (the shape \`virtcompat move\` reads)
  --format FORMAT   read the file as vmx, ovf, libvirt or xl, whatever its name

Exit codes: 0 read; 2 a malformed file (the message names the line), a file in none of these formats,
or a usage error.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, format: { type: 'string' } }, true);
    if (positionals.length !== 1)
      throw new UsageError(positionals.length === 0 ? 'FILE is required' : `one FILE, got ${positionals.length}`);
    const format = values.format;
    if (format !== undefined && !(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const path = inputPath(io, positionals[0] ?? '', 'FILE');
    const { inspectFile, describeInspected, InspectError } = await import('../../hypervisor-runtime/inspect/index.ts');
    try {
      const vm = inspectFile(path, format as (typeof FORMATS)[number] | undefined);
      io.stdout.write(values.json ? `${JSON.stringify(vm, null, 2)}\n` : `${describeInspected(vm)}\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof InspectError)) throw err;
      if (values.json) io.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
      io.stderr.write(`virtcompat inspect: [${err.code}] ${err.message}\n`);
      return 2;
    }
  },
};
