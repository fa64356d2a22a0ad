// Plan → libvirt domain XML (QEMU/KVM driver). PURE. Valid per `virt-xml-validate` (libvirt 9.0 schema).
import type { Plan, PlannedDevice } from '../plan.ts';
import { el, RenderError, serializeXml, type XmlNode } from './common.ts';
import { deviceKey } from '../devices.ts';

export interface LibvirtRenderOptions {
  emulator?: string;
  /** Folder for the UEFI variable store (default /var/lib/libvirt/qemu/nvram). */
  nvramDir?: string;
}

/** libvirt's virtio model for a planned device: explicit (non-)transitional so the guest sees what the plan says. */
function virtioModel(d: PlannedDevice): string {
  if (d.paravirtInterface === 'VIRTIO_1_0') return 'virtio-non-transitional';
  if (d.paravirtInterface === 'VIRTIO_TRANSITIONAL' || d.paravirtInterface === 'VIRTIO_LEGACY') return 'virtio-transitional';
  return 'virtio';
}

// device key (DEVICE_KEYS) → libvirt model names
const NIC_MODEL: Record<string, string> = {
  e1000: 'e1000',
  e1000e: 'e1000e',
  rtl8139: 'rtl8139',
  ne2k_pci: 'ne2k_pci',
  pcnet: 'pcnet',
  vmxnet3: 'vmxnet3',
};
const VIDEO_MODEL: Record<string, string> = { 'virtio-gpu': 'virtio', qxl: 'qxl', vga: 'vga', cirrus: 'cirrus', 'vmware-svga': 'vmvga' };
const SOUND_MODEL: Record<string, string> = { 'ich9-hda': 'ich9', ich6: 'ich6', ac97: 'ac97' };
const USB_MODEL: Record<string, string> = { 'qemu-xhci': 'qemu-xhci', 'nec-xhci': 'nec-xhci', ehci: 'ich9-ehci1' };
const key = (d: PlannedDevice): string => deviceKey(d.deviceId) ?? (d.model === 'ich9-usb-ehci1' ? 'ehci' : d.model);
const HYPERV_ELEMENT: Record<string, string> = {
  'hv-relaxed': 'relaxed',
  'hv-vapic': 'vapic',
  'hv-spinlocks': 'spinlocks',
  'hv-vpindex': 'vpindex',
  'hv-runtime': 'runtime',
  'hv-synic': 'synic',
  'hv-stimer': 'stimer',
  'hv-reset': 'reset',
  'hv-frequencies': 'frequencies',
  'hv-reenlightenment': 'reenlightenment',
  'hv-tlbflush': 'tlbflush',
  'hv-ipi': 'ipi',
};
// libvirt's order inside <hyperv> (domaincommon.rng interleave, but keep it stable)
const HYPERV_ORDER = Object.keys(HYPERV_ELEMENT);

function pciAddress(addr: string): XmlNode {
  const m = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(addr);
  if (!m) throw new RenderError(`bad PCI address ${addr}`);
  return el('address', { type: 'pci', domain: `0x${m[1]}`, bus: `0x${m[2]}`, slot: `0x${m[3]}`, function: `0x${m[4]}` });
}

