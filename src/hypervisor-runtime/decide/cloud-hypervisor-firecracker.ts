// The planner for Cloud Hypervisor and Firecracker (rust-vmm VMMs on /dev/kvm): virtio devices only, a kernel
// booted directly (or Cloud Hypervisor's firmware).
import type { ReleaseDeviceFact } from '../facts.ts';
import { compareVersions } from '../facts.ts';
import { chooseDevice, guestSupport, type Support } from '../devices.ts';
import { PlanError, type FirmwareChoice, type PlannedDevice } from '../plan.ts';
import { type Ctx, type FamilyPlan, type FamilyPlanner, because } from './context.ts';
import { guestFirmware } from './firmware.ts';
import { kvmAcceleration } from './acceleration.ts';
import { nicSpecs, diskSpecs, attachDisk, attachNic, convertDisk } from './attach.ts';
import { paravirtChoices } from './paravirt.ts';
import { decideOtherTpm } from './tpm.ts';
import { OSINFO } from './kvm/virt-install.ts';

const MMIO_AS_PCI: Record<string, string[]> = {
  'http://virtcompat.org/device/virtio-mmio/net': OSINFO.virtioNet,
  'http://virtcompat.org/device/virtio-mmio/block': OSINFO.virtioBlock,
  'http://virtcompat.org/device/virtio-mmio/rng': OSINFO.virtioRng,
  'http://virtcompat.org/device/virtio-mmio/balloon': OSINFO.virtioBalloon,
  'http://virtcompat.org/device/virtio-mmio/vsock': ['http://pcisig.com/pci/1af4/1053'],
};

