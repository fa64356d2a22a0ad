import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';

export const command: Command = {
  name: 'probe',
  summary: "read this host's virtualization facts (CPU flags, KVM, IOMMU, PCI/SR-IOV, QEMU, firmware)",
  usage: `Usage: virtcompat probe [--json] [--save FILE] [--qemu BIN] [--timeout MS] [--name NAME]

Reads /proc/cpuinfo (vendor, model, vmx/svm, ept/npt ...), whether /dev/kvm exists and QEMU can
actually open a KVM VM and create a vCPU with it (nested KVM can hang or refuse: each QEMU start is
cut off after the timeout), Hyper-V enlightenments KVM accepts, IOMMU groups, PCI devices and SR-IOV
from sysfs, whether this host is itself a guest (hypervisor flag, /sys/hypervisor, DMI), the QEMU
binary with its version, device, machine and CPU models, UEFI firmware descriptors and swtpm.

Options:
  --json        print the host profile as JSON (usable as \`virtcompat plan --host FILE\`)
  --save FILE   also write the JSON profile to FILE
  --qemu BIN    QEMU binary (default qemu-system-<arch> on PATH)
  --timeout MS  time limit for each QEMU start (default 5000)
  --name NAME   host name in the profile (default the hostname)
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      json: { type: 'boolean' },
      save: { type: 'string' },
      qemu: { type: 'string' },
      timeout: { type: 'string' },
      name: { type: 'string' },
    });
    const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UsageError('--timeout must be a positive number of milliseconds');
    const [{ clientEnv }, { describeHost, probeHost }] = await Promise.all([
      import('../env.ts'),
      import('../../hypervisor-runtime/probe.ts'),
    ]);
    const host = await probeHost({ qemuBinary: values.qemu, timeoutMs, name: values.name, searchPath: clientEnv(io.env).searchPath });
    const json = JSON.stringify(host, null, 2) + '\n';
    if (values.save) {
      const p = resolve(io.cwd, values.save);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, json);
    }
    io.stdout.write(values.json ? json : describeHost(host) + '\n');
    return 0;
  },
};
