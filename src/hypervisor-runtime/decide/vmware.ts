import { chooseDevice, deviceKey, guestSupport, matchesKey } from '../devices.ts';
import { PlanError, type Acceleration, type FirmwareChoice, type ParavirtChoice, type Plan, type PlannedDevice } from '../plan.ts';
import { type Ctx, type FamilyPlan, type FamilyPlanner, because } from './context.ts';
import { firmwareWish } from './firmware.ts';
import { requireHostFeatures, hwVirtRecords } from './acceleration.ts';
import { nicSpecs, diskSpecs, attachDisk, attachNic, byName, convertDisk } from './attach.ts';
import { decideGraphics } from './graphics.ts';
import { OSINFO } from './kvm/virt-install.ts';

function decideVmware(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  requireHostFeatures(ctx);
  const vhw = release.virtualHardwareVersion ?? 0;
  const w = firmwareWish(ctx, true);
  const firmware: FirmwareChoice = {
    type: w.wish === 'bios' ? 'bios' : 'uefi',
    secureBoot: w.wish === 'uefi-secure-boot',
    code: null,
    varsTemplate: null,
    descriptor: null,
    template: w.wish === 'uefi-secure-boot' ? 'efi.secureBoot.enabled' : null,
    because: w.because,
  };
  const q35Like = guestSupport(ctx.devctx, OSINFO.q35).ok;
  const devices: PlannedDevice[] = [];
  const drivesAhci = q35Like || ctx.guest.devices.some((d) => d.supported && deviceKey(d.device.id) === 'ahci');
  const storageOrder = drivesAhci ? ['ahci', 'lsisas1068', 'lsilogic', 'ide'] : ['ide', 'lsilogic'];
  let boot = 1;
  for (const [i, d] of diskSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      role: d.device === 'cdrom' ? 'cdrom' : 'disk',
      id: d.name ?? `disk${i}`,
      classes: ['STORAGE', 'STORAGE_CONTROLLER'],
      emulatedOrder: d.device === 'cdrom' ? (drivesAhci ? ['ahci', 'ide'] : ['ide']) : storageOrder,
      ruleSupported: (rd) =>
        matchesKey(rd, 'ahci') && drivesAhci
          ? { rule: 'storage.ahci-class', reason: `VMware SATA (AHCI), driven by the AHCI class driver ${label} has` }
          : matchesKey(rd, 'ide')
            ? { rule: 'storage.chipset-controller', reason: 'IDE, which every x86 guest drives' }
            : null,
      prefer: d.device === 'cdrom' ? 'emulated' : d.prefer === 'passthrough' ? 'auto' : d.prefer,
      required: true,
      busOf: (rd) => {
        const k = deviceKey(rd.device.id);
        return k === 'ahci' ? 'sata' : k === 'ide' ? 'ide' : k === 'nvme' ? 'nvme' : 'scsi';
      },
    });
    attachDisk(device!, d, i, d.boot === false ? null : boot++);
    // VMware runs VMDK disks only; `qemu-img convert` reads every format the spec accepts. ESXi wants it
    // imported into a datastore afterwards (a hosted sparse VMDK is not a VMFS disk).
    convertDisk(ctx, device!, 'vmdk', '.vmdk', (to) => `on ESXi, then import it into a datastore with vmkfstools -i ${to} -d thin`);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      role: 'nic',
      id: n.name ?? `ethernet${i}`,
      classes: ['NETWORK'],
      // Vlance (PCnet32) last: 10 Mbit/s, for 32-bit guests with no Intel PRO/1000 driver (VMware KB 1001805)
      emulatedOrder: ['e1000e', 'e1000', 'pcnet'],
      prefer: n.prefer,
      passthrough: n.passthrough,
      required: true,
      busOf: () => 'pci',
    });
    attachNic(ctx, device!, n, i, '00:50:56');
    devices.push(device!);
  }
  const graphics = decideGraphics(ctx, 'other');
  if (graphics.type !== 'none') {
    const svga = byName(release, 'vmware-svga');
    if (svga)
      devices.push({
        id: 'svga0',
        role: 'display',
        class: 'DISPLAY',
        path: 'emulated',
        model: svga.model,
        deviceId: svga.device.id,
        paravirtInterface: 'NONE',
        bus: 'pci',
        driver: { source: 'RULE', name: 'VESA/vmwgfx' },
        because: because('VMware SVGA II, present in every VMware VM (guests without its driver use it as VESA)', 'display.vmware-svga', [
          release.id,
        ]),
      });
    const xhci = guest.devices.some(
      (d) => d.supported && d.device.class === 'USB_CONTROLLER' && /xhci/.test(deviceKey(d.device.id) ?? d.device.name),
    );
    const rd = byName(release, 'xhci');
    if (xhci && rd && spec.usb !== 'none')
      devices.push({
        id: 'usb0',
        role: 'usb',
        class: 'USB_CONTROLLER',
        path: 'emulated',
        model: rd.model,
        deviceId: rd.device.id,
        paravirtInterface: 'NONE',
        bus: 'pci',
        driver: { source: 'RULE', name: 'xhci' },
        because: because(`${label} drives xHCI controllers (xHCI is a class interface)`, 'usb.xhci-class', [guest.id, rd.device.id]),
      });
  }
  const tpmWanted = spec.tpm === 'required' || guest.tpmRequired === true;
  let tpm: Plan['tpm'];
  if (spec.tpm === 'none' || !tpmWanted)
    tpm = {
      present: false,
      model: null,
      version: null,
      backend: null,
      because: because(spec.tpm === 'none' ? 'the spec turns the TPM off' : `no TPM: ${label} does not require one`, 'tpm.vmware', records),
    };
  else if (firmware.type !== 'uefi') throw new PlanError('TPM_UNAVAILABLE', 'vTPM with UEFI', 'VMware vTPM needs EFI firmware', records);
  else {
    ctx.warnings.push('VMware vTPM needs a key provider configured on vCenter/ESXi (VM encryption)');
    tpm = {
      present: true,
      model: 'vtpm',
      version: '2.0',
      backend: null,
      because: because(`${label} requires a TPM 2.0; VMware vTPM (virtual hardware ≥ 14, EFI)`, 'tpm.guest-requires', records),
    };
  }
  return {
    acceleration: {
      mode: 'hardware' as Acceleration,
      because: because(`${host.name} has the hardware virtualization ESXi requires`, 'acceleration.hardware', [
        release.id,
        ...hwVirtRecords(ctx),
      ]),
    },
    backend: {
      key: `vmware-vhw-${vhw}`,
      because: because(`virtual hardware version ${vhw}, the newest ${release.name} runs`, 'backend.vmware-vhw', records),
    },
    machine: { type: `vmx-${vhw}`, versioned: null, because: because(`virtualHW.version = ${vhw}`, 'machine.vmware-vhw', records) },
    firmware,
    cpu: {
      mode: 'host' as const,
      model: null,
      disabledFeatures: [],
      vcpus,
      topology: { sockets: 1, cores: vcpus, threads: 1 },
      because: because(
        ctx.migrationHosts.length ? 'ESXi levels CPUs across hosts with an EVC mode on the cluster' : 'ESXi presents the host CPU',
        'cpu.vmware',
        records,
      ),
    },
    clock: {
      offset: ctx.isWindows ? ('localtime' as const) : ('utc' as const),
      timers: [],
      because: because('VMware Tools keeps time; RTC offset per guest family', 'clock.vmware', records),
    },
    features: { acpi: true, apic: true, smm: false, vmport: null, because: because('ACPI and APIC', 'features.x86', records) },
    paravirt: [] as ParavirtChoice[],
    tpm,
    graphics,
    devices,
    boot: null,
  };
}

export const vmwarePlanner: FamilyPlanner = { native: ['VMWARE_PV'], plan: decideVmware };
