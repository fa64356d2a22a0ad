// VMware .vmx (ESXi, Workstation, Fusion, GSX/Server) → InspectedVm. PURE.
//
// Grammar, as VMware products write it and libvirt's vmx reader (src/vmx/vmx.c) accepts it: one
// `key = "value"` per line, keys case-insensitive (`MEMSIZE` = `memsize`), values quoted (an unquoted
// value is accepted), whole-line `#` comments (and `#!/usr/bin/vmware` on GSX files), blank lines.
// A device counts only with `<dev>.present = "TRUE"`, as libvirt reads it. Model names are libvirt's:
// SCSI virtualDev pvscsi → vmpvscsi; NIC virtualDev vlance, vmxnet, vmxnet2, vmxnet3, e1000, e1000e as written.
import type { DiskBus, InspectedDisk, InspectedNic, InspectedVm } from './types.ts';
import { inspectedVm } from './vm.ts';
import { malformed } from './errors.ts';
import { guestFromVmx } from './guest.ts';

interface Entry {
  key: string;
  value: string;
  line: number;
}

// A quoted value runs to the next quote: VMware escapes a quote inside a value as |22, never with a backslash,
// and Windows hosts write paths with literal backslashes (C:\VMs\disk.vmdk).
const LINE = /^([A-Za-z0-9_.:-]+)\s*=\s*(?:"([^"]*)"|([^"#\s][^#]*?))?\s*(?:#.*)?$/;

/** The .vmx file's entries by lower-cased key; a later duplicate wins, as VMware reads it. */
export function parseVmxEntries(text: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    const m = LINE.exec(s);
    if (!m) {
      const why = !s.includes('=')
        ? `expected 'key = "value"', found '${s.slice(0, 60)}'`
        : /=\s*"[^"]*$/.test(s)
          ? 'unterminated quoted value'
          : `cannot read '${s.slice(0, 60)}'`;
      throw malformed('vmx', i + 1, why);
    }
    const key = m[1] ?? '';
    entries.set(key.toLowerCase(), { key, value: m[2] ?? m[3]?.trim() ?? '', line: i + 1 });
  });
  return entries;
}

const SCSI_MODEL: Record<string, string> = { lsilogic: 'lsilogic', buslogic: 'buslogic', lsisas1068: 'lsisas1068', pvscsi: 'vmpvscsi' };
const NIC_MODEL = new Set(['vlance', 'vmxnet', 'vmxnet2', 'vmxnet3', 'e1000', 'e1000e']);
const CDROM_TYPES = new Set(['cdrom-image', 'cdrom-raw', 'atapi-cdrom']);
const DISK_TYPES = new Set(['disk', 'plaindisk', 'rawdisk', 'scsi-harddisk', 'ata-harddisk', 'scsi-passthru']);

