// OVF descriptor (DMTF DSP0243, 1.x and 2.x; as ESXi/ovftool and VirtualBox write it) → InspectedVm. PURE.
//
// Hardware is the VirtualHardwareSection's Items, told apart by rasd:ResourceType (DMTF CIM
// ResourceAllocationSettingData): 3 processor, 4 memory, 5 IDE, 6 parallel SCSI, 10 Ethernet, 14 floppy,
// 15 CD drive, 16 DVD drive, 17 disk, 20 other storage (SATA/AHCI, NVMe). The first VirtualSystem is read.
import type { DiskBus, DiskDevice, InspectedDisk, InspectedNic, InspectedVm } from './types.ts';
import { inspectedVm } from './vm.ts';
import { malformed } from './errors.ts';
import { guestFromCim, guestFromVim, type ResolvedGuest } from './guest.ts';
import { attr, kid, kids, kidText, local, parseXml, type XmlNode } from './xml.ts';

// rasd:ResourceSubType of a SCSI controller → libvirt's model word; ovftool also writes a list of
// alternatives ("buslogic lsilogic"), of which the first known one is taken.
const SCSI_MODEL: Record<string, string> = {
  lsilogic: 'lsilogic',
  buslogic: 'buslogic',
  lsilogicsas: 'lsisas1068',
  virtualscsi: 'vmpvscsi',
  'virtio-scsi': 'virtio-scsi',
};
// libvirt's words for NIC models (<model type=…>); PCnet is "pcnet", as virt-install writes it for QEMU
// (virtinst devices/interface.py, the emulated models it prefers: e1000, rtl8139, ne2k_pci, pcnet).
const NIC_MODEL: Record<string, string> = {
  e1000: 'e1000',
  e1000e: 'e1000e',
  vmxnet: 'vmxnet',
  vmxnet2: 'vmxnet2',
  vmxnet3: 'vmxnet3',
  pcnet32: 'pcnet',
  'virtio-net': 'virtio',
  virtio: 'virtio',
};

/** rasd:AllocationUnits → how many MiB one unit is ("byte * 2^20", "MegaBytes", "GigaBytes" ...). */
export function mibPerUnit(units: string | undefined): number | undefined {
  if (units === undefined) return 1;
  const u = units.replace(/\s+/g, '').toLowerCase();
  const pow = /^byte\*2\^(\d+)$/.exec(u);
  if (pow) return 2 ** (Number(pow[1]) - 20);
  const named: Record<string, number> = {
    byte: 2 ** -20,
    bytes: 2 ** -20,
    kilobytes: 2 ** -10,
    kb: 2 ** -10,
    megabytes: 1,
    mb: 1,
    mib: 1,
    gigabytes: 1024,
    gb: 1024,
    gib: 1024,
  };
  return named[u];
}

interface Item {
  el: XmlNode;
  type: number;
  sub: string[];
  field: (name: string) => string | undefined;
}

