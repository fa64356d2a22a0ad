// Plan → Xen xl.cfg (xl.cfg(5)). PURE.
import type { Plan } from '../plan.ts';
import { commentLine, quoteCfg, RenderError } from './common.ts';
import { deviceKey } from '../devices.ts';

/** Hyper-V enlightenment keys → Xen viridian enlightenment groups (xl.cfg(5) `viridian`). */
const VIRIDIAN: Record<string, string> = {
  'hv-relaxed': 'base',
  'hv-vapic': 'apic_assist',
  'hv-time': 'time_ref_count',
  'hv-frequencies': 'freq',
  'hv-synic': 'synic',
  'hv-stimer': 'stimer',
  'hv-tlbflush': 'hcall_remote_tlb_flush',
  'hv-ipi': 'hcall_ipi',
  'hv-vpindex': 'base',
};

const XL_NIC_MODEL: Record<string, string> = { e1000: 'e1000', rtl8139: 'rtl8139', e1000e: 'e1000e', 'virtio-net': 'virtio-net' };

export interface XlRenderOptions {
  /** Bridge for NICs the spec gives no bridge (xl has no user-mode networking). */
  defaultBridge?: string;
}

export function renderXl(plan: Plan, opts: XlRenderOptions = {}): string {
  if (plan.hypervisor.family !== 'XEN') throw new RenderError(`xl.cfg renders Xen plans; this plan targets ${plan.hypervisor.key}`);
  const L: string[] = [];
  const c = (s: string) => L.push(`# ${commentLine(s)}`);
  const kv = (k: string, v: string | number) => L.push(`${k} = ${typeof v === 'number' ? v : v}`);
  c(
    `virtcompat plan: ${plan.guest.shortId ?? plan.guest.id} on ${plan.hypervisor.key} ${plan.hypervisor.version} (catalogue ${plan.facts.catalogueVersion})`,
  );
  c(`backend ${plan.backend.key}: ${plan.backend.because.reason}`);
  kv('name', quoteCfg(plan.name));
  kv('type', quoteCfg(plan.machine.type));
  kv('memory', plan.memory.mib);
  kv('vcpus', plan.cpu.vcpus);
  const hvm = plan.machine.type === 'hvm';
  if (plan.firmware.type === 'direct-kernel') {
    c(plan.firmware.because.reason);
    kv('kernel', quoteCfg(plan.boot?.kernel ?? plan.firmware.code!));
    if (plan.boot?.initrd) kv('ramdisk', quoteCfg(plan.boot.initrd));
    if (plan.boot?.cmdline) kv('cmdline', quoteCfg(plan.boot.cmdline));
  } else if (hvm) {
    if (plan.firmware.type === 'uefi') kv('bios', quoteCfg('ovmf'));
    else kv('bios', quoteCfg('seabios'));
  }
  if (hvm) {
    kv('acpi', plan.features.acpi ? 1 : 0);
    kv('apic', plan.features.apic ? 1 : 0);
    if (plan.clock.offset === 'localtime') kv('localtime', 1);
    const groups = [
      ...new Set(
        plan.paravirt.flatMap((p) => {
          const group = p.enabled ? VIRIDIAN[p.key] : undefined;
          return group ? [group] : [];
        }),
      ),
    ];
    // base is a prerequisite of every other group (xl.cfg(5) viridian)
    if (groups.length && !groups.includes('base')) groups.unshift('base');
    if (groups.length) kv('viridian', `[ ${groups.map(quoteCfg).join(', ')} ]`);
  }
  const disks: string[] = [];
  let xvd = 0;
  let hd = 0;
  let ahci = false;
  for (const d of plan.devices.filter((x) => x.role === 'disk' || x.role === 'cdrom')) {
    c(`${d.id}: ${d.because.reason}`);
    const vdev = d.bus === 'xen' ? `xvd${String.fromCharCode(97 + xvd++)}` : `hd${String.fromCharCode(97 + hd++)}`;
    const parts = [`format=${d.disk!.format}`, `vdev=${vdev}`, `access=${d.disk!.readonly ? 'ro' : 'rw'}`];
    if (d.bus === 'sata') ahci = true;
    if (d.role === 'cdrom') parts.push('devtype=cdrom');
    parts.push(`target=${d.disk!.source}`);
    disks.push(quoteCfg(parts.join(', ')));
  }
  kv('disk', `[ ${disks.join(', ')} ]`);
  if (ahci) kv('hdtype', quoteCfg('ahci'));
  const vifs: string[] = [];
  for (const d of plan.devices.filter((x) => x.role === 'nic')) {
    c(`${d.id}: ${d.because.reason}`);
    if (d.path === 'passthrough') continue;
    const n = d.nic!;
    if (n.backend === 'none') continue;
    const parts = [`mac=${n.mac}`];
    if (n.backend === 'tap') parts.push(`vifname=${n.tap}`);
    else parts.push(`bridge=${n.bridge ?? opts.defaultBridge ?? 'xenbr0'}`);
    if (d.bus !== 'xen') parts.push('type=ioemu', `model=${XL_NIC_MODEL[deviceKey(d.deviceId) ?? ''] ?? 'e1000'}`);
    else parts.push('type=vif');
    vifs.push(quoteCfg(parts.join(', ')));
  }
  kv('vif', `[ ${vifs.join(', ')} ]`);
  const pci = plan.devices.filter((x) => x.path === 'passthrough').map((d) => quoteCfg(d.passthrough!.hostAddress));
  if (pci.length) kv('pci', `[ ${pci.join(', ')} ]`);
  if (plan.graphics.type !== 'none') {
    const video = plan.devices.find((x) => x.role === 'display');
    if (hvm) {
      kv('vnc', 1);
      kv('vga', quoteCfg(deviceKey(video?.deviceId) === 'cirrus' ? 'cirrus' : 'stdvga'));
      kv('usbdevice', `[ ${quoteCfg('tablet')} ]`);
    } else kv('vfb', `[ ${quoteCfg('vnc=1')} ]`);
  } else if (hvm) {
    kv('vnc', 0);
    kv('nographic', 1);
  }
  if (hvm) kv('serial', quoteCfg('pty'));
  kv('on_poweroff', quoteCfg('destroy'));
  kv('on_reboot', quoteCfg('restart'));
  kv('on_crash', quoteCfg('destroy'));
  return L.join('\n') + '\n';
}