export function renderLibvirt(plan: Plan, opts: LibvirtRenderOptions = {}): string {
  if (plan.hypervisor.family !== 'KVM')
    throw new RenderError(
      `the libvirt renderer renders KVM/QEMU plans; this plan targets ${plan.hypervisor.key} (use --format ${plan.hypervisor.key === 'xen' ? 'xl' : plan.hypervisor.key === 'vmware' ? 'vmx' : 'json'})`,
    );
  if (plan.machine.type === 'microvm') throw new RenderError('libvirt does not manage QEMU microvm machines; use --format qemu');
  const kvm = plan.acceleration.mode === 'kvm';
  const q35 = plan.machine.type === 'q35';
  const machine = plan.migration && plan.machine.versioned ? plan.machine.versioned : plan.machine.type;

  // <os>
  const osKids: (XmlNode | null)[] = [el('type', { arch: plan.arch, machine }, 'hvm')];
  if (plan.firmware.type === 'uefi') {
    osKids.push(el('loader', { readonly: 'yes', secure: plan.firmware.secureBoot ? 'yes' : 'no', type: 'pflash' }, plan.firmware.code!));
    osKids.push(
      el(
        'nvram',
        { template: plan.firmware.varsTemplate ?? undefined },
        `${opts.nvramDir ?? '/var/lib/libvirt/qemu/nvram'}/${plan.name}_VARS.fd`,
      ),
    );
  }
  if (plan.boot) {
    osKids.push(el('kernel', {}, plan.boot.kernel));
    if (plan.boot.initrd) osKids.push(el('initrd', {}, plan.boot.initrd));
    if (plan.boot.cmdline) osKids.push(el('cmdline', {}, plan.boot.cmdline));
  }

  // <features>
  const feat: XmlNode[] = [];
  if (plan.features.acpi) feat.push(el('acpi'));
  if (plan.features.apic) feat.push(el('apic'));
  const hv = plan.paravirt.flatMap((p) => {
    const name = p.family === 'HYPERV' && p.enabled ? HYPERV_ELEMENT[p.key] : undefined;
    return name ? [{ ...p, name }] : [];
  });
  if (hv.length) {
    hv.sort((a, b) => HYPERV_ORDER.indexOf(a.key) - HYPERV_ORDER.indexOf(b.key));
    feat.push(
      el(
        'hyperv',
        { mode: 'custom' },
        ...hv.map((p) => el(p.name, { state: 'on', retries: p.key === 'hv-spinlocks' ? Number(p.options?.retries ?? 8191) : undefined })),
      ),
    );
  }
  const kvmFeat = plan.paravirt.filter((p) => p.family === 'KVM' && p.enabled && (p.key === 'kvm-pv-ipi' || p.key === 'kvm-poll-control'));
  if (kvm && kvmFeat.length)
    feat.push(el('kvm', {}, ...kvmFeat.map((p) => el(p.key === 'kvm-pv-ipi' ? 'pv-ipi' : 'poll-control', { state: 'on' }))));
  if (plan.features.vmport === false) feat.push(el('vmport', { state: 'off' }));
  if (plan.features.smm) feat.push(el('smm', { state: 'on' }));

  // <cpu>
  const topo = el('topology', {
    sockets: plan.cpu.topology.sockets,
    dies: 1,
    cores: plan.cpu.topology.cores,
    threads: plan.cpu.topology.threads,
  });
  let cpu: XmlNode;
  if (plan.cpu.mode === 'host-passthrough')
    cpu = el(
      'cpu',
      { mode: 'host-passthrough', check: 'none', migratable: 'on' },
      topo,
      ...plan.cpu.disabledFeatures.map((f) => el('feature', { policy: 'disable', name: f })),
    );
  else if (plan.cpu.mode === 'max') cpu = el('cpu', { mode: 'maximum', check: 'none', migratable: 'on' }, topo);
  else
    cpu = el(
      'cpu',
      { mode: 'custom', match: 'exact', check: 'partial' },
      el('model', { fallback: 'forbid' }, plan.cpu.model ?? 'qemu64'),
      topo,
    );

  // <clock>
  const clock = el(
    'clock',
    { offset: plan.clock.offset },
    ...plan.clock.timers.map((t) =>
      el('timer', { name: t.name, tickpolicy: t.tickpolicy, present: t.present === undefined ? undefined : t.present ? 'yes' : 'no' }),
    ),
  );

  // <devices>
  const dev: XmlNode[] = [el('emulator', {}, opts.emulator ?? `/usr/bin/qemu-system-${plan.arch}`)];
  const letters: Record<string, number> = { virtio: 0, sata: 0, scsi: 0, ide: 0 };
  const prefix: Record<string, string> = { virtio: 'vd', sata: 'sd', scsi: 'sd', ide: 'hd' };
  for (const d of plan.devices.filter((x) => x.role === 'disk' || x.role === 'cdrom')) {
    if (!d.disk) throw new RenderError(`${d.id}: disk without a source`);
    const devPrefix = prefix[d.bus];
    if (devPrefix === undefined) throw new RenderError(`${d.id}: libvirt 9.0 has no disk bus ${d.bus}`);
    const key = d.bus === 'scsi' || d.bus === 'sata' ? 'sata' : d.bus;
    const letter = letters[key] ?? 0; // every bus prefix knows has a counter
    letters[key] = letter + 1;
    const target = `${devPrefix}${String.fromCharCode(97 + letter)}`;
    dev.push(
      el(
        'disk',
        { type: 'file', device: d.role === 'cdrom' ? 'cdrom' : 'disk', model: d.bus === 'virtio' ? virtioModel(d) : undefined },
        el('driver', { name: 'qemu', type: d.disk.format === 'qcow2' ? 'qcow2' : 'raw' }),
        el('source', { file: d.disk.source }),
        el('target', { dev: target, bus: d.bus }),
        d.disk.readonly ? el('readonly') : null,
        d.disk.bootIndex !== null ? el('boot', { order: d.disk.bootIndex }) : null,
        el('alias', { name: `ua-${d.id}` }),
      ),
    );
  }
  for (const d of plan.devices.filter((x) => x.role === 'storage-controller'))
    dev.push(
      el('controller', {
        type: 'scsi',
        index: 0,
        model: d.paravirtInterface === 'VIRTIO_1_0' ? 'virtio-non-transitional' : 'virtio-transitional',
      }),
    );
  for (const d of plan.devices.filter((x) => x.role === 'usb')) {
    const model = USB_MODEL[key(d)];
    if (!model) throw new RenderError(`${d.id}: no libvirt USB model for ${d.model}`);
    if (model === 'ich9-ehci1') {
      dev.push(el('controller', { type: 'usb', index: 0, model }));
      String(d.options?.companions ?? '')
        .split(',')
        .filter(Boolean)
        .forEach((c, i) => {
          dev.push(el('controller', { type: 'usb', index: 0, model: c.replace('ich9-usb-', 'ich9-') }, el('master', { startport: i * 2 })));
        });
    } else dev.push(el('controller', { type: 'usb', index: 0, model, ports: d.options?.ports as number | undefined }));
  }
  const agent = plan.devices.find((x) => x.role === 'guest-agent');
  if (agent) dev.push(el('controller', { type: 'virtio-serial', index: 0, model: virtioModel(agent) }));
  for (const d of plan.devices.filter((x) => x.role === 'nic')) {
    if (d.path === 'passthrough') {
      dev.push(
        el(
          'interface',
          { type: 'hostdev', managed: 'yes' },
          el('mac', { address: d.nic?.mac ?? undefined }),
          el('source', {}, pciAddress(d.passthrough!.hostAddress)),
          el('alias', { name: `ua-${d.id}` }),
        ),
      );
      continue;
    }
    const n = d.nic!;
    if (n.backend === 'none') continue;
    const model = d.paravirtInterface.startsWith('VIRTIO') ? virtioModel(d) : NIC_MODEL[key(d)];
    if (!model) throw new RenderError(`${d.id}: no libvirt NIC model for ${d.model}`);
    const type = n.backend === 'user' ? 'user' : n.backend === 'bridge' ? 'bridge' : 'ethernet';
    dev.push(
      el(
        'interface',
        { type },
        el('mac', { address: n.mac }),
        n.backend === 'bridge' ? el('source', { bridge: n.bridge! }) : null,
        n.backend === 'tap' ? el('target', { dev: n.tap!, managed: 'no' }) : null,
        el('model', { type: model }),
        el('alias', { name: `ua-${d.id}` }),
      ),
    );
  }
  for (const d of plan.devices.filter((x) => x.role === 'console')) {
    void d;
    dev.push(el('serial', { type: 'pty' }, el('target', { type: 'isa-serial', port: 0 }, el('model', { name: 'isa-serial' }))));
    dev.push(el('console', { type: 'pty' }, el('target', { type: 'serial', port: 0 })));
  }
  if (agent)
    dev.push(
      el(
        'channel',
        { type: 'unix' },
        el('source', { mode: 'bind' }),
        el('target', { type: 'virtio', name: String(agent.options?.channel ?? 'org.qemu.guest_agent.0') }),
      ),
    );
  if (plan.graphics.type !== 'none') {
    for (const d of plan.devices.filter((x) => x.role === 'input'))
      dev.push(el('input', { type: 'tablet', bus: d.bus === 'usb' ? 'usb' : 'virtio' }));
  }
  if (plan.tpm.present)
    dev.push(el('tpm', { model: plan.tpm.model! }, el('backend', { type: 'emulator', version: plan.tpm.version ?? '2.0' })));
  if (plan.graphics.type === 'spice')
    dev.push(el('graphics', { type: 'spice', autoport: 'yes' }, el('listen', { type: 'address' }), el('image', { compression: 'off' })));
  if (plan.graphics.type === 'vnc') dev.push(el('graphics', { type: 'vnc', port: -1, autoport: 'yes' }, el('listen', { type: 'address' })));
  for (const d of plan.devices.filter((x) => x.role === 'sound')) {
    const model = SOUND_MODEL[key(d)];
    if (!model) throw new RenderError(`${d.id}: no libvirt sound model for ${d.model}`);
    dev.push(el('sound', { model }));
  }
  const video = plan.devices.filter((x) => x.role === 'display');
  if (plan.graphics.type !== 'none' && video.length)
    for (const d of video) {
      const model = VIDEO_MODEL[key(d)];
      if (!model) throw new RenderError(`${d.id}: no libvirt video model for ${d.model}`);
      dev.push(el('video', {}, el('model', { type: model, primary: 'yes' })));
    }
  else dev.push(el('video', {}, el('model', { type: 'none' })));
  const balloon = plan.devices.find((x) => x.role === 'balloon');
  dev.push(el('memballoon', { model: balloon ? virtioModel(balloon) : 'none' }));
  for (const d of plan.devices.filter((x) => x.role === 'rng'))
    dev.push(el('rng', { model: virtioModel(d) }, el('backend', { model: 'random' }, String(d.options?.source ?? '/dev/urandom'))));

  const domain = el(
    'domain',
    { type: kvm ? 'kvm' : 'qemu' },
    el('name', {}, plan.name),
    el(
      'metadata',
      {},
      el(
        'libosinfo:libosinfo',
        { 'xmlns:libosinfo': 'http://libosinfo.org/xmlns/libvirt/domain/1.0' },
        el('libosinfo:os', { id: plan.guest.id }),
      ),
    ),
    el('memory', { unit: 'MiB' }, String(plan.memory.mib)),
    el('currentMemory', { unit: 'MiB' }, String(plan.memory.mib)),
    el('vcpu', { placement: 'static' }, String(plan.cpu.vcpus)),
    el('os', {}, ...osKids.filter((x): x is XmlNode => !!x)),
    el('features', {}, ...feat),
    cpu,
    clock,
    el('on_poweroff', {}, 'destroy'),
    el('on_reboot', {}, 'restart'),
    el('on_crash', {}, 'destroy'),
    el('pm', {}, el('suspend-to-mem', { enabled: 'no' }), el('suspend-to-disk', { enabled: 'no' })),
    el('devices', {}, ...dev),
  );
  void q35;
  return `<!-- virtcompat plan for ${plan.guest.shortId ?? plan.guest.id} on ${plan.hypervisor.key} ${plan.hypervisor.version}; catalogue ${plan.facts.catalogueVersion} -->\n${serializeXml(domain)}\n`;
}