export function inspectOvf(text: string): InspectedVm {
  const env = parseXml(text, 'ovf');
  if (local(env.name) !== 'Envelope') throw malformed('ovf', env.line, `expected an OVF <Envelope>, found <${env.name}>`);
  const notes: string[] = [];
  const unknown: InspectedVm['unknown'] = [];
  const systems = findAll(env, 'VirtualSystem');
  const vs = systems[0];
  if (!vs) throw malformed('ovf', env.line, 'the envelope has no VirtualSystem');
  if (systems.length > 1) notes.push(`the envelope holds ${systems.length} virtual systems: the first, '${attr(vs, 'id') ?? ''}', is read`);

  // References and DiskSection: ovf:/disk/<diskId> → file href and format.
  const files = new Map<string, string>();
  for (const f of kids(kid(env, 'References') ?? env, 'File')) {
    const id = attr(f, 'id');
    const href = attr(f, 'href');
    if (id && href) files.set(id, href);
  }
  const diskFiles = new Map<string, { path: string | null; format?: string }>();
  for (const d of findAll(env, 'Disk')) {
    const id = attr(d, 'diskId');
    if (!id) continue;
    const ref = attr(d, 'fileRef');
    const fmt = attr(d, 'format') ?? '';
    const format = /vmdk/i.test(fmt) ? 'vmdk' : /vhd/i.test(fmt) ? 'vhd' : /qcow/i.test(fmt) ? 'qcow2' : undefined;
    diskFiles.set(id, { path: ref ? (files.get(ref) ?? null) : null, ...(format ? { format } : {}) });
  }

  const name = kidText(vs, 'Name') ?? attr(vs, 'id');

  // Guest OS: vmw:osType (a vSphere guest id) says more than the CIM code.
  let resolved: ResolvedGuest = { guest: { native: null, candidates: [] }, notes: ['the descriptor has no OperatingSystemSection'] };
  const os = kid(vs, 'OperatingSystemSection');
  if (os) {
    const vim = attr(os, 'osType');
    const code = attr(os, 'id');
    if (vim) resolved = guestFromVim(vim);
    else if (code !== undefined && /^\d+$/.test(code)) resolved = guestFromCim(Number(code), attr(os, 'version'));
    else
      resolved = {
        guest: { native: kidText(os, 'Description') ?? null, candidates: [] },
        notes: ['OperatingSystemSection gives no CIM code'],
      };
  }
  notes.push(...resolved.notes);

  const hw = kid(vs, 'VirtualHardwareSection');
  if (!hw) throw malformed('ovf', vs.line, 'the VirtualSystem has no VirtualHardwareSection');
  const platform: Record<string, string> = {};
  const system = kid(hw, 'System');
  const vst = system ? kidText(system, 'VirtualSystemType') : undefined;
  if (vst) platform.virtualSystemType = vst;

  const items: Item[] = hw.children
    .filter((c) => ['Item', 'StorageItem', 'EthernetPortItem'].includes(local(c.name)))
    .map((el) => {
      const field = (n: string) => kidText(el, n);
      const rt = field('ResourceType');
      const type = Number(rt);
      if (rt === undefined || !Number.isInteger(type))
        throw malformed('ovf', el.line, `an Item without a numeric ResourceType (found '${rt ?? ''}')`);
      const sub = (field('ResourceSubType') ?? '').split(/[\s,]+/).filter(Boolean);
      return { el, type, sub, field };
    });

  let cpus = 0;
  let memoryMiB = 0;
  let tpm = false;
  const controllers = new Map<string, { bus: DiskBus; model?: string; address?: string }>();
  const disks: InspectedDisk[] = [];
  const nics: InspectedNic[] = [];
  const unread = (i: Item) =>
    unknown.push({
      key: `Item ResourceType ${i.type}${i.sub.length ? ` (${i.sub.join(' ')})` : ''}`,
      value: i.field('ElementName') ?? '',
      line: i.el.line,
    });

  for (const i of items) {
    const qty = i.field('VirtualQuantity');
    switch (i.type) {
      case 3:
        cpus = Number(qty);
        if (!Number.isInteger(cpus) || cpus <= 0)
          throw malformed('ovf', i.el.line, `the processor Item's VirtualQuantity must be a positive whole number, found '${qty ?? ''}'`);
        break;
      case 4: {
        const per = mibPerUnit(i.field('AllocationUnits'));
        if (per === undefined)
          throw malformed('ovf', i.el.line, `memory AllocationUnits '${i.field('AllocationUnits')}' is not a unit this reader knows`);
        memoryMiB = Number(qty) * per;
        if (!(memoryMiB > 0))
          throw malformed('ovf', i.el.line, `the memory Item's VirtualQuantity must be a positive number, found '${qty ?? ''}'`);
        break;
      }
      case 5:
        controllers.set(i.field('InstanceID') ?? '', { bus: 'ide', address: i.field('Address') });
        break;
      case 6: {
        const known = i.sub.find((s) => SCSI_MODEL[s.toLowerCase()]);
        const c: { bus: DiskBus; model?: string; address?: string } = { bus: 'scsi', address: i.field('Address') };
        if (known) c.model = SCSI_MODEL[known.toLowerCase()];
        else
          notes.push(
            `SCSI controller ${i.field('ElementName') ?? i.field('InstanceID')}: ResourceSubType '${i.sub.join(' ')}' names no model this reader knows`,
          );
        if (i.sub.length > 1)
          notes.push(
            `SCSI controller ${i.field('ElementName') ?? i.field('InstanceID')} offers ${i.sub.join(', ')}: read as ${c.model ?? 'unknown'}`,
          );
        controllers.set(i.field('InstanceID') ?? '', c);
        break;
      }
      case 20: {
        const s = i.sub.join(' ').toLowerCase();
        const bus: DiskBus | undefined = /nvme/.test(s) ? 'nvme' : /sata|ahci/.test(s) ? 'sata' : undefined;
        if (bus) controllers.set(i.field('InstanceID') ?? '', { bus, address: i.field('Address') });
        else unread(i);
        break;
      }
      case 10: {
        const nic: InspectedNic = { mac: null };
        const sub = i.sub[0];
        if (sub) {
          const m = NIC_MODEL[sub.toLowerCase()];
          if (m) nic.model = m;
          else {
            nic.model = sub.toLowerCase();
            notes.push(`NIC ${i.field('ElementName') ?? ''}: ResourceSubType '${sub}' is not a model this reader knows: kept as written`);
          }
        }
        const mac = i.field('Address');
        if (mac && /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(mac)) {
          nic.mac = mac.toLowerCase().replaceAll('-', ':');
          nic.macSource = 'static';
        }
        const net = i.field('Connection');
        if (net) nic.network = net;
        nics.push(nic);
        break;
      }
      case 14:
      case 15:
      case 16:
      case 17:
        disks.push(readDisk(i));
        break;
      default:
        if (i.sub.some((s) => /vtpm/i.test(s))) tpm = true;
        else unread(i);
    }
  }

  function readDisk(i: Item): InspectedDisk {
    const device: DiskDevice = i.type === 17 ? 'disk' : i.type === 14 ? 'floppy' : 'cdrom';
    const parent = controllers.get(i.field('Parent') ?? '');
    const bus: DiskBus = device === 'floppy' ? 'fdc' : (parent?.bus ?? 'ide');
    if (device !== 'floppy' && !parent)
      notes.push(`${i.field('ElementName') ?? 'a drive'} names no controller this reader found: read on IDE`);
    const d: InspectedDisk = { device, bus, path: null };
    if (parent?.model) d.controllerModel = parent.model;
    const unit = i.field('AddressOnParent');
    if (unit !== undefined && parent?.address !== undefined) d.address = `${bus}${parent.address}:${unit}`;
    const host = i.field('HostResource');
    if (host) {
      const m = /^ovf:\/(disk|file)\/(.+)$/.exec(host);
      if (m?.[1] === 'disk') {
        const f = diskFiles.get(m[2] ?? '');
        if (f) {
          d.path = f.path;
          if (f.format) d.format = f.format;
        } else notes.push(`${i.field('ElementName') ?? 'a disk'}: HostResource ${host} names no disk in the DiskSection`);
      } else if (m?.[1] === 'file') d.path = files.get(m[2] ?? '') ?? null;
      else d.path = host;
    }
    return d;
  }

  // vmw:Config settings of the hardware section: firmware, Secure Boot.
  let firmware: 'bios' | 'uefi' = 'bios';
  let secureBoot = false;
  for (const c of hw.children.filter((c) => ['Config', 'ExtraConfig'].includes(local(c.name)))) {
    const key = attr(c, 'key') ?? '';
    const value = attr(c, 'value') ?? '';
    if (local(c.name) === 'Config' && key === 'firmware') firmware = value.toLowerCase() === 'efi' ? 'uefi' : 'bios';
    else if (local(c.name) === 'Config' && key === 'bootOptions.efiSecureBootEnabled') secureBoot = value.toLowerCase() === 'true';
    else unknown.push({ key: `${c.name} ${key}`, value, line: c.line });
  }
  // VirtualBox: <vbox:Machine> carries its own firmware setting.
  const vboxFirmware = findAll(vs, 'Firmware')[0];
  if (vboxFirmware && /efi/i.test(attr(vboxFirmware, 'type') ?? '')) firmware = 'uefi';

  for (const section of vs.children) {
    const n = local(section.name);
    if (['Info', 'Name', 'OperatingSystemSection', 'VirtualHardwareSection'].includes(n)) continue;
    unknown.push({ key: section.name, value: attr(section, 'id') ?? '', line: section.line });
  }
  if (cpus === 0) {
    cpus = 1;
    notes.push('no processor Item: 1 vCPU');
  }
  if (memoryMiB === 0) throw malformed('ovf', hw.line, 'the VirtualHardwareSection has no memory Item (ResourceType 4)');

  return inspectedVm('ovf', name, {
    guest: resolved.guest,
    firmware,
    secureBoot,
    tpm,
    cpus,
    memoryMiB,
    disks,
    nics,
    platform,
    unknown,
    notes,
  });
}

function findAll(el: XmlNode, name: string): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (e: XmlNode) => {
    for (const c of e.children) {
      if (local(c.name) === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}
