// Per-device path selection, shared by every hypervisor family:
// paravirtual when guest and hypervisor both support it, else the best emulated model both support,
// else (when asked for) passthrough; every pick carries its reason and the records behind it.
import { sha256 } from '../util/sha256.ts';
import type { DeviceClass, GuestDeviceFact, GuestFacts, ParavirtInterface, ReleaseDeviceFact } from './facts.ts';
import type { HostProfile } from './host.ts';
import { hostFeatureReport } from './host-features.ts';
import { PlanError, type Because, type DevicePath, type DeviceRole, type PlannedDevice, type PlannedDriver } from './plan.ts';
import { at } from '../util/must.ts';

export interface DeviceContext {
  guest: GuestFacts;
  guestLabel: string;
  releaseId: string;
  releaseName: string;
  devices: ReleaseDeviceFact[];
  allowAddon: boolean;
  noEmulated: boolean;
  /** device id → accepted compatibility record id saying it is BROKEN/UNSUPPORTED with this release */
  broken: Map<string, string>;
  host: HostProfile;
  vfio: boolean;
  sriov: boolean;
  migrating: boolean;
  /** Models the host's hypervisor binary offers (QEMU `-device help`); null when unknown. */
  hostModels: Set<string> | null;
  /** Paravirtual interfaces native to the hypervisor family; other PV devices it emulates count as emulated. */
  native: ParavirtInterface[];
  warnings: string[];
  /**
   * The add-on driver build for a device the guest drives with an add-on (decide/drivers.ts); null when the
   * catalogue has no package for it on this hypervisor. Absent: builds are not considered.
   */
  driverFor?: (paravirtInterface: ParavirtInterface, driverName: string | null) => DriverBuildChoice | null;
  /** Slots whose paravirtual device was passed over because no build of its add-on package supports the guest. */
  driverMisses?: { package: string; slot: string }[];
}

/** What the matcher needs of a driver choice (decide/drivers.ts DriverChoice). */
export type DriverBuildChoice = Omit<PlannedDriver, 'devices' | 'media'>;

const pci = (v: string, p: string) => `http://pcisig.com/pci/${v}/${p}`;

/**
 * Catalogue device ids → a short key the planner's preference lists and the renderers use, so they
 * do not depend on how a hypervisor release names its model (`VMXNET 3`, `vmxnet3` ...).
 */
export const DEVICE_KEYS: Record<string, string> = {
  [pci('1234', '1111')]: 'vga',
  [pci('1b36', '0100')]: 'qxl',
  [pci('1013', '00b8')]: 'cirrus',
  [pci('15ad', '0405')]: 'vmware-svga',
  [pci('5333', '8811')]: 's3',
  [pci('1af4', '1050')]: 'virtio-gpu',
  [pci('8086', '100e')]: 'e1000',
  [pci('8086', '100f')]: 'e1000',
  [pci('8086', '10d3')]: 'e1000e',
  [pci('10ec', '8139')]: 'rtl8139',
  [pci('10ec', '8029')]: 'ne2k_pci',
  [pci('1022', '2000')]: 'pcnet',
  [pci('15ad', '07b0')]: 'vmxnet3',
  [pci('1011', '0009')]: 'tulip',
  [pci('8086', '2922')]: 'ahci',
  [pci('15ad', '07e0')]: 'ahci',
  [pci('8086', '7010')]: 'ide',
  [pci('8086', '7111')]: 'ide',
  [pci('1000', '0012')]: 'lsi53c895a',
  [pci('1000', '0030')]: 'lsilogic',
  [pci('1000', '0054')]: 'lsisas1068',
  [pci('104b', '1040')]: 'buslogic',
  [pci('15ad', '07c0')]: 'pvscsi',
  [pci('1b36', '0010')]: 'nvme',
  [pci('15ad', '07f0')]: 'nvme',
  [pci('8086', '5845')]: 'nvme',
  [pci('1b36', '000d')]: 'qemu-xhci',
  [pci('1b36', '0004')]: 'qemu-xhci',
  [pci('1033', '0194')]: 'nec-xhci',
  [pci('15ad', '0779')]: 'xhci',
  [pci('8086', '293a')]: 'ehci',
  [pci('1af4', '1000')]: 'virtio-net',
  [pci('1af4', '1041')]: 'virtio-net',
  [pci('8086', '2668')]: 'ich6',
  [pci('8086', '293e')]: 'ich9-hda',
  [pci('8086', '2415')]: 'ac97',
  [pci('15ad', '1977')]: 'hda',
  'http://usb.org/usb/0627/0001': 'usb-tablet',
  'http://usb.org/usb/80ee/0021': 'usb-tablet',
  'http://virtcompat.org/device/tpm/tpm-crb': 'tpm-crb',
  'http://virtcompat.org/device/tpm/tpm-tis': 'tpm-tis',
  'http://virtcompat.org/device/isa/16550a': 'isa-serial',
  'http://xen.org/xen/vif': 'xen-vif',
  'http://xen.org/xen/vbd': 'xen-vbd',
  'http://xen.org/xen/console': 'xen-console',
  'http://xen.org/xen/vfb': 'xen-vfb',
  'http://xen.org/xen/vkbd': 'xen-vkbd',
  'http://xen.org/xen/vtpm': 'xen-vtpm',
  'http://virtcompat.org/device/hyperv/netvsc': 'netvsc',
  'http://virtcompat.org/device/hyperv/storvsc': 'storvsc',
  'http://virtcompat.org/device/hyperv/synthvid': 'synthvid',
  'http://virtcompat.org/device/hyperv/keyboard': 'hv-keyboard',
};

