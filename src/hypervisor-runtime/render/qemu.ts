// Plan → QEMU command line (argv array, never a shell string). PURE.
// Runtime paths (QMP socket, UEFI variable store, swtpm socket) are derived from `runDir`; the
// `prepare` steps say what the launcher must create before starting QEMU.
import type { ParavirtChoice, Plan, PlannedDevice } from '../plan.ts';
import { RenderError } from './common.ts';
import { KVM_PV_QEMU_FLAG } from '../flags.ts';
import { deviceKey } from '../devices.ts';

export interface QemuRenderOptions {
  /** QEMU binary (default qemu-system-<arch>). */
  binary?: string;
  /** Folder for the VM's sockets and writable state (default /run/virtcompat/<name>). */
  runDir?: string;
  /** QMP control socket (default <runDir>/qmp.sock); null leaves QMP out. */
  qmpSocket?: string | null;
  /** Where the serial console goes (default a pty). */
  serial?: { kind: 'pty' } | { kind: 'stdio' } | { kind: 'file'; path: string } | { kind: 'socket'; path: string } | { kind: 'none' };
  /** Override the plan's graphics (e.g. `none` for a headless test run). */
  display?: 'none' | 'plan';
  /** Start paused (-S). */
  paused?: boolean;
}

export type PrepareStep =
  | { kind: 'mkdir'; path: string }
  | { kind: 'copy-uefi-vars'; from: string; to: string }
  | { kind: 'swtpm'; socket: string; stateDir: string; argv: string[] };

export interface QemuCommand {
  binary: string;
  args: string[];
  /** Steps before launch, in order. */
  prepare: PrepareStep[];
  /** Sockets the command creates. */
  sockets: { qmp: string | null; guestAgent: string | null; tpm: string | null; serial: string | null };
}

function hvFlag(p: ParavirtChoice): string {
  if (p.key === 'hv-spinlocks') {
    const retries = Number(p.options?.retries ?? 8191);
    return `hv-spinlocks=0x${retries.toString(16)}`;
  }
  return `${p.key}=on`;
}

/** Comma in a QEMU option value is written twice. */
function q(v: string): string {
  return v.replace(/,/g, ',,');
}

