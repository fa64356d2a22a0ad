// Facts the planner needs from the compatibility service, in the runtime's own terms.
// The client fills these from one GraphQL operation (query.ts); decide() reads nothing else about
// guests and hypervisors. Keeping this shape here, not in the service's types, is what lets the
// runtime ship alone.

import type { DeviceClass, DeviceKind, ParavirtInterface } from '../vocabulary/devices.ts';

// the device vocabulary is shared with the importers (src/vocabulary/devices.ts)
export type { DeviceClass, DeviceKind, ParavirtInterface };

export type HypervisorFamily = 'KVM' | 'XEN' | 'VMWARE' | 'HYPERV' | 'CLOUD_HYPERVISOR' | 'FIRECRACKER' | 'GENERIC';
export type ParavirtKind = 'BACKEND' | 'FEATURE' | 'ENLIGHTENMENT' | 'DEVICE_FAMILY';
export type HostRequirement = 'REQUIRED' | 'RECOMMENDED' | 'USED_IF_PRESENT';
export type CompatibilityStatus = 'CERTIFIED' | 'SUPPORTED' | 'WORKS' | 'PARTIAL' | 'BROKEN' | 'UNSUPPORTED';

export interface DeviceFact {
  id: string;
  name: string;
  bus: string;
  vendorId: string | null;
  productId: string | null;
  class: DeviceClass;
  kind: DeviceKind;
  paravirtInterface: ParavirtInterface;
}

export interface GuestDeviceFact {
  device: DeviceFact;
  supported: boolean;
  driverSource: 'INBOX' | 'ADDON';
  driverName: string | null;
  /** Where the record comes from: 'osinfo-db' (what virt-install reads too), 'curated', a vendor; null when not said. */
  source: string | null;
  /** Guest id the answer was inherited from; null when the guest states it itself. */
  inheritedFrom: string | null;
}

export interface ParavirtFeatureFact {
  key: string;
  family: HypervisorFamily;
  kind: ParavirtKind;
  dependsOn: string[];
}

export interface GuestParavirtFact {
  feature: ParavirtFeatureFact;
  supported: boolean;
  minKernel: string | null;
  notes: string | null;
  inheritedFrom: string | null;
}

export interface GuestFirmwareFact {
  arch: string;
  type: 'BIOS' | 'UEFI';
  supported: boolean;
  secureBoot: boolean | null;
}

export interface GuestResourcesFact {
  arch: string; // 'all' or an architecture
  kind: 'MINIMUM' | 'RECOMMENDED' | 'MAXIMUM' | 'NETWORK_INSTALL';
  cpus: number | null;
  ramBytes: number | null;
  storageBytes: number | null;
}

export type DriverSupportStatus = 'SUPPORTED' | 'BROKEN' | 'UNSUPPORTED';

/** What one build of an add-on driver package (virtio-win, Xen PV drivers, VMware Tools) says about the guest on one architecture. */
export interface GuestDriverFact {
  buildId: string;
  packageKey: string;
  version: string;
  arch: string;
  status: DriverSupportStatus;
  /** Why a build breaks or dropped the release. */
  reason: string | null;
  /** The report behind this entry, else the build's own source. */
  sourceRef: string | null;
}

/** An add-on driver package for the hypervisor's paravirtual devices. */
export interface DriverPackageFact {
  key: string;
  name: string;
  family: HypervisorFamily;
  /** The paravirt feature it provides: virtio, xen-pvhvm, vmware-pv. */
  featureKey: string | null;
}

export interface GuestFacts {
  id: string;
  shortIds: string[];
  name: string;
  family: string | null;
  distro: string | null;
  version: string | null;
  kernel: string | null;
  architectures: string[];
  tpmRequired: boolean | null;
  derivesFrom: string | null;
  firmware: GuestFirmwareFact[];
  resources: GuestResourcesFact[];
  devices: GuestDeviceFact[];
  paravirt: GuestParavirtFact[];
  /** Every driver build's word on this guest, for every package (the plan keeps the hypervisor's packages). */
  drivers: GuestDriverFact[];
}

export interface ReleaseDeviceFact {
  model: string;
  supported: boolean;
  device: DeviceFact;
}

export interface HardwareFeatureFact {
  key: string;
  vendor: string | null;
  category: string;
  detectionMethod: 'CPUINFO_FLAG' | 'SYSFS_PATH' | 'KVM_MODULE_PARAM' | 'OTHER';
  detectionValue: string;
}

export interface ReleaseHostFeatureFact {
  requirement: HostRequirement;
  /** Requirements sharing a group are alternatives (vmx or svm); null: stands alone. */
  anyOf: string | null;
  feature: HardwareFeatureFact;
}