export function deviceKey(id: string | null | undefined): string | null {
  return id ? (DEVICE_KEYS[id] ?? null) : null;
}

/** A release device answers to a key by catalogue id, model name or device name. */
export function matchesKey(rd: ReleaseDeviceFact, key: string): boolean {
  return deviceKey(rd.device.id) === key || rd.model === key || rd.device.name === key;
}

export type Support =
  | {
      ok: true;
      source: 'INBOX' | 'ADDON' | 'RULE';
      driverName: string | null;
      fact: GuestDeviceFact | null;
      note?: string;
      /** The add-on package's build the device needs (source ADDON, when the catalogue knows the package). */
      build?: DriverBuildChoice;
    }
  | { ok: false; why: string /** the add-on package none of whose builds supports the guest */; noBuild?: string };

export function guestIndex(guest: GuestFacts): Map<string, GuestDeviceFact> {
  const m = new Map<string, GuestDeviceFact>();
  for (const d of guest.devices) m.set(d.device.id, d);
  return m;
}

const indexCache = new WeakMap<GuestFacts, Map<string, GuestDeviceFact>>();
function idx(guest: GuestFacts) {
  let m = indexCache.get(guest);
  if (!m) {
    m = guestIndex(guest);
    indexCache.set(guest, m);
  }
  return m;
}

/** Does the guest drive this catalogue device? Explicit negatives and add-on drivers are respected. */
/**
 * Known id mistakes in osinfo-db that its importers carry over: the guest's record under the other id counts.
 * qemu-xhci is 1b36:000d (QEMU docs/specs/pci-ids.rst); osinfo-db's device pci-1b36-0004 names it.
 */
export const DEVICE_ID_ALIASES: Record<string, { ids: string[]; note: string }> = {
  'http://pcisig.com/pci/1b36/000d': { ids: ['http://pcisig.com/pci/1b36/0004'], note: 'osinfo-db records qemu-xhci as 1b36:0004' },
  // VMware's E1000 is the 82545EM (8086:100f); osinfo-db records guests' Intel PRO/1000 support as QEMU's
  // 82540EM (8086:100e). One driver drives both (Linux e1000, Windows PRO/1000 MT), and VMware documents the
  // E1000 as driven by Windows XP and later and Linux 2.4.19 and later:
  // https://knowledge.broadcom.com/external/article?legacyId=1001805
  'http://pcisig.com/pci/8086/100f': {
    ids: ['http://pcisig.com/pci/8086/100e'],
    note: 'the 82545EM and 82540EM share one driver (Intel PRO/1000 MT; VMware KB 1001805: E1000 drivers in Windows XP and later, Linux 2.4.19 and later)',
  },
};

