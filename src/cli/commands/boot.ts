// `virtcompat boot`: argv and the environment → resolved options → bootVm (which plans the way `plan`
// does, then boots). The runtime is imported when the command runs, so other commands do not pay for it.
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';
export const command: Command = {
  name: 'boot',
  summary: 'plan a VM and boot it with QEMU on a serial console; with the test guest, check the plan from inside',
  usage: `Usage: virtcompat boot --spec vm.yaml | --guest <id|short-id> [--disk FILE]... [--kernel FILE [--initrd FILE] [--append CMDLINE]]
                      [--test-guest] [--host profile.json] [--service URL] [--offline]
                      [--dry-run [--json]] [--fallback-tcg] [--log FILE] [--timeout SECONDS] [--quiet]

Resolves the plan (as \`virtcompat plan\` does) and starts QEMU with it: the serial console on stdout,
a QMP socket for status and a clean shutdown. Ctrl-C or SIGTERM presses the guest's ACPI power button,
then quits QEMU after a grace period; no QEMU is left behind.

Options:
  --spec FILE        VM spec (YAML or JSON); the flags below override it
  --guest ID         guest OS id or short id (debian12, win11 ...)
  --disk FILE        a disk image (raw, or qcow2 by extension); repeat for more
  --kernel FILE      boot this kernel directly (with --initrd FILE and --append CMDLINE;
                     default command line: console=ttyS0 panic=-1)
  --test-guest       boot the project's test guest (scripts/guest/build-test-guest.sh, built if needed):
                     it reports the devices, drivers, firmware, TPM and hypervisor it sees, and the
                     report is checked against the plan
  --memory SIZE      memory (e.g. 1GiB); --vcpus N; --name NAME
  --host FILE        plan for the host in FILE instead of probing this machine
  --service URL      GraphQL endpoint (default $VIRTCOMPAT_SERVICE or http://127.0.0.1:4000/graphql)
  --offline          plan from the local snapshot only (--snapshot-dir DIR to choose it)
  --dry-run          print the QEMU command that would run (and what starts before it); --json for the argv array
  --fallback-tcg     when the plan says KVM but KVM cannot run the guest here (nested virtualization often
                     hangs or aborts), re-plan for TCG and boot that instead of stopping
  --log FILE         append the boot's messages and the serial console to FILE
  --timeout SECONDS  stop the guest if it has not ended by then (exit 4)
  --quiet            do not copy the serial console to stdout
  --verify           exit 5 when the test guest did not see what the plan promised
  --result FILE      write the outcome, timings, plan, guest report and checks as JSON
  --qemu BINARY      QEMU binary (default qemu-system-<arch>)

Exit status: 0 the guest powered off; 1 no plan, QEMU or KVM failed; 2 usage; 3 the guest crashed
(panic, reset); 4 timeout; 5 --verify found a difference; 130/143 stopped by SIGINT/SIGTERM.
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      spec: { type: 'string' },
      guest: { type: 'string' },
      hypervisor: { type: 'string' },
      disk: { type: 'string', multiple: true },
      kernel: { type: 'string' },
      initrd: { type: 'string' },
      append: { type: 'string' },
      'test-guest': { type: 'boolean' },
      memory: { type: 'string' },
      vcpus: { type: 'string' },
      name: { type: 'string' },
      host: { type: 'string' },
      service: { type: 'string' },
      offline: { type: 'boolean' },
      'snapshot-dir': { type: 'string' },
      'service-timeout': { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      'fallback-tcg': { type: 'boolean' },
      log: { type: 'string' },
      timeout: { type: 'string' },
      quiet: { type: 'boolean' },
      verify: { type: 'boolean' },
      result: { type: 'string' },
      qemu: { type: 'string' },
    });
    const num = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${v}'`);
      return n;
    };
    const vcpus = num('vcpus', values.vcpus);
    const timeoutMs = num('service-timeout', values['service-timeout']);
    const timeoutSeconds = num('timeout', values.timeout);
    const path = (p: string | undefined) => (p === undefined ? undefined : resolve(io.cwd, p));
    const [{ clientEnv }, { withRuntimeUsage }, { bootVm }] = await Promise.all([
      import('../env.ts'),
      import('../runtime-errors.ts'),
      import('../../hypervisor-runtime/boot/boot-vm.ts'),
    ]);
    const env = clientEnv(io.env);
    return withRuntimeUsage(() =>
      bootVm({
        specFile: path(values.spec),
        overrides: {
          guest: values.guest,
          hypervisor: values.hypervisor,
          memory: values.memory,
          vcpus,
          name: values.name,
          disks: values.disk?.map((d) => resolve(io.cwd, d)),
        },
        testGuest: values['test-guest'],
        kernel: path(values.kernel),
        initrd: path(values.initrd),
        append: values.append,
        host: values.host ? { file: resolve(io.cwd, values.host) } : { probe: { cacheDir: env.cacheDir, searchPath: env.searchPath } },
        service: values.service ?? env.service,
        snapshotDir: values['snapshot-dir'] ? resolve(io.cwd, values['snapshot-dir']) : env.snapshotDir,
        timeoutMs,
        offline: values.offline,
        dryRun: values['dry-run'],
        json: values.json,
        fallbackTcg: values['fallback-tcg'],
        logFile: path(values.log),
        timeoutSeconds,
        quiet: values.quiet,
        verify: values.verify,
        resultFile: path(values.result),
        qemu: values.qemu,
        stdout: io.stdout,
        stderr: io.stderr,
      }),
    );
  },
};