export interface HypervisorReleaseFacts {
  id: string;
  version: string;
  versionOrder: number;
  name: string;
  maxVcpus: number | null;
  maxMemoryMiB: number | null;
  machineTypes: string[];
  firmware: string[]; // bios, uefi, uefi-secure-boot
  virtualHardwareVersion: number | null;
  vfio: boolean;
  sriov: boolean;
  devices: ReleaseDeviceFact[];
  paravirt: { feature: ParavirtFeatureFact; supported: boolean }[];
  hostFeatures: ReleaseHostFeatureFact[];
}

export interface HypervisorFacts {
  key: string;
  name: string;
  family: HypervisorFamily;
  releases: HypervisorReleaseFacts[];
  /** The add-on driver packages for this hypervisor's paravirt features. */
  driverPackages: DriverPackageFact[];
}

export interface CompatibilityRecordFact {
  id: string;
  status: CompatibilityStatus;
  hypervisorReleaseId: string;
  backend: string | null;
  deviceId: string | null;
  hostFeatureKey: string | null;
  testedDevices: string[];
  evidenceUrl: string | null;
}

export interface PlanningFacts {
  catalogueVersion: string;
  guest: GuestFacts;
  hypervisor: HypervisorFacts;
  compatibility: CompatibilityRecordFact[];
}

/** Where the facts came from, as the plan reports it. */
export interface FactsProvenance {
  source: 'service' | 'snapshot';
  service: string | null;
  catalogueVersion: string;
  fetchedAt: string; // ISO time the facts were fetched from the service
  ageSeconds: number;
  /** Why the snapshot was used instead of the service, when it was. */
  fallbackReason: string | null;
  warnings: string[];
}

// ───────────────────────── normalisation of the GraphQL answer ─────────────────────────

/** Thrown when the service's answer does not have the shape the runtime needs. */
export class FactsShapeError extends Error {
  override name = 'FactsShapeError';
  readonly code = 'FACTS_SHAPE';
}

type Json = Record<string, unknown>;

function obj(v: unknown, path: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new FactsShapeError(`${path}: expected an object`);
  return v as Json;
}
function arr(v: unknown, path: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new FactsShapeError(`${path}: expected a list`);
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new FactsShapeError(`${path}: expected a string`);
  return v;
}
function optStr(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function optNum(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
function optBool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}
function idOf(v: unknown): string | null {
  if (v && typeof v === 'object' && typeof (v as Json).id === 'string') return (v as Json).id as string;
  return null;
}
/** Relay connections and plain lists both accepted. */
function listOrConnection(v: unknown, path: string): unknown[] {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Json;
    if (Array.isArray(o.nodes)) return o.nodes;
    if (Array.isArray(o.edges)) return o.edges.map((e, i) => obj(e, `${path}.edges[${i}]`).node);
  }
  return arr(v, path);
}

export function normalizeDevice(v: unknown, path: string): DeviceFact {
  const d = obj(v, path);
  return {
    id: str(d.id, `${path}.id`),
    name: str(d.name, `${path}.name`),
    bus: optStr(d.bus) ?? 'pci',
    vendorId: optStr(d.vendorId)?.toLowerCase() ?? null,
    productId: optStr(d.productId)?.toLowerCase() ?? null,
    class: (optStr(d.class) ?? 'OTHER') as DeviceClass,
    kind: (optStr(d.kind) ?? 'EMULATED') as DeviceKind,
    paravirtInterface: (optStr(d.paravirtInterface) ?? 'NONE') as ParavirtInterface,
  };
}

function normalizeFeature(v: unknown, path: string, defaults?: Partial<ParavirtFeatureFact>): ParavirtFeatureFact {
  const f = obj(v, path);
  const key = str(f.key, `${path}.key`);
  return {
    key,
    family: (optStr(f.family) ?? defaults?.family ?? familyOfFeatureKey(key)) as HypervisorFamily,
    kind: (optStr(f.kind) ?? defaults?.kind ?? kindOfFeatureKey(key)) as ParavirtKind,
    dependsOn: arr(f.dependsOnKeys ?? f.dependsOn ?? defaults?.dependsOn, `${path}.dependsOn`).map((x, i) =>
      x && typeof x === 'object' ? str((x as Json).key, `${path}.dependsOn[${i}].key`) : str(x, `${path}.dependsOn[${i}]`),
    ),
  };
}

function familyOfFeatureKey(key: string): HypervisorFamily {
  if (key.startsWith('hv-') || key.startsWith('hyperv-')) return 'HYPERV';
  if (key.startsWith('kvm-')) return 'KVM';
  if (key.startsWith('xen-')) return 'XEN';
  if (key.startsWith('vmware-')) return 'VMWARE';
  return 'GENERIC';
}
function kindOfFeatureKey(key: string): ParavirtKind {
  if (key.startsWith('hv-')) return 'ENLIGHTENMENT';
  if (key.startsWith('xen-') || key.startsWith('hyperv-gen')) return 'BACKEND';
  return 'FEATURE';
}