export function guestSupport(ctx: DeviceContext, deviceId: string): Support {
  let f = idx(ctx.guest).get(deviceId);
  let note: string | undefined;
  if (!f) {
    const alias = DEVICE_ID_ALIASES[deviceId];
    const hit = alias?.ids.map((id) => idx(ctx.guest).get(id)).find((x) => x);
    if (hit) {
      f = hit;
      note = `${alias!.note}; ${ctx.guestLabel}'s record for ${hit.device.id} counts`;
    }
  }
  if (!f) return { ok: false, why: `no record that ${ctx.guestLabel} drives it` };
  if (!f.supported)
    return {
      ok: false,
      why: `the catalogue says ${ctx.guestLabel} does not drive it${f.inheritedFrom ? ` (inherited from ${f.inheritedFrom})` : ''}`,
    };
  if (f.driverSource === 'ADDON') {
    const choice = ctx.driverFor?.(f.device.paravirtInterface, f.driverName) ?? null;
    if (!ctx.allowAddon)
      return {
        ok: false,
        why: `needs the add-on driver${f.driverName ? ` ${f.driverName}` : ''}${choice?.build ? ` (${choice.package} ${choice.build.version} supports ${ctx.guestLabel} on ${choice.arch})` : ''}; the spec does not say it is installed (drivers.addon: false)`,
      };
    if (choice && !choice.build)
      return {
        ok: false,
        why: `needs the add-on driver ${f.driverName ?? choice.package}, and ${choice.because.reason}`,
        noBuild: choice.package,
      };
    if (choice?.build) return { ok: true, source: 'ADDON', driverName: f.driverName ?? choice.package, fact: f, note, build: choice };
  }
  return { ok: true, source: f.driverSource, driverName: f.driverName, fact: f, note };
}

export function guestDrivesAny(ctx: DeviceContext, ids: string[]): boolean {
  return ids.some((id) => guestSupport(ctx, id).ok);
}

export interface Slot {
  role: DeviceRole;
  id: string;
  classes: DeviceClass[];
  /** Which release devices may serve this slot at all (bus limits of the machine/backend). */
  allow?: (rd: ReleaseDeviceFact) => boolean;
  /** Paravirtual ranking (lower first); default: virtio 1.0 before transitional/legacy, then listed order. */
  pvRank?: (rd: ReleaseDeviceFact) => number;
  /** Emulated models in preference order (device keys, see DEVICE_KEYS); unlisted ones are not used. */
  emulatedOrder: string[];
  /** Emulated models used without a guest record, by a stated rule (chipset parts, USB HID class ...). */
  ruleSupported?: (rd: ReleaseDeviceFact) => { rule: string; reason: string } | null;
  /** When nothing fits: a last-resort choice by rule (returns null to fail). */
  lastResort?: () => { rd: ReleaseDeviceFact | null; model: string; bus: string; rule: string; reason: string; path: DevicePath } | null;
  /** Support judged by a rule instead of a record for this device (virtio over MMIO for Linux ...). */
  supportVia?: (rd: ReleaseDeviceFact) => Support | null;
  prefer: 'auto' | 'paravirtual' | 'emulated' | 'passthrough';
  passthrough?: { host: string; vf: boolean; required: boolean };
  /** Required: no device → PlanError. Optional: no device → null. */
  required: boolean;
  busOf: (rd: ReleaseDeviceFact, path: DevicePath) => string;
}

const PVI_RANK: Record<ParavirtInterface, number> = {
  VIRTIO_1_0: 0,
  VIRTIO_TRANSITIONAL: 1,
  VIRTIO_LEGACY: 2,
  XEN_PV: 0,
  VMWARE_PV: 0,
  HYPERV_VMBUS: 0,
  NONE: 9,
};

function base(
  ctx: DeviceContext,
  slot: Slot,
  rd: ReleaseDeviceFact,
  path: DevicePath,
  support: Support & { ok: true },
  because: Because,
): PlannedDevice {
  return {
    id: slot.id,
    role: slot.role,
    class: rd.device.class,
    path,
    model: rd.model,
    deviceId: rd.device.id,
    paravirtInterface: rd.device.paravirtInterface,
    bus: slot.busOf(rd, path),
    driver: driverOf(support),
    because: support.build?.build ? { ...because, records: [...because.records, support.build.build.id] } : because,
  };
}

/** A planned device's driver from the matcher's support: the add-on's build when the plan names one. */
export function driverOf(support: Support & { ok: true }): NonNullable<PlannedDevice['driver']> {
  const build = support.build?.build;
  return { source: support.source, name: support.driverName, ...(build ? { build: build.version } : {}) };
}