export function renderQemu(plan: Plan, opts: QemuRenderOptions = {}): QemuCommand {
  if (plan.hypervisor.family !== 'KVM')
    throw new RenderError(`the QEMU renderer renders KVM/QEMU plans; this plan targets ${plan.hypervisor.key}`);
  const runDir = opts.runDir ?? `/run/virtcompat/${plan.name}`;
  const binary = opts.binary ?? `qemu-system-${plan.arch}`;
  const a: string[] = [];
  const prepare: PrepareStep[] = [{ kind: 'mkdir', path: runDir }];
  const kvm = plan.acceleration.mode === 'kvm';
  const q35 = plan.machine.type === 'q35';
  const microvm = plan.machine.type === 'microvm';
  const rootBus = q35 ? 'pcie.0' : 'pci.0';
  const graphics = opts.display === 'none' ? 'none' : plan.graphics.type;

  a.push('-name', `guest=${q(plan.name)},debug-threads=on`);
  a.push('-no-user-config', '-nodefaults');
  // machine
  const machineProps = [plan.migration && plan.machine.versioned ? plan.machine.versioned : plan.machine.type];
  if (plan.features.smm) machineProps.push('smm=on');
  if (plan.features.vmport === false) machineProps.push('vmport=off');
  if (plan.clock.timers.some((t) => t.name === 'hpet' && t.present === false)) machineProps.push('hpet=off');
  a.push('-machine', machineProps.join(','));
  if (microvm) a.push('-global', 'virtio-mmio.force-legacy=false'); // virtio 1.0 over MMIO, as planned
  a.push('-accel', kvm ? 'kvm' : 'tcg');

  // cpu
  const cpuProps: string[] = [];
  if (plan.cpu.mode === 'host-passthrough') cpuProps.push('host');
  else if (plan.cpu.mode === 'max') cpuProps.push('max');
  else if (plan.cpu.model) cpuProps.push(plan.cpu.model);
  else cpuProps.push('qemu64');
  for (const f of plan.cpu.disabledFeatures) cpuProps.push(`${f}=off`);
  for (const p of plan.paravirt) {
    if (!p.enabled) continue;
    if (p.family === 'KVM' && KVM_PV_QEMU_FLAG[p.key]) cpuProps.push(`${KVM_PV_QEMU_FLAG[p.key]}=on`);
    if (p.family === 'HYPERV') cpuProps.push(hvFlag(p));
  }
  a.push('-cpu', cpuProps.join(','));
  const t = plan.cpu.topology;
  a.push('-smp', `${plan.cpu.vcpus},sockets=${t.sockets},cores=${t.cores},threads=${t.threads}`);
  a.push('-m', `${plan.memory.mib}M`);

  // firmware
  if (plan.firmware.type === 'uefi') {
    if (!plan.firmware.code || !plan.firmware.varsTemplate) throw new RenderError('UEFI plan without firmware image paths');
    const vars = `${runDir}/${plan.name}_VARS.fd`;
    prepare.push({ kind: 'copy-uefi-vars', from: plan.firmware.varsTemplate, to: vars });
    a.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${q(plan.firmware.code)}`);
    a.push('-drive', `if=pflash,format=raw,unit=1,file=${q(vars)}`);
    if (plan.features.smm) a.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
  }
  if (plan.boot) {
    a.push('-kernel', plan.boot.kernel);
    if (plan.boot.initrd) a.push('-initrd', plan.boot.initrd);
    if (plan.boot.cmdline) a.push('-append', plan.boot.cmdline);
  }

  // clock
  const rtc = plan.clock.timers.find((x) => x.name === 'rtc');
  a.push('-rtc', `base=${plan.clock.offset}${rtc?.tickpolicy === 'catchup' ? ',driftfix=slew' : ''}`);
  if (kvm && plan.clock.timers.some((x) => x.name === 'pit' && x.tickpolicy === 'delay'))
    a.push('-global', 'kvm-pit.lost_tick_policy=delay');

  // TPM
  let tpmSocket: string | null = null;
  if (plan.tpm.present && plan.tpm.backend === 'emulator') {
    tpmSocket = `${runDir}/swtpm.sock`;
    const stateDir = `${runDir}/tpm`;
    prepare.push({ kind: 'mkdir', path: stateDir });
    prepare.push({
      kind: 'swtpm',
      socket: tpmSocket,
      stateDir,
      argv: [
        'swtpm',
        'socket',
        ...(plan.tpm.version === '2.0' ? ['--tpm2'] : []),
        '--tpmstate',
        `dir=${stateDir}`,
        '--ctrl',
        `type=unixio,path=${tpmSocket}`,
        '--terminate',
      ],
    });
    a.push('-chardev', `socket,id=chrtpm,path=${q(tpmSocket)}`);
    a.push('-tpmdev', 'emulator,id=tpm0,chardev=chrtpm');
    a.push('-device', `${plan.tpm.model},tpmdev=tpm0`);
  }

  // display first, so it gets its fixed slot before root ports and endpoints take addresses
  if (graphics !== 'none') {
    // q35: slot 1 of pcie.0 (where libvirt puts video); pc: slot 2 (slot 1 is the PIIX3 ISA bridge)
    // the primary display on x86 needs VGA compatibility: virtio-gpu-pci is presented as virtio-vga
    for (const d of plan.devices.filter((x) => x.role === 'display'))
      a.push('-device', `${d.model === 'virtio-gpu-pci' ? 'virtio-vga' : d.model},id=${d.id},bus=${rootBus},addr=${q35 ? '0x1' : '0x2'}`);
    if (graphics === 'spice') a.push('-spice', `unix=on,addr=${q(`${runDir}/spice.sock`)},disable-ticketing=on`);
    else a.push('-vnc', `unix:${runDir}/vnc.sock`);
  } else a.push('-display', 'none');

  // PCIe root ports on q35: one per endpoint device (hot-plug capable, virtio 1.0 by placement)
  let port = 0;
  const busFor = (d: PlannedDevice): string => {
    if (!q35) return '';
    port++;
    a.push('-device', `pcie-root-port,id=rp${port},bus=pcie.0,chassis=${port},slot=${port}`);
    return `,bus=rp${port}`;
  };
  const virtioProps = (d: PlannedDevice): string => {
    if (!d.paravirtInterface.startsWith('VIRTIO') || d.bus === 'virtio-mmio') return '';
    if (/-non-transitional$|-transitional$|^virtio-vga$|^virtio-tablet|^vhost-vsock/.test(d.model)) return '';
    return d.paravirtInterface === 'VIRTIO_1_0' ? ',disable-legacy=on,disable-modern=off' : ',disable-legacy=off';
  };

  // storage
  let ideSlot = 0;
  const hbas = new Map<string, string>();
  for (const d of plan.devices.filter((x) => x.role === 'storage-controller')) {
    a.push('-device', `${d.model}${virtioProps(d)},id=${d.id}${busFor(d)}`);
    hbas.set(d.id, d.model);
  }
  for (const d of plan.devices.filter((x) => x.role === 'disk' || x.role === 'cdrom')) {
    if (!d.disk) throw new RenderError(`${d.id}: disk without a source`);
    const node = `${d.id}-fmt`;
    a.push('-blockdev', `driver=file,filename=${q(d.disk.source)},node-name=${d.id}-file${d.disk.readonly ? ',read-only=on' : ''}`);
    a.push(
      '-blockdev',
      `driver=${d.disk.format === 'qcow2' ? 'qcow2' : 'raw'},file=${d.id}-file,node-name=${node}${d.disk.readonly ? ',read-only=on' : ''}`,
    );
    const boot = d.disk.bootIndex !== null ? `,bootindex=${d.disk.bootIndex}` : '';
    if (d.bus === 'virtio-mmio') a.push('-device', `${d.model},drive=${node},id=${d.id}`);
    else if (d.bus === 'virtio') a.push('-device', `${d.model}${virtioProps(d)},drive=${node},id=${d.id}${busFor(d)}${boot}`);
    else if (d.bus === 'sata' || d.bus === 'ide') {
      const dev = d.role === 'cdrom' ? 'ide-cd' : 'ide-hd';
      if (q35) {
        if (ideSlot > 5) throw new RenderError('more than 6 SATA devices on the ICH9 AHCI controller');
        a.push('-device', `${dev},drive=${node},bus=ide.${ideSlot},id=${d.id}${boot}`);
      } else {
        if (ideSlot > 3) throw new RenderError('more than 4 IDE devices on the PIIX3 controller');
        a.push('-device', `${dev},drive=${node},bus=ide.${Math.floor(ideSlot / 2)},unit=${ideSlot % 2},id=${d.id}${boot}`);
      }
      ideSlot++;
    } else if (d.bus === 'scsi') {
      const hba = d.controller ?? [...hbas.keys()][0];
      a.push('-device', `${d.role === 'cdrom' ? 'scsi-cd' : 'scsi-hd'},drive=${node},bus=${hba}.0,id=${d.id}${boot}`);
    } else if (d.bus === 'nvme') a.push('-device', `nvme,drive=${node},serial=${d.id},id=${d.id}${busFor(d)}${boot}`);
    else throw new RenderError(`${d.id}: QEMU cannot attach a disk on bus ${d.bus}`);
  }

  // network
  for (const d of plan.devices.filter((x) => x.role === 'nic')) {
    if (d.path === 'passthrough') {
      a.push('-device', `vfio-pci,host=${d.passthrough!.hostAddress},id=${d.id}${busFor(d)}`);
      continue;
    }
    const n = d.nic!;
    if (n.backend === 'none') continue;
    const be = `${d.id}-be`;
    if (n.backend === 'user') a.push('-netdev', `user,id=${be}`);
    else if (n.backend === 'bridge') a.push('-netdev', `bridge,id=${be},br=${q(n.bridge!)}`);
    else a.push('-netdev', `tap,id=${be},ifname=${q(n.tap!)},script=no,downscript=no`);
    a.push('-device', `${d.model}${virtioProps(d)},netdev=${be},mac=${n.mac},id=${d.id}${busFor(d)}`);
  }

  // USB and input
  for (const d of plan.devices.filter((x) => x.role === 'usb')) {
    const key = deviceKey(d.deviceId);
    if (key === 'qemu-xhci' || key === 'nec-xhci' || d.model === 'qemu-xhci' || d.model === 'nec-usb-xhci') {
      const ports = Number(d.options?.ports ?? 4);
      a.push('-device', `${d.model},id=${d.id},p2=${ports},p3=${ports}${busFor(d)}`);
    } else if (key === 'ehci' || d.model === 'ich9-usb-ehci1') {
      a.push('-device', `ich9-usb-ehci1,id=${d.id},bus=${rootBus},addr=0x1d.0x7,multifunction=on`); // model fixed: companions below are ICH9's
      const comps = String(d.options?.companions ?? '')
        .split(',')
        .filter(Boolean);
      comps.forEach((c, i) => {
        a.push('-device', `${c},masterbus=${d.id}.0,firstport=${i * 2},bus=${rootBus},addr=0x1d.0x${i},multifunction=on`);
      });
    } else a.push('-device', `${d.model},id=${d.id}${busFor(d)}`);
  }
  const usb = plan.devices.find((x) => x.role === 'usb');
  if (graphics !== 'none')
    for (const d of plan.devices.filter((x) => x.role === 'input')) {
      if (d.bus === 'usb') {
        if (!usb) throw new RenderError(`${d.id}: USB input without a USB controller`);
        a.push('-device', `${d.model},bus=${usb.id}.0,id=${d.id}`);
      } else a.push('-device', `${d.model},id=${d.id}${busFor(d)}`);
    }

  // sound
  const sound = plan.devices.filter((x) => x.role === 'sound');
  if (sound.length && graphics !== 'none') {
    a.push('-audiodev', `${graphics === 'spice' ? 'spice' : 'none'},id=audio0`);
    for (const d of sound) {
      if (deviceKey(d.deviceId) === 'ac97' || d.model === 'AC97') a.push('-device', `${d.model},id=${d.id},audiodev=audio0${busFor(d)}`);
      else {
        a.push('-device', `${d.model},id=${d.id}${busFor(d)}`);
        a.push('-device', `hda-duplex,bus=${d.id}.0,audiodev=audio0`);
      }
    }
  }

  // rng, balloon, guest agent
  for (const d of plan.devices.filter((x) => x.role === 'rng')) {
    a.push('-object', `rng-random,id=${d.id}-src,filename=${q(String(d.options?.source ?? '/dev/urandom'))}`);
    a.push('-device', `${d.model}${virtioProps(d)},rng=${d.id}-src,id=${d.id}${busFor(d)}`);
  }
  for (const d of plan.devices.filter((x) => x.role === 'balloon')) a.push('-device', `${d.model}${virtioProps(d)},id=${d.id}${busFor(d)}`);
  let qga: string | null = null;
  for (const d of plan.devices.filter((x) => x.role === 'guest-agent')) {
    qga = `${runDir}/qga.sock`;
    a.push('-device', `${d.model}${virtioProps(d)},id=${d.id}${busFor(d)}`);
    a.push('-chardev', `socket,id=${d.id}-chr,path=${q(qga)},server=on,wait=off`);
    a.push('-device', `virtserialport,bus=${d.id}.0,chardev=${d.id}-chr,name=${String(d.options?.channel ?? 'org.qemu.guest_agent.0')}`);
  }

  // serial console
  let serialPath: string | null = null;
  const serial = opts.serial ?? { kind: 'pty' as const };
  for (const d of plan.devices.filter((x) => x.role === 'console')) {
    if (serial.kind === 'none') break;
    const chr = `${d.id}-chr`;
    if (serial.kind === 'pty') a.push('-chardev', `pty,id=${chr}`);
    else if (serial.kind === 'stdio') a.push('-chardev', `stdio,id=${chr},signal=off`);
    else if (serial.kind === 'file') {
      serialPath = serial.path;
      a.push('-chardev', `file,id=${chr},path=${q(serial.path)}`);
    } else {
      serialPath = serial.path;
      a.push('-chardev', `socket,id=${chr},path=${q(serial.path)},server=on,wait=off`);
    }
    a.push('-device', `isa-serial,chardev=${chr},id=${d.id}`);
  }

  // control
  const qmp = opts.qmpSocket === null ? null : (opts.qmpSocket ?? `${runDir}/qmp.sock`);
  if (qmp) a.push('-qmp', `unix:${qmp},server=on,wait=off`);
  if (!plan.boot) a.push('-boot', 'strict=on');
  if (opts.paused) a.push('-S');
  return { binary, args: a, prepare, sockets: { qmp, guestAgent: qga, tpm: tpmSocket, serial: serialPath } };
}