export function normalizeGuest(v: unknown, path = 'guestOS'): GuestFacts {
  const g = obj(v, path);
  return {
    id: str(g.id, `${path}.id`),
    shortIds: arr(g.shortIds, `${path}.shortIds`).map((x, i) => str(x, `${path}.shortIds[${i}]`)),
    name: str(g.name, `${path}.name`),
    family: optStr(g.family),
    distro: optStr(g.distro),
    version: optStr(g.version),
    kernel: optStr(g.kernel),
    architectures: arr(g.architectures, `${path}.architectures`).map((x, i) => str(x, `${path}.architectures[${i}]`)),
    tpmRequired: optBool(g.tpmRequired),
    derivesFrom: idOf(g.derivesFrom),
    firmware: arr(g.firmware, `${path}.firmware`).map((x, i) => {
      const f = obj(x, `${path}.firmware[${i}]`);
      return {
        arch: str(f.arch, `${path}.firmware[${i}].arch`),
        type: str(f.type, `${path}.firmware[${i}].type`).toUpperCase() as 'BIOS' | 'UEFI',
        supported: f.supported !== false,
        secureBoot: optBool(f.secureBoot),
      };
    }),
    resources: arr(g.resources, `${path}.resources`).map((x, i) => {
      const r = obj(x, `${path}.resources[${i}]`);
      return {
        arch: str(r.arch, `${path}.resources[${i}].arch`),
        kind: str(r.kind, `${path}.resources[${i}].kind`) as GuestResourcesFact['kind'],
        cpus: optNum(r.cpus),
        ramBytes: optNum(r.ramBytes),
        storageBytes: optNum(r.storageBytes),
      };
    }),
    devices: listOrConnection(g.devices, `${path}.devices`).map((x, i) => {
      const p = `${path}.devices[${i}]`;
      const d = obj(x, p);
      return {
        device: normalizeDevice(d.device, `${p}.device`),
        supported: d.supported !== false,
        driverSource: (optStr(d.driverSource) ?? 'INBOX') as 'INBOX' | 'ADDON',
        driverName: optStr(d.driverName),
        source: optStr(d.source),
        inheritedFrom: idOf(d.inheritedFrom),
      };
    }),
    paravirt: listOrConnection(g.paravirt, `${path}.paravirt`).map((x, i) => {
      const p = `${path}.paravirt[${i}]`;
      const d = obj(x, p);
      return {
        feature: normalizeFeature(d.feature, `${p}.feature`),
        supported: d.supported !== false,
        minKernel: optStr(d.minKernel),
        notes: optStr(d.notes),
        inheritedFrom: idOf(d.inheritedFrom),
      };
    }),
    // absent from a snapshot written before driver builds were planning facts: none known
    drivers: arr(g.drivers, `${path}.drivers`).map((x, i) => {
      const p = `${path}.drivers[${i}]`;
      const d = obj(x, p);
      const b = obj(d.build, `${p}.build`);
      return {
        buildId: str(b.id, `${p}.build.id`),
        packageKey: str(obj(b.package, `${p}.build.package`).key, `${p}.build.package.key`),
        version: str(b.version, `${p}.build.version`),
        arch: str(d.arch, `${p}.arch`),
        status: str(d.status, `${p}.status`) as DriverSupportStatus,
        reason: optStr(d.reason),
        sourceRef: optStr(d.sourceRef) ?? optStr(b.sourceRef),
      };
    }),
  };
}