/** Picks the device for one slot. Returns null for an optional slot nothing fits (with the reason in `skipped`). */
export function chooseDevice(ctx: DeviceContext, slot: Slot): { device: PlannedDevice | null; skipped: Because | null } {
  const rejected: { option: string; why: string }[] = [];
  const offered = ctx.devices.filter(
    (rd) => rd.supported && slot.classes.includes(rd.device.class) && (slot.allow ? slot.allow(rd) : true),
  );
  // a model the catalogue lists for the release but this host's binary lacks (a distribution build without it)
  const candidates = offered.filter((rd) => {
    if (!ctx.hostModels || /\s/.test(rd.model) || ctx.hostModels.has(rd.model)) return true;
    rejected.push({ option: rd.model, why: `the host's QEMU does not offer it (-device help)` });
    return false;
  });
  const usable = (rd: ReleaseDeviceFact): boolean => {
    const rec = ctx.broken.get(rd.device.id);
    if (rec) {
      rejected.push({ option: rd.model, why: `compatibility record ${rec} says it does not work with ${ctx.releaseName}` });
      return false;
    }
    return true;
  };

  // passthrough first when the spec prefers it
  let passthroughFailure: string | null = null;
  const tryPassthrough = (): PlannedDevice | null => {
    if (!slot.passthrough) return null;
    const r = planPassthrough(ctx, slot);
    if ('device' in r) return r.device;
    passthroughFailure = r.why;
    rejected.push({ option: `passthrough of ${slot.passthrough.host}`, why: r.why });
    return null;
  };
  if (slot.prefer === 'passthrough') {
    const d = tryPassthrough();
    if (d) return { device: d, skipped: null };
    if (slot.passthrough?.required)
      throw new PlanError(
        'PASSTHROUGH_UNAVAILABLE',
        `${slot.id}: passthrough of ${slot.passthrough.host}`,
        `${slot.id}: passthrough required but ${passthroughFailure}`,
        [ctx.releaseId],
      );
    ctx.warnings.push(
      `${slot.id}: passthrough of ${slot.passthrough!.host} not possible (${passthroughFailure}); planning a virtual device instead`,
    );
  }

  // 1. paravirtual
  const isPv = (rd: ReleaseDeviceFact) => rd.device.kind === 'PARAVIRTUAL' && ctx.native.includes(rd.device.paravirtInterface);
  const pv = candidates
    .filter(isPv)
    .map((rd, i) => ({ rd, i, rank: slot.pvRank ? slot.pvRank(rd) : PVI_RANK[rd.device.paravirtInterface] }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  if (slot.prefer !== 'emulated') {
    for (const { rd } of pv) {
      if (!usable(rd)) continue;
      const s = slot.supportVia?.(rd) ?? guestSupport(ctx, rd.device.id);
      if (!s.ok) {
        rejected.push({ option: rd.model, why: s.why });
        if (s.noBuild) ctx.driverMisses?.push({ package: s.noBuild, slot: slot.id });
        continue;
      }
      const reason =
        `${ctx.guestLabel} drives ${rd.device.name}${s.source === 'ADDON' ? ` with the add-on driver${s.driverName ? ` ${s.driverName}` : ''}${s.build?.build ? ` ${s.build.build.version}` : ''}` : ' with an inbox driver'}` +
        ` and ${ctx.releaseName} offers it as ${rd.model}: paravirtual first` +
        (s.note ? ` (${s.note})` : '');
      return {
        device: base(ctx, slot, rd, 'paravirtual', s, {
          reason,
          rule: s.source === 'RULE' ? 'device.paravirtual-by-rule' : 'device.paravirtual-first',
          records: [ctx.guest.id, rd.device.id, ctx.releaseId, ...(s.fact?.inheritedFrom ? [s.fact.inheritedFrom] : [])],
          rejected: rejected.length ? [...rejected] : undefined,
        }),
        skipped: null,
      };
    }
  } else {
    for (const { rd } of pv) rejected.push({ option: rd.model, why: 'the spec prefers an emulated model' });
  }

  // 2. emulated, in the slot's preference order
  if (!ctx.noEmulated) {
    const emulated = candidates.filter((rd) => !isPv(rd));
    const ordered = slot.emulatedOrder
      .flatMap((key) => emulated.filter((rd) => matchesKey(rd, key)))
      .filter((x, i, all): x is ReleaseDeviceFact => !!x && all.indexOf(x) === i);
    for (const rd of ordered) {
      if (!usable(rd)) continue;
      const s = guestSupport(ctx, rd.device.id);
      if (s.ok) {
        return {
          device: base(ctx, slot, rd, 'emulated', s, {
            reason: `${slot.prefer === 'emulated' ? '' : `no paravirtual ${slot.role} both sides support; `}${ctx.guestLabel} drives ${rd.device.name}${s.source === 'ADDON' ? ' (add-on driver)' : ''}, the first of ${slot.emulatedOrder.join(' > ')} that ${ctx.releaseName} offers${s.note ? ` (${s.note})` : ''}`,
            rule: 'device.best-emulated',
            records: [ctx.guest.id, rd.device.id, ctx.releaseId],
            rejected: rejected.length ? [...rejected] : undefined,
          }),
          skipped: null,
        };
      }
      const rule = slot.ruleSupported?.(rd);
      if (rule) {
        return {
          device: base(
            ctx,
            slot,
            rd,
            'emulated',
            { ok: true, source: 'RULE', driverName: null, fact: null },
            {
              reason: `${slot.prefer === 'emulated' ? '' : `no paravirtual ${slot.role} both sides support; `}${rule.reason}`,
              rule: rule.rule,
              records: [ctx.guest.id, rd.device.id, ctx.releaseId],
              rejected: rejected.length ? [...rejected] : undefined,
            },
          ),
          skipped: null,
        };
      }
      rejected.push({ option: rd.model, why: s.why });
    }
    for (const rd of emulated)
      if (!ordered.includes(rd))
        rejected.push({
          option: rd.model,
          why: `not a ${slot.role} model this planner uses for ${ctx.releaseName} (${slot.emulatedOrder.join(', ') || 'none'})`,
        });
  } else {
    for (const rd of candidates.filter((c) => !isPv(c))) rejected.push({ option: rd.model, why: 'constraint noEmulatedDevices' });
  }

  // 3. passthrough, when configured and nothing virtual fits
  if (slot.passthrough && slot.prefer !== 'passthrough') {
    const d = tryPassthrough();
    if (d) {
      d.because.reason = `no paravirtual${ctx.noEmulated ? '' : ' or emulated'} ${slot.role} fits; ${d.because.reason}`;
      d.because.rejected = [...rejected];
      return { device: d, skipped: null };
    }
  }

  // 4. last resort by rule
  if (!ctx.noEmulated && slot.lastResort) {
    const lr = slot.lastResort();
    if (lr) {
      ctx.warnings.push(`${slot.id}: ${lr.reason}`);
      return {
        device: {
          id: slot.id,
          role: slot.role,
          class: lr.rd?.device.class ?? at(slot.classes, 0, `a device class for slot ${slot.id}`),
          path: lr.path,
          model: lr.model,
          deviceId: lr.rd?.device.id ?? null,
          paravirtInterface: lr.rd?.device.paravirtInterface ?? 'NONE',
          bus: lr.bus,
          driver: { source: 'RULE', name: null },
          because: {
            reason: lr.reason,
            rule: lr.rule,
            records: [ctx.guest.id, ...(lr.rd ? [lr.rd.device.id] : []), ctx.releaseId],
            rejected: [...rejected],
          },
        },
        skipped: null,
      };
    }
  }

  const offeredModels = candidates.map((c) => c.model).join(', ') || 'none';
  const because: Because = {
    reason: `no ${slot.role} device fits: ${ctx.releaseName} offers ${offeredModels}; ${ctx.guestLabel} drives none of them${ctx.noEmulated ? ' as a paravirtual device (constraint noEmulatedDevices)' : ''}`,
    rule: 'device.none-fits',
    records: [ctx.guest.id, ctx.releaseId],
    rejected,
  };
  if (slot.required) {
    throw new PlanError(
      'NO_DEVICE_PATH',
      `${slot.id}: a ${slot.classes.join('/').toLowerCase()} device both ${ctx.guestLabel} and ${ctx.releaseName} support${ctx.noEmulated ? ' (paravirtual, by constraint noEmulatedDevices)' : ''}`,
      `${slot.id}: ${because.reason}. Considered: ${rejected.map((r) => `${r.option} (${r.why})`).join('; ') || 'nothing'}`,
      [ctx.guest.id, ctx.releaseId],
    );
  }
  return { device: null, skipped: because };
}

/** VFIO / SR-IOV VF assignment of a host PCI device, when the host and hypervisor can do it. */
export function planPassthrough(ctx: DeviceContext, slot: Slot): { device: PlannedDevice } | { why: string } {
  const pt = slot.passthrough!;
  const addr = pt.host.length === 7 ? `0000:${pt.host}` : pt.host.toLowerCase();
  if (ctx.migrating) return { why: 'an assigned device blocks live migration (constraint migrateAcross)' };
  if (!ctx.vfio) return { why: `${ctx.releaseName} has no device assignment (VFIO) in the catalogue` };
  if (pt.vf && !ctx.sriov) return { why: `${ctx.releaseName} has no SR-IOV VF assignment in the catalogue` };
  const iommu = hostFeatureReport(ctx.host);
  if (!iommu.present.some((k) => k === 'vt-d' || k === 'amd-vi'))
    return {
      why: `host ${ctx.host.name} has no IOMMU switched on (hardware features vt-d/amd-vi: ${iommu.undecided.some((u) => u.key === 'vt-d' || u.key === 'amd-vi') ? 'undecided' : 'absent or off'}; no IOMMU groups; enable VT-d/AMD-Vi: intel_iommu=on / amd_iommu=on)`,
    };
  const dev = ctx.host.pci.find((d) => d.address === addr);
  if (!dev) return { why: `host ${ctx.host.name} has no PCI device ${addr}` };
  let target = dev;
  let vf = false;
  if (pt.vf) {
    if (!dev.sriovTotalVfs) return { why: `${addr} is not SR-IOV capable (no sriov_totalvfs)` };
    const vfs = ctx.host.pci.filter((d) => d.physfn === addr || d.physfn?.endsWith(addr));
    const free = vfs.find((d) => d.driver === null || d.driver === 'vfio-pci');
    if (!free) {
      return {
        why: vfs.length
          ? `all ${vfs.length} VFs of ${addr} are bound to host drivers`
          : `${addr} has ${dev.sriovNumVfs ?? 0} of ${dev.sriovTotalVfs} VFs enabled (echo N > /sys/bus/pci/devices/${addr}/sriov_numvfs)`,
      };
    }
    target = free;
    vf = true;
  }
  if (target.iommuGroup === null) return { why: `${target.address} is in no IOMMU group` };
  const groupMates = ctx.host.pci.filter(
    (d) => d.iommuGroup === target.iommuGroup && d.address !== target.address && !d.class.startsWith('0604'),
  );
  if (groupMates.length)
    ctx.warnings.push(
      `${slot.id}: IOMMU group ${target.iommuGroup} also holds ${groupMates.map((d) => d.address).join(', ')}; all of them must be bound to vfio-pci`,
    );
  const deviceId = `http://pcisig.com/pci/${target.vendorId}/${target.productId}`;
  const s = guestSupport(ctx, deviceId);
  if (!s.ok)
    ctx.warnings.push(
      `${slot.id}: ${s.why.replace('it', `${target.vendorId}:${target.productId}`)}; the guest needs its own driver for the assigned device`,
    );
  return {
    device: {
      id: slot.id,
      role: slot.role,
      class: at(slot.classes, 0, `a device class for slot ${slot.id}`),
      path: 'passthrough',
      model: 'vfio-pci',
      deviceId,
      paravirtInterface: 'NONE',
      bus: 'pci',
      driver: s.ok ? { source: s.source, name: s.driverName } : null,
      passthrough: { hostAddress: target.address, vf, iommuGroup: target.iommuGroup, physfn: vf ? addr : null },
      because: {
        reason: `${vf ? `SR-IOV VF ${target.address} of ${addr}` : `host device ${addr}`} assigned through VFIO: the host has IOMMU group ${target.iommuGroup} and ${ctx.releaseName} supports ${vf ? 'SR-IOV VF' : 'device'} assignment`,
        rule: vf ? 'device.passthrough-sriov-vf' : 'device.passthrough-vfio',
        records: [ctx.releaseId, deviceId],
      },
    },
  };
}

/** Deterministic locally administered MAC from the VM name and NIC index, under the hypervisor's OUI. */
export function macFor(prefix: string, vmName: string, index: number): string {
  const h = sha256(`${vmName}/${index}`);
  // VMware accepts static MACs only in 00:50:56:00:00:00-00:50:56:3f:ff:ff
  const first = prefix === '00:50:56' ? at(h, 0) & 0x3f : at(h, 0);
  return `${prefix}:${[first, at(h, 1), at(h, 2)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}