function decideMicro(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, spec, label } = ctx;
  const fc = ctx.facts.hypervisor.family === 'FIRECRACKER';
  const records = [guest.id, release.id];
  const acceleration = kvmAcceleration(ctx, false);
  if (fc && guest.family !== 'linux')
    throw new PlanError(
      'NO_BACKEND',
      'a Linux guest',
      `${release.name} runs Linux guests only (virtio-mmio, kernel boot); ${label} is ${guest.family ?? 'unknown family'}`,
      records,
    );
  // Firecracker has no firmware: it boots an uncompressed kernel (vmlinux). A spec without boot.kernel gets
  // the layout of Firecracker's getting-started guide, a `vmlinux` beside the root filesystem image, marked
  // `toProvide` (and warned about): a Firecracker user brings that kernel (the distribution's installer kernel
  // does not boot here), so the plan says where it goes rather than refusing to plan.
  let boot: NonNullable<FamilyPlan['boot']> | null = spec.boot
    ? { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null }
    : null;
  if (fc && !boot) {
    const root = diskSpecs(spec).find((d) => d.device !== 'cdrom')?.path;
    const slash = root ? root.lastIndexOf('/') : -1;
    const kernel = root && slash >= 0 ? `${root.slice(0, slash + 1)}vmlinux` : 'vmlinux';
    const toProvide = `an uncompressed Linux kernel (vmlinux) built for Firecracker, with virtio-mmio block and net drivers built in; set boot.kernel in the spec to use another path`;
    boot = { kernel, initrd: null, cmdline: null, toProvide };
    ctx.warnings.push(`boot.kernel not given: the plan boots ${kernel}, to provide: ${toProvide}`);
  }
  let firmware: FirmwareChoice;
  if (boot)
    firmware = {
      type: 'direct-kernel',
      secureBoot: false,
      code: null,
      varsTemplate: null,
      descriptor: null,
      because: boot.toProvide
        ? because(
            `boots a kernel directly (${release.name} has no firmware); no boot.kernel in the spec, so the default ${boot.kernel}, to provide`,
            'firmware.direct-kernel-default',
            records,
          )
        : because(`boots the kernel ${boot.kernel} directly`, 'firmware.direct-kernel', records),
    };
  else {
    const g = guestFirmware(ctx);
    if (g.uefiSupported !== true)
      throw new PlanError(
        'NO_FIRMWARE',
        'UEFI boot or boot.kernel',
        `${release.name} boots a kernel (boot.kernel) or UEFI (CLOUDHV.fd); no record that ${label} boots UEFI`,
        records,
      );
    if (spec.firmware === 'uefi-secure-boot')
      throw new PlanError('NO_FIRMWARE', 'UEFI Secure Boot', `${release.name}'s CLOUDHV firmware has no Secure Boot`, records);
    firmware = {
      type: 'uefi',
      secureBoot: false,
      code: 'CLOUDHV.fd',
      varsTemplate: null,
      descriptor: null,
      because: because(`${label} boots UEFI; Cloud Hypervisor's edk2 build CLOUDHV.fd`, 'firmware.cloudhv', records),
    };
    ctx.warnings.push('set the path of CLOUDHV.fd (edk2 built for Cloud Hypervisor) when launching');
  }
  const viaMmio = (rd: ReleaseDeviceFact): Support | null => {
    if (!fc) return null;
    if (guest.kernel && compareVersions(guest.kernel, '3.2') < 0)
      return { ok: false, why: `the virtio-mmio transport needs Linux 3.2; ${label} ships ${guest.kernel}` };
    const pciIds = MMIO_AS_PCI[rd.device.id] ?? [];
    const hit = pciIds.map((id) => guestSupport(ctx.devctx, id)).find((s) => s.ok);
    if (!hit || !hit.ok) return { ok: false, why: `${label} drives no virtio ${rd.model.replace('virtio-', '')} device` };
    return {
      ok: true,
      source: 'RULE',
      driverName: null,
      fact: null,
      note: `Linux drives virtio ${rd.model.replace('virtio-', '')} over the virtio-mmio transport with the same driver it uses over PCI`,
    };
  };
  const onlyModern = (rd: ReleaseDeviceFact) => fc || rd.device.paravirtInterface === 'VIRTIO_1_0';
  const devices: PlannedDevice[] = [];
  for (const [i, d] of diskSpecs(spec).entries()) {
    if (d.device === 'cdrom')
      throw new PlanError('SPEC_CONFLICT', `${d.name ?? `disk${i}`}: cdrom`, `${release.name} has no CD-ROM device`, records);
    const { device } = chooseDevice(ctx.devctx, {
      role: 'disk',
      id: d.name ?? (fc ? `drive${i}` : `disk${i}`),
      classes: ['STORAGE'],
      allow: onlyModern,
      supportVia: viaMmio,
      emulatedOrder: [],
      prefer: 'paravirtual',
      required: true,
      busOf: () => (fc ? 'virtio-mmio' : 'virtio'),
    });
    attachDisk(device!, d, i, i === 0 ? 1 : null);
    // Firecracker's block device reads raw images only (Cloud Hypervisor also reads qcow2 and VHD/VHDX)
    if (fc) convertDisk(ctx, device!, 'raw', '.raw');
    devices.push(device!);
  }
  for (const [i, spec_n] of nicSpecs(spec).entries()) {
    const nicId = spec_n.name ?? (fc ? `eth${i}` : `net${i}`);
    // Firecracker attaches host tap devices only. The NIC a spec without `nics` gets (user-mode in nicSpecs)
    // becomes the tap its getting-started guide creates, tap<i>, and the plan says to create it; a NIC the spec
    // itself declares as `backend: user` is left for the renderer to refuse.
    let n = spec_n;
    if (fc && !spec.nics && n.backend === 'user') {
      n = { ...n, backend: 'tap', tap: `tap${i}` };
      ctx.warnings.push(`${nicId}: no nics in the spec: attached to tap${i}, to create on the host (ip tuntap add dev tap${i} mode tap)`);
    } else if (n.backend === 'user')
      ctx.warnings.push(`${nicId}: ${release.name} has no user-mode networking; it needs a tap device (backend: tap)`);
    const { device } = chooseDevice(ctx.devctx, {
      role: 'nic',
      id: nicId,
      classes: ['NETWORK'],
      allow: onlyModern,
      supportVia: viaMmio,
      emulatedOrder: [],
      prefer: n.prefer === 'emulated' ? 'auto' : n.prefer,
      passthrough: fc ? undefined : n.passthrough,
      required: true,
      busOf: () => (fc ? 'virtio-mmio' : 'virtio'),
    });
    attachNic(ctx, device!, n, i, fc ? '06:00:ac' : '52:54:00');
    devices.push(device!);
  }
  for (const [role, cls, toggle] of [
    ['rng', 'RNG', spec.rng],
    ['balloon', 'BALLOON', spec.balloon],
  ] as const) {
    if (toggle === 'none') continue;
    const { device } = chooseDevice(ctx.devctx, {
      role,
      id: `${role}0`,
      classes: [cls],
      allow: onlyModern,
      supportVia: viaMmio,
      emulatedOrder: [],
      prefer: 'paravirtual',
      required: false,
      busOf: () => (fc ? 'virtio-mmio' : 'virtio'),
    });
    if (device) devices.push(device);
  }
  devices.push({
    id: 'serial0',
    role: 'console',
    class: 'CONSOLE',
    path: 'builtin',
    model: 'serial',
    deviceId: null,
    paravirtInterface: 'NONE',
    bus: 'isa',
    driver: { source: 'RULE', name: '8250' },
    because: because(`${release.name}'s built-in 16550 serial console (ttyS0)`, 'console.serial', [release.id]),
  });
  if (spec.display !== 'none' && spec.display !== 'auto')
    throw new PlanError('SPEC_CONFLICT', `display ${spec.display}`, `${release.name} has no display device`, records);
  const paravirt = paravirtChoices(ctx, 'KVM', null);
  const tpm = decideOtherTpm(ctx, `${release.name} has no TPM device`);
  const key = fc ? 'firecracker' : 'cloud-hypervisor';
  return {
    acceleration,
    backend: {
      key,
      because: because(
        `${release.name}: virtio-only ${fc ? 'microVM (virtio-mmio)' : 'VMM (virtio-pci)'} on KVM`,
        `backend.${key}`,
        records,
      ),
    },
    machine: { type: key, versioned: null, because: because(`${release.name} has a single machine model`, `machine.${key}`, records) },
    firmware,
    cpu: {
      mode: 'host' as const,
      model: null,
      disabledFeatures: [],
      vcpus,
      topology: { sockets: 1, cores: vcpus, threads: 1 },
      because: because(
        fc ? 'Firecracker exposes the host CPUID (optionally normalised by a CPU template)' : 'Cloud Hypervisor exposes the host CPUID',
        'cpu.host',
        records,
      ),
    },
    clock: { offset: 'utc' as const, timers: [], because: because('kvm-clock; RTC in UTC', 'clock.kvmclock', records) },
    features: {
      acpi: !fc,
      apic: true,
      smm: false,
      vmport: null,
      because: because(fc ? 'no ACPI in Firecracker guests' : 'ACPI', 'features.micro', records),
    },
    paravirt,
    tpm,
    graphics: { type: 'none' as const, because: because(`${release.name} has no display; serial console only`, 'graphics.none', records) },
    devices,
    boot,
  };
}

// the same planner for both: each renders its own config from the plan
export const cloudHypervisorPlanner: FamilyPlanner = { native: ['VIRTIO_1_0'], plan: decideMicro };
export const firecrackerPlanner: FamilyPlanner = { native: ['VIRTIO_1_0'], plan: decideMicro };
