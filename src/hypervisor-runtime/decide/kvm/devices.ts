// KVM/QEMU devices per slot, following virtinst devices/*.py default_model where the guest gives no better path.
import type { ReleaseDeviceFact } from '../../facts.ts';
import { chooseDevice, deviceKey, driverOf, guestSupport, matchesKey, type Slot } from '../../devices.ts';
import { PlanError, type FirmwareChoice, type PlannedDevice } from '../../plan.ts';
import { type Ctx, because } from '../context.ts';
import { nicSpecs, diskSpecs, attachDisk, attachNic, byName } from '../attach.ts';
import { OSINFO, virtInstallDrives, virtInstallView } from './virt-install.ts';

export function kvmDevices(ctx: Ctx, machine: 'q35' | 'pc', firmware: FirmwareChoice, graphics: 'spice' | 'vnc' | 'none'): PlannedDevice[] {
  const { spec, release, label, guest } = ctx;
  const out: PlannedDevice[] = [];
  const pcie = machine === 'q35';
  const chipsetCtrl = pcie ? 'ahci' : 'ide';
  const chipsetBus = pcie ? 'sata' : 'ide';
  const chipsetRule = (rd: ReleaseDeviceFact) =>
    matchesKey(rd, chipsetCtrl)
      ? {
          rule: 'storage.chipset-controller',
          reason: `${pcie ? `SATA on the ICH9 AHCI controller built into q35, which ${label} drives with the q35 chipset` : 'IDE on the PIIX3 controller built into pc, which every x86 guest drives'} (virt-install's choice too)`,
        }
      : null;
  const virtioBus = (rd: ReleaseDeviceFact, path: string) =>
    path === 'paravirtual' && rd.device.paravirtInterface.startsWith('VIRTIO') ? 'virtio' : rd.device.bus;

  // disks
  let boot = 1;
  for (const [i, d] of diskSpecs(spec).entries()) {
    const cd = d.device === 'cdrom';
    const id = d.name ?? `${cd ? 'cdrom' : 'disk'}${i}`;
    const busWish = d.bus;
    const slot: Slot = {
      role: cd ? 'cdrom' : 'disk',
      id,
      classes: ['STORAGE', 'STORAGE_CONTROLLER'],
      allow: (rd) => {
        if (rd.device.class === 'STORAGE_CONTROLLER' && rd.device.kind === 'PARAVIRTUAL') return busWish === 'scsi';
        if (rd.device.class === 'STORAGE' && rd.device.kind === 'PARAVIRTUAL') return !cd && (busWish === 'auto' || busWish === 'virtio');
        if (busWish === 'nvme') return matchesKey(rd, 'nvme');
        if (busWish === 'sata') return matchesKey(rd, 'ahci');
        if (busWish === 'ide') return matchesKey(rd, 'ide');
        return matchesKey(rd, chipsetCtrl);
      },
      emulatedOrder: busWish === 'nvme' ? ['nvme'] : busWish === 'sata' ? ['ahci'] : busWish === 'ide' ? ['ide'] : [chipsetCtrl],
      ruleSupported: chipsetRule,
      prefer: cd ? 'emulated' : d.prefer === 'passthrough' ? 'auto' : d.prefer,
      required: true,
      busOf: (rd, path) =>
        matchesKey(rd, 'ahci')
          ? 'sata'
          : matchesKey(rd, 'ide')
            ? 'ide'
            : matchesKey(rd, 'nvme')
              ? 'nvme'
              : rd.device.class === 'STORAGE_CONTROLLER'
                ? 'scsi'
                : virtioBus(rd, path),
    };
    if (busWish === 'ide' && pcie)
      throw new PlanError('SPEC_CONFLICT', `${id}: IDE on q35`, `${id}: q35 has no IDE controller; use sata or machine: pc`);
    if (busWish === 'sata' && !pcie)
      throw new PlanError('SPEC_CONFLICT', `${id}: SATA on pc`, `${id}: pc (i440FX) has no AHCI controller; use ide or machine: q35`);
    const { device } = chooseDevice(ctx.devctx, slot);
    const dev = device!;
    if (dev.class === 'STORAGE_CONTROLLER' && dev.path === 'paravirtual') {
      // a virtio-scsi HBA for the disk
      let hba = out.find((x) => x.role === 'storage-controller' && x.model === dev.model);
      if (!hba) {
        hba = { ...dev, id: `scsi${out.filter((x) => x.role === 'storage-controller').length}`, role: 'storage-controller', bus: 'virtio' };
        out.push(hba);
      }
      Object.assign(dev, {
        model: 'scsi-hd',
        bus: 'scsi',
        controller: hba.id,
        because: { ...dev.because, reason: `on ${hba.model}: ${dev.because.reason}` },
      });
    }
    if (cd)
      dev.because.reason = `CD-ROM on the chipset's ${chipsetBus.toUpperCase()} bus, as virt-install does on x86; ${dev.because.reason}`;
    if (dev.class === 'STORAGE_CONTROLLER' && dev.path !== 'paravirtual') dev.class = 'STORAGE';
    const bootIndex = d.boot === false || spec.boot ? null : boot++;
    attachDisk(dev, d, i, bootIndex);
    // virt-install: virtio if supports_virtiodisk, else sata on q35, else ide
    const theirs = !cd && virtInstallDrives(ctx.devctx, OSINFO.virtioBlock) ? 'virtio' : chipsetBus;
    if (dev.bus !== theirs && busWish === 'auto')
      dev.because.differsFrom = {
        tool: 'virt-install',
        theirs,
        why:
          ctx.spec.drivers.addon && dev.driver?.source === 'ADDON'
            ? `the spec says ${label}'s add-on drivers are installed (virt-install uses them only for unattended installs)`
            : (notInOsinfo(ctx, dev.deviceId) ?? dev.because.reason),
      };
    out.push(dev);
  }

  // NICs (virtinst devices/interface.py default_model)
  const nicOrder = pcie ? ['e1000e', 'e1000', 'rtl8139', 'ne2k_pci', 'pcnet'] : ['e1000', 'rtl8139', 'ne2k_pci', 'pcnet', 'e1000e'];
  for (const [i, n] of nicSpecs(spec).entries()) {
    const id = n.name ?? `net${i}`;
    if (n.model) {
      const rd = byName(release, n.model);
      if (!rd)
        throw new PlanError(
          'SPEC_CONFLICT',
          `${id}: model ${n.model}`,
          `${id}: ${release.name} has no NIC model ${n.model} (offers ${release.devices
            .filter((d) => d.device.class === 'NETWORK')
            .map((d) => d.model)
            .join(', ')})`,
          [release.id],
        );
      const s = guestSupport(ctx.devctx, rd.device.id);
      if (!s.ok) ctx.warnings.push(`${id}: ${s.why.replace('it', rd.device.name)}; the spec asks for it`);
      const dev: PlannedDevice = {
        id,
        role: 'nic',
        class: 'NETWORK',
        path: rd.device.kind === 'PARAVIRTUAL' ? 'paravirtual' : 'emulated',
        model: rd.model,
        deviceId: rd.device.id,
        paravirtInterface: rd.device.paravirtInterface,
        bus: rd.device.paravirtInterface.startsWith('VIRTIO') ? 'virtio' : 'pci',
        driver: s.ok ? driverOf(s) : null,
        because: because(`the spec asks for ${n.model}`, 'device.from-spec', [rd.device.id, release.id]),
      };
      attachNic(ctx, dev, n, i, '52:54:00');
      out.push(dev);
      continue;
    }
    const slot: Slot = {
      role: 'nic',
      id,
      classes: ['NETWORK'],
      emulatedOrder: nicOrder,
      prefer: n.prefer,
      passthrough: n.passthrough,
      required: true,
      lastResort: () => {
        const rd = nicOrder[0] === undefined ? undefined : byName(release, nicOrder[0]);
        return rd
          ? {
              rd,
              model: rd.model,
              bus: 'pci',
              path: 'emulated',
              rule: 'nic.virt-install-default',
              reason: `no record that ${label} drives any NIC ${release.name} offers; ${rd.model}, virt-install's default for ${machine}`,
            }
          : null;
      },
      busOf: virtioBus,
    };
    const { device } = chooseDevice(ctx.devctx, slot);
    const dev = device!;
    attachNic(ctx, dev, n, i, '52:54:00');
    const theirs = virtInstallDrives(ctx.devctx, OSINFO.virtioNet) ? 'virtio' : pcie ? 'e1000e' : virtInstallLegacyNic(ctx);
    const ours = dev.paravirtInterface.startsWith('VIRTIO') ? 'virtio' : dev.model;
    if (ours !== theirs && dev.path !== 'passthrough')
      dev.because.differsFrom = {
        tool: 'virt-install',
        theirs,
        why:
          ctx.spec.drivers.addon && dev.driver?.source === 'ADDON'
            ? `the spec says ${label}'s add-on drivers are installed`
            : (notInOsinfo(ctx, dev.deviceId) ?? dev.because.reason),
      };
    out.push(dev);
  }

  // display (virtinst devices/video.py default_model)
  if (graphics !== 'none') {
    const order = graphics === 'spice' ? ['qxl', 'vga'] : ['vga'];
    const slot: Slot = {
      role: 'display',
      id: 'video0',
      classes: ['DISPLAY'],
      // qxl is SPICE's paravirtual display but no virtio device: it competes with the emulated ones (and is VGA compatible)
      allow: (rd) => rd.device.kind !== 'PARAVIRTUAL' || matchesKey(rd, 'virtio-gpu') || matchesKey(rd, 'qxl'),
      emulatedOrder: order,
      ruleSupported: (rd) =>
        matchesKey(rd, 'vga')
          ? { rule: 'display.vga-universal', reason: 'the standard VGA adapter (VESA/VBE), which every x86 guest drives' }
          : graphics === 'spice' && rd.model === 'qxl-vga'
            ? {
                rule: 'display.qxl-vga-compatible',
                reason: `qxl-vga, SPICE's display: it is VGA compatible (QEMU's -vga qxl), so ${label} drives it as a standard VGA adapter (VESA/VBE) where it has no qxl driver (virt-install's choice with SPICE too)`,
              }
            : null,
      prefer: 'auto',
      required: true,
      busOf: () => 'pci',
    };
    const { device } = chooseDevice(ctx.devctx, slot);
    const dev = device!;
    const theirs = virtInstallDrives(ctx.devctx, OSINFO.virtioGpu)
      ? 'virtio'
      : graphics === 'spice'
        ? 'qxl'
        : firmware.type === 'uefi'
          ? 'bochs'
          : 'vga';
    const k = deviceKey(dev.deviceId);
    const ours = k === 'virtio-gpu' ? 'virtio' : k === 'qxl' ? 'qxl' : 'vga';
    if (ours !== theirs)
      dev.because.differsFrom = {
        tool: 'virt-install',
        theirs,
        why:
          theirs === 'bochs'
            ? `${release.name} has no bochs-display record in the catalogue; VGA serves UEFI too`
            : theirs === 'qxl'
              ? `no record that ${label} drives qxl; virt-install does not check`
              : (notInOsinfo(ctx, dev.deviceId) ?? dev.because.reason),
      };
    out.push(dev);
  }

  // USB controller (virtinst guest._add_default_usb_controller)
  const xhci = byName(release, 'qemu-xhci');
  const usb3 = drivesGuest(ctx, OSINFO.usb3) || (!!xhci && drivesGuest(ctx, xhci.device.id));
  if (spec.usb !== 'none') {
    const slot: Slot = {
      role: 'usb',
      id: 'usb0',
      classes: ['USB_CONTROLLER'],
      emulatedOrder: usb3 ? ['qemu-xhci'] : ['ehci'],
      ruleSupported: (rd) =>
        matchesKey(rd, 'ehci')
          ? {
              rule: 'usb.usb2-universal',
              reason: `USB 2 (ICH9 EHCI with UHCI companions), which every guest with USB drives${usb3 ? '' : `; no record that ${label} drives qemu-xhci`}`,
            }
          : null,
      prefer: 'emulated',
      required: false,
      busOf: () => 'pci',
    };
    let { device } = chooseDevice(ctx.devctx, slot);
    if (!device && !byName(release, 'ehci')) {
      // QEMU has had ICH9 EHCI/UHCI since 1.x; a release without a record for it still has it
      device = {
        id: 'usb0',
        role: 'usb',
        class: 'USB_CONTROLLER',
        path: 'emulated',
        model: 'ich9-usb-ehci1',
        deviceId: null,
        paravirtInterface: 'NONE',
        bus: 'pci',
        driver: { source: 'RULE', name: 'ehci-hcd/uhci-hcd' },
        because: because(
          `USB 2 (ICH9 EHCI with UHCI companions), which every guest with USB drives${usb3 ? '' : `; no record that ${label} drives qemu-xhci`} (QEMU's ich9-usb-ehci1; the catalogue has no record for it)`,
          'usb.usb2-universal',
          [guest.id, release.id],
        ),
      };
    }
    if (device) {
      // virtinst guest._add_default_usb_controller: qemu-xhci when osdict.supports_usb3 (osinfo-db's 1b36:0004 record)
      const theirs = virtInstallDrives(ctx.devctx, OSINFO.usb3) ? 'qemu-xhci' : 'ich9-ehci1';
      const ours = device.model === 'qemu-xhci' ? 'qemu-xhci' : 'ich9-ehci1';
      if (ours !== theirs)
        device.because.differsFrom = {
          tool: 'virt-install',
          theirs,
          why:
            ours === 'qemu-xhci'
              ? `the catalogue records ${label} driving qemu-xhci${xhci ? ` (${xhci.device.id}, QEMU's own id)` : ''}; osinfo-db, which virt-install reads, has no ${OSINFO.usb3} record for it`
              : device.because.reason,
        };
      if (device.model === 'qemu-xhci') device.options = { ports: 15 };
      if (device.model === 'ich9-usb-ehci1') device.options = { companions: 'ich9-usb-uhci1,ich9-usb-uhci2,ich9-usb-uhci3' };
      out.push(device);
    }
  }

  // input (virtinst guest._add_default_input_device: USB tablet on x86 when there is graphics and USB)
  if (graphics !== 'none' && spec.usb !== 'none' && out.some((d) => d.role === 'usb')) {
    const slot: Slot = {
      role: 'input',
      id: 'input0',
      classes: ['INPUT'],
      allow: (rd) => rd.device.bus === 'usb',
      emulatedOrder: ['usb-tablet'],
      ruleSupported: () => ({
        rule: 'input.usb-hid-class',
        reason: 'a USB tablet, driven by the USB HID class driver every guest with USB has (absolute pointer; virt-install adds it on x86)',
      }),
      prefer: 'emulated',
      required: false,
      busOf: () => 'usb',
    };
    const { device } = chooseDevice(ctx.devctx, slot);
    if (device) out.push(device);
  }

  // sound: virt-install adds it with SPICE only (guest._add_spice_sound; devices/sound.py)
  if (graphics === 'spice' && spec.sound !== 'none') {
    const order = pcie ? ['ich9-hda', 'ich6', 'ac97'] : ['ich6', 'ich9-hda', 'ac97'];
    const { device, skipped } = chooseDevice(ctx.devctx, {
      role: 'sound',
      id: 'sound0',
      classes: ['SOUND'],
      emulatedOrder: order,
      prefer: 'emulated',
      required: false,
      busOf: () => 'pci',
    });
    const theirs = pcie ? 'ich9-hda' : 'ich6';
    if (device) {
      if (deviceKey(device.deviceId) !== theirs)
        device.because.differsFrom = {
          tool: 'virt-install',
          theirs,
          why: `no record that ${label} drives ${theirs}; virt-install does not check`,
        };
      out.push(device);
    } else if (skipped)
      ctx.omitted.push({
        id: 'sound0',
        role: 'sound',
        because: {
          ...skipped,
          differsFrom: {
            tool: 'virt-install',
            theirs,
            why: `no record that ${label} drives any sound device ${release.name} offers; virt-install adds ${theirs} with SPICE without checking`,
          },
        },
      });
  } else if (spec.sound !== 'none') {
    ctx.omitted.push({
      id: 'sound0',
      role: 'sound',
      because: because(
        graphics === 'none' ? 'no display, no sound' : 'sound comes with SPICE only (as virt-install does)',
        'sound.with-spice',
        [release.id],
      ),
    });
  }

  // virtio RNG, balloon, guest agent channel: only when the guest drives them (paravirtual only)
  const pvOnly = (
    role: 'rng' | 'balloon' | 'guest-agent',
    id: string,
    cls: 'RNG' | 'BALLOON' | 'CONSOLE',
    toggle: 'auto' | 'none',
    what: string,
  ) => {
    if (toggle === 'none') return;
    const theirs = virtInstallAdds(ctx, role);
    const { device, skipped } = chooseDevice(ctx.devctx, {
      role,
      id,
      classes: [cls],
      emulatedOrder: [],
      prefer: 'paravirtual',
      required: false,
      busOf: virtioBus,
    });
    if (device) {
      if (role === 'rng') device.options = { source: '/dev/urandom' };
      if (role === 'guest-agent') device.options = { channel: 'org.qemu.guest_agent.0' };
      if (!theirs.adds)
        device.because.differsFrom = {
          tool: 'virt-install',
          theirs: 'none',
          why: notInOsinfo(ctx, device.deviceId) ?? `virt-install adds no ${what}: ${theirs.why}`,
        };
      out.push(device);
    } else if (skipped) {
      ctx.omitted.push({
        id,
        role,
        because: {
          ...skipped,
          reason: `no ${what}: ${label} has no paravirtual driver for one ${release.name} offers (there is no emulated ${what})`,
          rule: `${role}.paravirtual-only`,
          ...(theirs.adds
            ? {
                differsFrom: {
                  tool: 'virt-install',
                  theirs: 'virtio',
                  why: `${theirs.why}; the catalogue has no record that ${label} drives it`,
                },
              }
            : {}),
        },
      });
    }
  };
  pvOnly('rng', 'rng0', 'RNG', spec.rng, 'entropy');
  pvOnly('balloon', 'balloon0', 'BALLOON', spec.balloon, 'memory balloon');
  pvOnly('guest-agent', 'channel0', 'CONSOLE', spec.guestAgent, 'guest agent');

  // serial console (virtinst guest._add_default_console_device)
  out.push({
    id: 'serial0',
    role: 'console',
    class: 'CONSOLE',
    path: 'builtin',
    model: 'isa-serial',
    deviceId: byName(release, 'isa-serial')?.device.id ?? null,
    paravirtInterface: 'NONE',
    bus: 'isa',
    driver: { source: 'RULE', name: '8250/16550 UART' },
    because: because(
      'a serial console (16550 UART on the ISA bus), which every x86 guest drives; virt-install adds one too',
      'console.serial',
      [ctx.release.id],
    ),
  });
  return out;
}

/**
 * When the plan's device rests on a record osinfo-db does not hold (a curated or vendor record), the reason
 * virt-install, which reads osinfo-db only, decides otherwise; null when osinfo-db holds the record too.
 */
export function notInOsinfo(ctx: Ctx, deviceId: string | null): string | null {
  if (!deviceId) return null;
  const s = guestSupport(ctx.devctx, deviceId);
  if (!s.ok || !s.fact || virtInstallDrives(ctx.devctx, deviceId)) return null;
  return `the catalogue's ${s.fact.source ?? 'own'} record says ${ctx.label} drives ${s.fact.device.name} (${deviceId}); osinfo-db, which virt-install reads, has no such record`;
}

/** Whether virt-install adds the virtio RNG, balloon or guest agent channel (virtinst guest._add_default_*). */
function virtInstallAdds(ctx: Ctx, role: 'rng' | 'balloon' | 'guest-agent'): { adds: boolean; why: string } {
  const ids = role === 'rng' ? OSINFO.virtioRng : role === 'balloon' ? OSINFO.virtioBalloon : OSINFO.virtioSerial;
  if (virtInstallDrives(ctx.devctx, ids))
    return { adds: true, why: `osinfo-db records ${ctx.label} driving ${ids.join(' or ')}, so virt-install adds it` };
  if (role === 'guest-agent' && relatedToRhel6(ctx))
    return {
      adds: true,
      why: `virt-install adds the guest agent channel to every OS related to rhel6.0 (virtinst osdict.supports_virtioserial, a workaround for osinfo-db data before October 2018), ${ctx.label} among them`,
    };
  return { adds: false, why: `osinfo-db has no record that ${ctx.label} drives ${ids.join(' or ')}` };
}

/**
 * virtinst's `_is_related_to("rhel6.0")` follows derives-from, clones and upgrades in libosinfo: RHEL 6.0 and
 * later, and the distributions built from them. The facts do not carry those chains; they reach RHEL 6 for
 * these distributions from the release built on RHEL 6 on (osinfo-db
 * data/os: centos-6.0 clones rhel-6.0, asianux-4.x and ol-6.x derive from it, rocky/alma/circle/eurolinux
 * start at 8).
 */
export function relatedToRhel6(ctx: Ctx): boolean {
  const RHEL6 = 'http://redhat.com/rhel/6.0';
  if (ctx.guest.id === RHEL6 || ctx.guest.derivesFrom === RHEL6) return true;
  const FROM: Record<string, number> = {
    rhel: 6,
    centos: 6,
    'centos-stream': 8,
    ol: 6,
    scientificlinux: 6,
    asianux: 4,
    rocky: 8,
    almalinux: 8,
    circle: 8,
    eurolinux: 8,
    navy: 8,
  };
  const from = ctx.guest.distro ? FROM[ctx.guest.distro] : undefined;
  if (from === undefined) return false;
  const v = ctx.guest.version ?? '';
  const major = Number.parseInt(v, 10);
  return Number.isFinite(major) ? major >= from : /unknown/.test(ctx.guest.shortIds[0] ?? '');
}

export function drivesGuest(ctx: Ctx, id: string): boolean {
  return guestSupport(ctx.devctx, id).ok;
}

export function virtInstallLegacyNic(ctx: Ctx): string {
  for (const pref of ['e1000', 'rtl8139', 'ne2k_pci', 'pcnet'])
    if (ctx.guest.devices.some((d) => d.supported && d.device.class === 'NETWORK' && d.device.name === pref)) return pref;
  return 'e1000';
}
