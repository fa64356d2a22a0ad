// Plan → VMware .vmx. PURE.
import type { Plan } from '../plan.ts';
import { commentLine, RenderError } from './common.ts';
import { deviceKey } from '../devices.ts';
import { captures } from '../../util/must.ts';

const NIC_DEV: Record<string, string> = { vmxnet3: 'vmxnet3', e1000e: 'e1000e', e1000: 'e1000', pcnet: 'vlance' };
const SCSI_DEV: Record<string, string> = { pvscsi: 'pvscsi', lsisas1068: 'lsisas1068', lsilogic: 'lsilogic', buslogic: 'buslogic' };

/** guestOS identifiers (VMware's guest OS list). */
export function vmwareGuestOs(plan: Plan): string {
  const sid = plan.guest.shortId ?? '';
  const m = /^([a-z]+?)(\d+)/.exec(sid);
  const fam = plan.guest.family;
  if (sid === 'win11') return 'windows11-64';
  if (sid === 'win10') return 'windows9-64';
  if (sid === 'winxp') return 'winxppro';
  if (/^win2k22/.test(sid)) return 'windows2019srvnext-64';
  if (/^win2k19/.test(sid)) return 'windows2019srv-64';
  const [distro, major] = m ? captures(m, 2) : [];
  if (distro && ['debian', 'rhel', 'centos', 'ubuntu', 'freebsd'].includes(distro)) return `${distro}${major}-64`;
  if (fam === 'linux') return 'other5xlinux-64';
  if (fam === 'winnt') return 'windows9-64';
  return 'other-64';
}

export function renderVmx(plan: Plan): string {
  if (plan.hypervisor.family !== 'VMWARE') throw new RenderError(`.vmx renders VMware plans; this plan targets ${plan.hypervisor.key}`);
  const L: string[] = ['.encoding = "UTF-8"'];
  const kv = (k: string, v: string | number | boolean) => L.push(`${k} = "${typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : v}"`);
  const c = (s: string) => L.push(`# ${commentLine(s)}`);
  c(
    `virtcompat plan: ${plan.guest.shortId ?? plan.guest.id} on ${plan.hypervisor.key} ${plan.hypervisor.version} (catalogue ${plan.facts.catalogueVersion})`,
  );
  kv('config.version', 8);
  kv('virtualHW.version', plan.machine.type.replace('vmx-', ''));
  kv('displayName', plan.name);
  kv('guestOS', vmwareGuestOs(plan));
  if (plan.firmware.type === 'uefi') {
    kv('firmware', 'efi');
    if (plan.firmware.secureBoot) kv('uefi.secureBoot.enabled', true);
  } else kv('firmware', 'bios');
  kv('numvcpus', plan.cpu.vcpus);
  kv('cpuid.coresPerSocket', plan.cpu.topology.cores);
  kv('memSize', plan.memory.mib);
  if (plan.tpm.present) kv('vtpm.present', true);
  const ctrl = new Map<string, { prefix: string; next: number }>();
  const controller = (bus: string, model: string): string => {
    const key = bus === 'scsi' ? `scsi:${model}` : bus;
    let e = ctrl.get(key);
    if (!e) {
      const n = [...ctrl.keys()].filter((k) => (bus === 'scsi' ? k.startsWith('scsi:') : k === bus)).length;
      const prefix = bus === 'scsi' ? `scsi${n}` : bus === 'sata' ? `sata${n}` : bus === 'nvme' ? `nvme${n}` : `ide${n}`;
      kv(`${prefix}.present`, true);
      if (bus === 'scsi') kv(`${prefix}.virtualDev`, model);
      e = { prefix, next: 0 };
      ctrl.set(key, e);
    }
    return `${e.prefix}:${e.next++}`;
  };
  for (const d of plan.devices.filter((x) => x.role === 'disk' || x.role === 'cdrom')) {
    c(`${d.id}: ${d.because.reason}`);
    const k = deviceKey(d.deviceId) ?? d.model;
    if (d.bus === 'scsi' && !SCSI_DEV[k]) throw new RenderError(`${d.id}: no VMware SCSI controller type for ${d.model}`);
    const slot = controller(d.bus, SCSI_DEV[k] ?? k);
    kv(`${slot}.present`, true);
    if (d.role === 'cdrom') {
      kv(`${slot}.deviceType`, 'cdrom-image');
    }
    if (d.disk!.convertFrom) c(`${d.id}: convert the image first: ${d.disk!.convertFrom.argv.join(' ')}`);
    kv(`${slot}.fileName`, d.disk!.source);
    if (d.disk!.readonly && d.role !== 'cdrom') kv(`${slot}.mode`, 'independent-nonpersistent');
  }
  let eth = 0;
  for (const d of plan.devices.filter((x) => x.role === 'nic')) {
    c(`${d.id}: ${d.because.reason}`);
    if (d.path === 'passthrough') {
      kv(`pciPassthru${eth}.present`, true);
      kv(`pciPassthru${eth}.id`, d.passthrough!.hostAddress);
      continue;
    }
    const n = d.nic!;
    const p = `ethernet${eth++}`;
    kv(`${p}.present`, n.backend !== 'none');
    const dev = NIC_DEV[deviceKey(d.deviceId) ?? ''];
    if (!dev) throw new RenderError(`${d.id}: no VMware NIC type for ${d.model}`);
    kv(`${p}.virtualDev`, dev);
    kv(`${p}.connectionType`, n.backend === 'bridge' ? 'bridged' : n.backend === 'user' ? 'nat' : 'custom');
    if (n.backend === 'bridge') kv(`${p}.networkName`, n.bridge!);
    kv(`${p}.addressType`, 'static');
    kv(`${p}.address`, n.mac);
  }
  if (plan.graphics.type !== 'none') kv('svga.present', true);
  if (plan.devices.some((x) => x.role === 'usb' && deviceKey(x.deviceId) === 'xhci')) kv('usb_xhci.present', true);
  kv('tools.syncTime', true);
  return L.join('\n') + '\n';
}