export function inspectVmx(text: string): InspectedVm {
  const entries = parseVmxEntries(text);
  const used = new Set<string>();
  const notes: string[] = [];
  const get = (k: string): string | undefined => {
    const e = entries.get(k.toLowerCase());
    if (e) used.add(k.toLowerCase());
    return e?.value;
  };
  const isTrue = (k: string) => get(k)?.toUpperCase() === 'TRUE';

  // displayName escapes characters as |XX (hex), as libvirt's vmx reader decodes them (virVMXUnescapeHex).
  const name = get('displayName')?.replace(/\|([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  const nativeOs = get('guestOS');
  const resolved = nativeOs ? guestFromVmx(nativeOs) : { guest: { native: null, candidates: [] }, notes: ['the file names no guestOS'] };
  notes.push(...resolved.notes);

  const memsize = get('memsize');
  let memoryMiB = Number(memsize);
  if (memsize === undefined) {
    memoryMiB = 32;
    notes.push("memsize absent: 32 MiB, the default libvirt's vmx reader applies");
  } else if (!Number.isInteger(memoryMiB) || memoryMiB <= 0) {
    throw malformed('vmx', entries.get('memsize')?.line, `memsize must be a positive whole number of MiB, found '${memsize}'`);
  }
  const vcpus = get('numvcpus');
  let cpus = Number(vcpus);
  if (vcpus === undefined) {
    cpus = 1;
    notes.push("numvcpus absent: 1 vCPU, the default libvirt's vmx reader applies");
  } else if (!Number.isInteger(cpus) || cpus <= 0) {
    throw malformed('vmx', entries.get('numvcpus')?.line, `numvcpus must be a positive whole number, found '${vcpus}'`);
  }

  const fw = get('firmware')?.toLowerCase();
  if (fw !== undefined && fw !== 'efi' && fw !== 'bios') notes.push(`firmware '${fw}' is neither efi nor bios: read as bios`);
  const firmware = fw === 'efi' ? 'uefi' : 'bios';
  const secureBoot = isTrue('uefi.secureBoot.enabled');
  if (secureBoot && firmware !== 'uefi') notes.push('uefi.secureBoot.enabled is set but firmware is not efi');
  const tpm = isTrue('vtpm.present');
  // An encrypted VM (Workstation, Fusion) keeps settings in the encryption.data blob; only the plain keys are read.
  if (entries.has('encryption.data'))
    notes.push(
      `encryption.data is present (vmx.encryptionType '${get('vmx.encryptionType') ?? 'full'}'): settings VMware encrypted there are not read, only the plain keys`,
    );

  // Controllers: scsiN (with virtualDev), sataN, nvmeN; IDE has no controller keys.
  const controllers = new Map<string, { bus: DiskBus; model?: string }>();
  for (const [k] of entries) {
    const m = /^(scsi|sata|nvme)(\d+)\.present$/.exec(k);
    if (!m || !isTrue(k)) continue;
    const [, bus = '', n = ''] = m;
    const id = `${bus}${n}`;
    const c: { bus: DiskBus; model?: string } = { bus: bus as DiskBus };
    if (bus === 'scsi') {
      const dev = get(`${id}.virtualDev`)?.toLowerCase();
      if (dev === undefined)
        notes.push(`${id} names no virtualDev: ESXi then picks the guest OS's default SCSI controller (lsilogic, lsisas1068 or pvscsi)`);
      else if (SCSI_MODEL[dev]) c.model = SCSI_MODEL[dev];
      else {
        c.model = dev;
        notes.push(`${id}.virtualDev '${dev}' is not a SCSI controller this reader knows: kept as written`);
      }
    }
    controllers.set(id, c);
  }

  const disks: InspectedDisk[] = [];
  const slots = [...entries.keys()]
    .map((k) => /^(scsi|sata|nvme|ide)(\d+):(\d+)\.present$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => order(a) - order(b));
  for (const m of slots) {
    const [key, bus = '', n = '', unit = ''] = m;
    const slot = `${bus}${n}:${unit}`;
    if (!isTrue(key)) continue;
    const ctrl = controllers.get(`${bus}${n}`);
    if (bus !== 'ide' && !ctrl) notes.push(`${slot} is present but ${bus}${n}.present is not TRUE: read on ${bus}${n} anyway`);
    const type = get(`${slot}.deviceType`)?.toLowerCase();
    const file = get(`${slot}.fileName`);
    const device = type && CDROM_TYPES.has(type) ? 'cdrom' : 'disk';
    if (type && !CDROM_TYPES.has(type) && !DISK_TYPES.has(type)) notes.push(`${slot}.deviceType '${type}' is unknown: read as a disk`);
    const d: InspectedDisk = {
      device,
      bus: bus as DiskBus,
      address: slot,
      path: file === undefined || file === '' || file === 'emptyBackingString' || file.toLowerCase() === 'auto detect' ? null : file,
    };
    if (ctrl?.model) d.controllerModel = ctrl.model;
    if (device === 'disk' && file?.toLowerCase().endsWith('.vmdk')) d.format = 'vmdk';
    disks.push(d);
  }
  for (const [k] of entries) {
    const m = /^floppy(\d+)\.present$/.exec(k);
    if (!m || !isTrue(k)) continue;
    const file = get(`floppy${m[1]}.fileName`);
    disks.push({ device: 'floppy', bus: 'fdc', address: `floppy${m[1]}`, path: file || null });
  }

  // Boot order (Broadcom KB 326326, "Changing the boot order of a virtual machine ... advanced option"):
  // bios.bootOrder lists ethernetN, hdd, cdrom and floppy; hdd means the disks bios.hddOrder names, in order;
  // cdrom and floppy mean every such drive in turn. A NIC takes its place in the order but is no disk.
  const bootOrder = get('bios.bootOrder');
  if (bootOrder !== undefined) {
    const hddOrder = (get('bios.hddOrder') ?? '')
      .toLowerCase()
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    let position = 1;
    for (const entry of bootOrder
      .toLowerCase()
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const targets =
        entry === 'hdd'
          ? hddOrder.flatMap((slot) => disks.filter((d) => d.device === 'disk' && d.address === slot))
          : entry === 'cdrom' || entry === 'floppy'
            ? disks.filter((d) => d.device === entry)
            : [];
      if (entry === 'hdd' && hddOrder.length === 0) notes.push('bios.bootOrder names hdd but bios.hddOrder names no disk');
      if (!/^(hdd|cdrom|floppy|ethernet\d+)$/.test(entry)) notes.push(`bios.bootOrder entry '${entry}' is unknown`);
      if (/^ethernet\d+$/.test(entry)) position++;
      for (const d of targets) if (d.bootOrder === undefined) d.bootOrder = position++;
    }
  }

  const nics: InspectedNic[] = [];
  const eths = [...entries.keys()]
    .map((k) => /^ethernet(\d+)\.present$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  for (const m of eths) {
    const id = `ethernet${m[1]}`;
    if (!isTrue(m[0])) continue;
    const nic: InspectedNic = { mac: null };
    const dev = get(`${id}.virtualDev`)?.toLowerCase();
    if (dev === undefined) notes.push(`${id} names no virtualDev: VMware picks one by guestOS and virtualHW.version`);
    else {
      nic.model = dev;
      if (!NIC_MODEL.has(dev)) notes.push(`${id}.virtualDev '${dev}' is not a NIC model this reader knows: kept as written`);
    }
    // Only the address the addressType uses is read; the other (a stale one) stays in the unknown list.
    const addressType = get(`${id}.addressType`)?.toLowerCase();
    const mac = (key: string) => get(`${id}.${key}`)?.toLowerCase() ?? null;
    if (addressType === 'static') {
      nic.mac = mac('address');
      nic.macSource = 'static';
    } else if (addressType === 'vpx') {
      nic.mac = mac('generatedAddress');
      nic.macSource = 'assigned';
    } else if (addressType === 'generated' || addressType === undefined) {
      // No addressType reads as generated, as libvirt's vmx reader (virVMXParseEthernet) takes it.
      nic.mac = mac('generatedAddress');
      if (nic.mac) nic.macSource = 'generated';
    } else notes.push(`${id}.addressType '${addressType}' is unknown: MAC not read`);
    const network = get(`${id}.networkName`) ?? get(`${id}.connectionType`);
    if (network) nic.network = network;
    if (!nic.mac && addressType !== undefined) notes.push(`${id} has no MAC yet: VMware assigns one at power-on`);
    nics.push(nic);
  }

  const platform: Record<string, string> = {};
  for (const k of ['virtualHW.version', 'virtualHW.productCompatibility', 'config.version', 'chipset.motherboardLayout']) {
    const v = get(k);
    if (v !== undefined) platform[k] = v;
  }
  // As libvirt's vmx reader decides the architecture: a guestOS ending in -64 is x86_64, any other i686.
  if (nativeOs !== undefined) platform.arch = nativeOs.toLowerCase().endsWith('-64') ? 'x86_64' : 'i686';

  const unknown = [...entries.entries()]
    .filter(([k]) => !used.has(k) && !isDevicePresence(k))
    .map(([, e]) => ({ key: e.key, value: e.value, line: e.line }));

  return inspectedVm('vmx', name, {
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

// `.present` keys of the devices read above (TRUE or FALSE) are interpreted, not unknown.
const isDevicePresence = (k: string) => /^((scsi|sata|nvme|ide)\d+(:\d+)?|floppy\d+|ethernet\d+)\.present$/.test(k);

const BUS_ORDER: Record<string, number> = { ide: 0, sata: 1, scsi: 2, nvme: 3 };
const order = (m: RegExpExecArray) => (BUS_ORDER[m[1] ?? ''] ?? 9) * 1e6 + Number(m[2]) * 1e3 + Number(m[3]);
