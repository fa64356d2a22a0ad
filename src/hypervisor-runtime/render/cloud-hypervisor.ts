// Plan → Cloud Hypervisor command line (argv array). PURE.
import type { Plan } from '../plan.ts';
import { RenderError } from './common.ts';

export interface ChRenderOptions {
  binary?: string;
  runDir?: string;
  /** Path of CLOUDHV.fd when the plan boots UEFI. */
  firmwarePath?: string;
}

export function renderCloudHypervisor(plan: Plan, opts: ChRenderOptions = {}): { binary: string; args: string[] } {
  if (plan.hypervisor.family !== 'CLOUD_HYPERVISOR')
    throw new RenderError(`the Cloud Hypervisor renderer renders cloud-hypervisor plans; this plan targets ${plan.hypervisor.key}`);
  const runDir = opts.runDir ?? `/run/virtcompat/${plan.name}`;
  const a: string[] = ['--api-socket', `path=${runDir}/ch.sock`];
  a.push('--cpus', `boot=${plan.cpu.vcpus}`);
  a.push('--memory', `size=${plan.memory.mib}M`);
  if (plan.firmware.type === 'direct-kernel') {
    a.push('--kernel', plan.boot!.kernel);
    if (plan.boot!.initrd) a.push('--initramfs', plan.boot!.initrd);
    if (plan.boot!.cmdline) a.push('--cmdline', plan.boot!.cmdline);
  } else {
    a.push('--kernel', opts.firmwarePath ?? plan.firmware.code ?? 'CLOUDHV.fd');
  }
  const disks = plan.devices.filter((d) => d.role === 'disk');
  if (disks.length) a.push('--disk', ...disks.map((d) => `path=${d.disk!.source}${d.disk!.readonly ? ',readonly=on' : ''},id=${d.id}`));
  const nets = plan.devices.filter((d) => d.role === 'nic');
  const netArgs: string[] = [];
  for (const d of nets) {
    if (d.path === 'passthrough') {
      a.push('--device', `path=/sys/bus/pci/devices/${d.passthrough!.hostAddress}/,id=${d.id}`);
      continue;
    }
    const n = d.nic!;
    if (n.backend === 'none') continue;
    if (n.backend === 'bridge')
      throw new RenderError(`${d.id}: Cloud Hypervisor attaches tap devices; create a tap on bridge ${n.bridge} and use backend: tap`);
    netArgs.push(`${n.backend === 'tap' ? `tap=${n.tap},` : ''}mac=${n.mac},id=${d.id}`);
  }
  if (netArgs.length) a.push('--net', ...netArgs);
  if (plan.devices.some((d) => d.role === 'rng')) a.push('--rng', 'src=/dev/urandom');
  if (plan.devices.some((d) => d.role === 'balloon')) a.push('--balloon', 'size=0,deflate_on_oom=on');
  a.push('--serial', 'tty', '--console', 'off');
  return { binary: opts.binary ?? 'cloud-hypervisor', args: a };
}
