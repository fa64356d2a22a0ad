// The launch plan: what decide() returns and every renderer reads. Plain data (JSON-serialisable),
// so `plan --format json` is the plan itself and a plan can be saved and rendered later.
import type { DeviceClass, FactsProvenance, ParavirtInterface } from './facts.ts';

export const PLAN_SCHEMA = 'virtcompat-plan/1';

/** Why a choice was made: the rule, the catalogue records behind it, what was passed over. */
export interface Because {
  /** One sentence a reviewer reads. */
  reason: string;
  /** Stable rule id (see decide/), e.g. `device.paravirtual-first`. */
  rule: string;
  /** Catalogue ids the choice rests on: guest, device, hypervisor release, compatibility records. */
  records: string[];
  /** Options considered and passed over, each with why. */
  rejected?: { option: string; why: string }[];
  /** Where the choice knowingly differs from what virt-install picks from the same osinfo data. */
  differsFrom?: { tool: 'virt-install'; theirs: string; why: string };
}

export type Acceleration = 'kvm' | 'tcg' | 'hardware' | 'paravirtual-only';

export type DeviceRole =
  | 'disk'
  | 'cdrom'
  | 'nic'
  | 'display'
  | 'input'
  | 'usb'
  | 'sound'
  | 'rng'
  | 'balloon'
  | 'guest-agent'
  | 'console'
  | 'storage-controller'
  | 'vsock'
  | 'watchdog';

export type DevicePath = 'paravirtual' | 'emulated' | 'passthrough' | 'builtin';

export interface PlannedDevice {
  /** Stable name inside the plan: disk0, net0, video0, usb0 ... (renderers use it as the device id). */
  id: string;
  role: DeviceRole;
  class: DeviceClass;
  path: DevicePath;
  /** The hypervisor's own name for the model (virtio-net-pci-non-transitional, e1000e, vmxnet3, vif ...). */
  model: string;
  /** Catalogue device id, null for built-in parts with no catalogue record. */
  deviceId: string | null;
  paravirtInterface: ParavirtInterface;
  /** How the guest sees it attached: virtio, sata, ide, scsi, nvme, usb, pci, xen, vmbus, virtio-mmio, isa. */
  bus: string;
  /**
   * Which driver the guest uses: inbox, an add-on package, or a rule (no record). `build`: the add-on
   * package's build the plan names (plan.drivers says which and why), when the catalogue knows the package.
   */
  driver: { source: 'INBOX' | 'ADDON' | 'RULE'; name: string | null; build?: string } | null;
  /** Id of the planned controller this device hangs on (disks on ahci0, scsi0 ...). */
  controller?: string;
  disk?: {
    source: string;
    format: 'raw' | 'qcow2' | 'vmdk' | 'vhdx';
    readonly: boolean;
    bootIndex: number | null;
    sizeBytes: number | null;
    /** The spec's image is in a format the hypervisor does not run: convert it to `source` first (argv). */
    convertFrom?: { path: string; format: 'raw' | 'qcow2' | 'vmdk' | 'vhdx'; argv: string[] };
  };
  nic?: { backend: 'user' | 'bridge' | 'tap' | 'none'; bridge: string | null; tap: string | null; mac: string };
  passthrough?: { hostAddress: string; vf: boolean; iommuGroup: number | null; physfn: string | null };
  /** Model options the renderers apply (usb ports, rng source, spinlock retries ...). */
  options?: Record<string, string | number | boolean>;
  because: Because;
}

export interface ParavirtChoice {
  key: string; // kvm-pv-eoi, hv-relaxed, xen-pvh ...
  family: 'KVM' | 'HYPERV' | 'XEN' | 'VMWARE' | 'GENERIC';
  enabled: boolean;
  options?: Record<string, string | number | boolean>;
  because: Because;
}

export interface ClockTimer {
  name: 'rtc' | 'pit' | 'hpet' | 'hypervclock' | 'kvmclock' | 'tsc';
  present?: boolean;
  tickpolicy?: 'catchup' | 'delay' | 'merge' | 'discard';
}

export interface FirmwareChoice {
  type: 'bios' | 'uefi' | 'direct-kernel' | 'none';
  secureBoot: boolean;
  /** Firmware images on the host (from the QEMU firmware descriptors), when the hypervisor needs paths. */
  code: string | null;
  varsTemplate: string | null;
  /** Descriptor file the images come from. */
  descriptor: string | null;
  /** Hyper-V secure boot template, VMware efi.secureBoot ... */
  template?: string | null;
  because: Because;
}