export function normalizeHypervisor(v: unknown, path = 'hypervisor'): HypervisorFacts {
  const h = obj(v, path);
  const releases = listOrConnection(h.releases, `${path}.releases`).map((x, i): HypervisorReleaseFacts => {
    const p = `${path}.releases[${i}]`;
    const r = obj(x, p);
    return {
      id: str(r.id, `${p}.id`),
      version: str(r.version, `${p}.version`),
      versionOrder: optNum(r.versionOrder) ?? i, // the service lists releases oldest first
      name: optStr(r.name) ?? str(r.version, `${p}.version`),
      maxVcpus: optNum(r.maxVcpus),
      maxMemoryMiB: optNum(r.maxMemoryMiB),
      machineTypes: arr(r.machineTypes, `${p}.machineTypes`).map((m, j) => str(m, `${p}.machineTypes[${j}]`)),
      firmware: arr(r.firmware, `${p}.firmware`).map((m, j) => str(m, `${p}.firmware[${j}]`).toLowerCase()),
      virtualHardwareVersion: optNum(r.virtualHardwareVersion),
      vfio: r.vfio === true,
      sriov: r.sriov === true,
      devices: listOrConnection(r.devices, `${p}.devices`).map((y, j) => {
        const q = obj(y, `${p}.devices[${j}]`);
        return {
          model: str(q.model, `${p}.devices[${j}].model`),
          supported: q.supported !== false,
          device: normalizeDevice(q.device, `${p}.devices[${j}].device`),
        };
      }),
      paravirt: listOrConnection(r.paravirt, `${p}.paravirt`).map((y, j) => {
        const q = obj(y, `${p}.paravirt[${j}]`);
        return { feature: normalizeFeature(q.feature, `${p}.paravirt[${j}].feature`), supported: q.supported !== false };
      }),
      hostFeatures: listOrConnection(r.hostFeatures, `${p}.hostFeatures`).map((y, j) => {
        const q = obj(y, `${p}.hostFeatures[${j}]`);
        const f = obj(q.feature, `${p}.hostFeatures[${j}].feature`);
        const det = f.detection && typeof f.detection === 'object' ? (f.detection as Json) : {};
        return {
          requirement: str(q.requirement, `${p}.hostFeatures[${j}].requirement`) as HostRequirement,
          anyOf: optStr(q.anyOf),
          feature: {
            key: str(f.key, `${p}.hostFeatures[${j}].feature.key`),
            vendor: optStr(f.vendor),
            category: optStr(f.category) ?? 'OTHER',
            detectionMethod: (optStr(det.method) ?? optStr(f.detectionMethod) ?? 'OTHER') as HardwareFeatureFact['detectionMethod'],
            detectionValue: optStr(det.value) ?? optStr(f.detectionValue) ?? str(f.key, `${p}.hostFeatures[${j}].feature.key`),
          },
        };
      }),
    };
  });
  releases.sort((a, b) => a.versionOrder - b.versionOrder);
  return {
    key: str(h.key, `${path}.key`),
    name: optStr(h.name) ?? str(h.key, `${path}.key`),
    family: (optStr(h.family) ?? 'GENERIC') as HypervisorFamily,
    releases,
    driverPackages: arr(h.driverPackages, `${path}.driverPackages`).map((x, i) => {
      const p = `${path}.driverPackages[${i}]`;
      const d = obj(x, p);
      const f = d.feature && typeof d.feature === 'object' ? (d.feature as Json) : null;
      return {
        key: str(d.key, `${p}.key`),
        name: optStr(d.name) ?? str(d.key, `${p}.key`),
        family: (optStr(d.family) ?? 'GENERIC') as HypervisorFamily,
        featureKey: f ? optStr(f.key) : null,
      };
    }),
  };
}

export function normalizeCompatibility(v: unknown, path = 'compatibility'): CompatibilityRecordFact[] {
  if (v === null || v === undefined) return [];
  const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  const list = o && 'records' in o ? listOrConnection(o.records, `${path}.records`) : listOrConnection(v, path);
  return list.map((x, i) => {
    const p = `${path}.records[${i}]`;
    const r = obj(x, p);
    return {
      id: str(r.id, `${p}.id`),
      status: str(r.status, `${p}.status`) as CompatibilityStatus,
      hypervisorReleaseId: idOf(r.hypervisorRelease) ?? str(r.hypervisorReleaseId, `${p}.hypervisorReleaseId`),
      backend: optStr(r.backend),
      deviceId: idOf(r.device) ?? optStr(r.deviceId),
      hostFeatureKey:
        (r.hostFeature && typeof r.hostFeature === 'object' ? optStr((r.hostFeature as Json).key) : null) ?? optStr(r.hostFeatureKey),
      testedDevices: arr(r.testedDevices, `${p}.testedDevices`).map((t, j) => idOf(t) ?? str(t, `${p}.testedDevices[${j}]`)),
      evidenceUrl: optStr(r.evidenceUrl) ?? (r.evidence && typeof r.evidence === 'object' ? optStr((r.evidence as Json).url) : null),
    };
  });
}

/** The `data` object of the planning operation → PlanningFacts. */
export function normalizeFacts(data: unknown): PlanningFacts {
  const d = obj(data, 'data');
  if (d.guestOS === null || d.guestOS === undefined) throw new FactsShapeError('data.guestOS: missing');
  if (d.hypervisor === null || d.hypervisor === undefined) throw new FactsShapeError('data.hypervisor: missing');
  const g = d.guestOS as Json;
  return {
    catalogueVersion: String(d.catalogueVersion ?? 'unknown'),
    guest: normalizeGuest(d.guestOS),
    hypervisor: normalizeHypervisor(d.hypervisor),
    compatibility: normalizeCompatibility(
      d.compatibility ?? g.compatibilityRecords,
      d.compatibility ? 'compatibility' : 'guestOS.compatibilityRecords',
    ),
  };
}

/** Dotted numeric version compare: 7.10 > 7.2. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-+]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.\-+]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
