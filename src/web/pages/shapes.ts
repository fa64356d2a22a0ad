// The shapes of the pages' GraphQL answers (only the fields the pages select).
export interface Ref {
  id: string;
  name: string;
}
export interface Inherited {
  inheritedFrom: Ref | null;
}
export interface DeviceRef extends Ref {
  busId: string | null;
  class: string;
  kind: string;
  paravirtInterface: string;
}
export interface GuestAnswer {
  id: string;
  name: string;
  shortIds: string[];
  family: string | null;
  distro: string | null;
  vendor: string | null;
  version: string | null;
  codename: string | null;
  releaseDate: string | null;
  eolDate: string | null;
  releaseStatus: string;
  architectures: string[];
  kernel: string | null;
  tpmRequired: boolean | null;
  derivesFrom: Ref | null;
  clonedFrom: Ref | null;
  ancestors: Ref[];
  provenance: { source: string; sourceRef: string | null };
  devices: Array<
    Inherited & {
      device: DeviceRef;
      supported: boolean;
      driverSource: string;
      driverName: string | null;
      minDriverVersion: string | null;
    }
  >;
  paravirt: Array<
    Inherited & { feature: { key: string; name: string; family: string; kind: string }; supported: boolean; minKernel: string | null }
  >;
  firmware: Array<Inherited & { arch: string; type: string; secureBoot: boolean | null; supported: boolean }>;
  resources: Array<Inherited & { arch: string; kind: string; cpus: number | null; ramBytes: number | null; storageBytes: number | null }>;
  compatibilityRecords: RecordRow[];
  corrections: CorrectionRow[];
}
/** A value the curated seed (or a vendor) corrects or adds on another source's guest (GraphQL CatalogueCorrection). */
export interface CorrectionRow {
  field: string;
  value: unknown;
  replaced: { value: unknown; source: string | null };
  reason: string;
  source: string;
  sourceRef: string | null;
  status: string;
}
export interface RecordRow {
  id: string;
  status: string;
  backend: string | null;
  source: string;
  guest: Ref;
  hypervisorRelease: Ref;
  submitter: Ref | null;
  evidence: { url: string | null; date: string | null; notes?: string | null } | null;
}
export interface ReleaseAnswer {
  id: string;
  name: string;
  version: string;
  releaseDate: string | null;
  eolDate: string | null;
  notes: string | null;
  machineTypes: string[];
  firmware: string[];
  maxVcpus: number | null;
  maxMemoryMiB: number | null;
  limitsNotPublished: Array<{ field: string; status: string; looked: string[]; note: string }>;
  sriov: boolean;
  vfio: boolean;
  virtualHardwareVersion: number | null;
  hypervisor: { key: string; name: string; family: string };
  devices: Array<{ model: string; supported: boolean; device: DeviceRef }>;
  paravirt: Array<{ supported: boolean; feature: { key: string; name: string; kind: string } }>;
  hostFeatures: Array<{ requirement: string; anyOf: string | null; notes: string | null; feature: { key: string; name: string } }>;
  provenance: { source: string; sourceRef: string | null };
}
export interface RecordAnswer extends RecordRow {
  reviewState: string;
  reviewReason: string | null;
  reviewedAt: string | null;
  createdAt: string;
  current: boolean;
  device: Ref | null;
  hostFeature: { key: string; name: string } | null;
  testedDevices: Ref[];
  evidence: { url: string | null; date: string | null; notes: string | null };
  supersedes: { id: string } | null;
  supersededBy: { id: string } | null;
  proposedSupersedes: { id: string } | null;
}
export interface HistoryRow {
  id: string;
  status: string;
  reviewState: string;
  createdAt: string;
  current: boolean;
}
export interface DeviceAnswer extends DeviceRef {
  bus: string;
  vendorName: string | null;
  description: string | null;
  provenance: { source: string };
  presentedBy: Array<{ model: string; supported: boolean; release: Ref }>;
  equivalents: Array<{ group: string; hypervisorKey: string | null; device: Ref }>;
}
export interface MyRecord {
  id: string;
  status: string;
  reviewState: string;
  reviewReason: string | null;
  createdAt: string;
  guest: Ref;
  hypervisorRelease: Ref;
}
export interface PendingRecord extends MyRecord {
  backend: string | null;
  submitter: Ref | null;
  evidence: { url: string | null; date: string | null; notes: string | null };
}