/**
 * An add-on driver package the plan relies on (virtio-win, the Xen PV drivers, VMware Tools) and the build
 * it needs: the newest build that supports the guest release on its architecture, passing over builds known
 * to break it. `build` null: no build in the catalogue supports the guest, and `devices` fell back to others.
 */
export interface PlannedDriver {
  /** Package key (the catalogue's driverPackages): virtio-win, xen-win-pv, vmware-tools. */
  package: string;
  name: string;
  build: { id: string; version: string; sourceRef: string | null } | null;
  /** The guest architecture the build must carry (i686 for a 32-bit guest). */
  arch: string;
  /** Plan devices that use the build, or (no build) that fell back to another device. */
  devices: string[];
  /** The CD-ROM the plan attaches with the spec's drivers.iso, when it gives one. */
  media: { device: string; path: string } | null;
  because: Because;
}

export interface Plan {
  schema: typeof PLAN_SCHEMA;
  name: string;
  arch: string;
  guest: { id: string; shortId: string | null; name: string; family: string | null };
  hypervisor: { key: string; family: string; releaseId: string; version: string; because: Because };
  host: { name: string; arch: string };
  facts: FactsProvenance;
  warnings: string[];
  acceleration: { mode: Acceleration; because: Because };
  backend: { key: string; because: Because };
  machine: { type: string; versioned: string | null; because: Because };
  firmware: FirmwareChoice;
  cpu: {
    mode: 'host-passthrough' | 'named' | 'max' | 'host' | 'default';
    model: string | null;
    /** CPU flags switched off (e.g. arch-capabilities on a nested host whose KVM refuses the MSR). */
    disabledFeatures: string[];
    vcpus: number;
    topology: { sockets: number; cores: number; threads: number };
    because: Because;
  };
  memory: { mib: number; because: Because };
  resources: { because: Because };
  clock: { offset: 'utc' | 'localtime'; timers: ClockTimer[]; because: Because };
  features: { acpi: boolean; apic: boolean; smm: boolean; vmport: boolean | null; because: Because };
  paravirt: ParavirtChoice[];
  tpm: {
    present: boolean;
    model: string | null;
    version: '2.0' | '1.2' | null;
    backend: 'emulator' | 'passthrough' | null;
    because: Because;
  };
  graphics: { type: 'spice' | 'vnc' | 'none'; because: Because };
  devices: PlannedDevice[];
  /** The add-on driver builds the devices need (empty when every driver is inbox or by rule). */
  drivers: PlannedDriver[];
  /** Optional devices left out, each with why (no guest driver, SPICE-only extras ...). */
  omitted: { id: string; role: DeviceRole; because: Because }[];
  /**
   * Direct kernel boot. `toProvide` is set when the spec named no kernel and the plan chose a default path:
   * the file is the user's to put there (what it must be is the sentence).
   */
  boot: { kernel: string; initrd: string | null; cmdline: string | null; toProvide?: string } | null;
  migration: { hosts: string[]; because: Because } | null;
}

export type PlanErrorCode =
  | 'NO_HYPERVISOR_RELEASE'
  | 'GUEST_ARCH_UNSUPPORTED'
  | 'COMBINATION_UNSUPPORTED'
  | 'ACCELERATION_UNAVAILABLE'
  | 'NO_BACKEND'
  | 'NO_FIRMWARE'
  | 'RESOURCES_BELOW_MINIMUM'
  | 'RESOURCES_ABOVE_MAXIMUM'
  | 'NO_DEVICE_PATH'
  | 'PASSTHROUGH_UNAVAILABLE'
  | 'TPM_UNAVAILABLE'
  | 'KERNEL_REQUIRED'
  | 'MIGRATION_CONSTRAINT'
  | 'SPEC_CONFLICT';

/** No plan possible: names the requirement that failed and the records behind it. */
export class PlanError extends Error {
  override name = 'PlanError';
  readonly code: PlanErrorCode;
  readonly requirement: string;
  readonly records: string[];
  constructor(code: PlanErrorCode, requirement: string, message: string, records: string[] = []) {
    super(message);
    this.code = code;
    this.requirement = requirement;
    this.records = records;
  }
  toJSON() {
    return { error: this.code, requirement: this.requirement, message: this.message, records: this.records };
  }
}

export type DecideResult = { ok: true; plan: Plan } | { ok: false; error: PlanError };
