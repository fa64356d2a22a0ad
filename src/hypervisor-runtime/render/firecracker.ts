// Plan → Firecracker configuration file (JSON for `firecracker --config-file`). PURE.
import type { Plan } from '../plan.ts';
import { RenderError } from './common.ts';

export function renderFirecracker(plan: Plan): string {
  if (plan.hypervisor.family !== 'FIRECRACKER')
    throw new RenderError(`the Firecracker renderer renders firecracker plans; this plan targets ${plan.hypervisor.key}`);
  if (!plan.boot) throw new RenderError('Firecracker needs a kernel (boot.kernel)');
  const drives = plan.devices
    .filter((d) => d.role === 'disk')
    .map((d, i) => ({
      drive_id: d.id,
      path_on_host: d.disk!.source,
      is_root_device: i === 0 && !plan.boot!.initrd,
      is_read_only: d.disk!.readonly,
    }));
  const nics = plan.devices.filter((d) => d.role === 'nic');
  const ifaces = nics.map((d) => {
    const n = d.nic!;
    if (n.backend !== 'tap') throw new RenderError(`${d.id}: Firecracker attaches tap devices only (backend: tap)`);
    return { iface_id: d.id, guest_mac: n.mac, host_dev_name: n.tap };
  });
  const cfg: Record<string, unknown> = {
    'boot-source': {
      kernel_image_path: plan.boot.kernel,
      ...(plan.boot.initrd ? { initrd_path: plan.boot.initrd } : {}),
      boot_args: plan.boot.cmdline ?? 'console=ttyS0 reboot=k panic=1 pci=off',
    },
    drives,
    'machine-config': { vcpu_count: plan.cpu.vcpus, mem_size_mib: plan.memory.mib, smt: false },
    'network-interfaces': ifaces,
  };
  if (plan.devices.some((d) => d.role === 'balloon')) cfg.balloon = { amount_mib: 0, deflate_on_oom: true, stats_polling_interval_s: 0 };
  if (plan.devices.some((d) => d.role === 'rng')) cfg.entropy = {};
  return JSON.stringify(cfg, null, 2) + '\n';
}
