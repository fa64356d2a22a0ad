// Column lists shared by the loaders, written once so every query returns the same row shapes.
// Timestamps are rendered as ISO strings and dates as YYYY-MM-DD in SQL, so both drivers agree.

export const ts = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
export const date = (col: string) => `to_char(${col}, 'YYYY-MM-DD')`;

export const GUEST_COLS = (t = 'g') => `
  ${t}.id, ${t}."shortIds", ${t}.name, ${t}.vendor, ${t}.family, ${t}.distro, ${t}.version, ${t}.codename,
  ${t}.kernel, ${t}.architectures, ${t}."releaseStatus"::text AS "releaseStatus",
  ${date(`${t}."releaseDate"`)} AS "releaseDate", ${date(`${t}."eolDate"`)} AS "eolDate",
  ${t}."derivesFromId", ${t}."clonedFromId", ${t}."upgradesId", ${t}."cloudInit", ${t}."tpmRequired",
  ${t}.source, ${t}."sourceVersion", ${t}."sourceRef", ${ts(`${t}."createdAt"`)} AS "createdAt",
  ${ts(`${t}."updatedAt"`)} AS "updatedAt"`;

export const DEVICE_COLS = (t = 'd') => `
  ${t}.id, ${t}.name, ${t}."vendorName", ${t}.bus, ${t}."vendorId", ${t}."productId",
  ${t}."subsystemVendorId", ${t}."subsystemId", ${t}.class::text AS class, ${t}."rawClass",
  ${t}.kind::text AS kind, ${t}."paravirtInterface"::text AS "paravirtInterface", ${t}.description,
  ${t}.source, ${t}."sourceVersion", ${t}."sourceRef", ${ts(`${t}."createdAt"`)} AS "createdAt",
  ${ts(`${t}."updatedAt"`)} AS "updatedAt"`;

export const HYPERVISOR_COLS = (t = 'h') => `
  ${t}.id, ${t}.key, ${t}.name, ${t}.family::text AS family, ${t}.vendor, ${t}.homepage`;

export const RELEASE_COLS = (t = 'r') => `
  ${t}.id, ${t}."hypervisorId", ${t}.version, ${t}."versionOrder", ${t}.name,
  ${date(`${t}."releaseDate"`)} AS "releaseDate", ${date(`${t}."eolDate"`)} AS "eolDate",
  ${t}."maxVcpus", ${t}."maxMemoryMiB", ${t}."machineTypes", ${t}.firmware, ${t}."virtualHardwareVersion",
  ${t}.vfio, ${t}.sriov, ${t}.notes, ${t}.source, ${t}."sourceRef"`;

export const HW_FEATURE_COLS = (t = 'f') => `
  ${t}.id, ${t}.key, ${t}.name, ${t}.vendor, ${t}.architectures, ${t}.category::text AS category,
  ${t}."detectionMethod"::text AS "detectionMethod", ${t}."detectionValue", ${t}.description, ${t}.requires,
  ${t}.source, ${t}."sourceRef"`;

export const PARAVIRT_COLS = (t = 'p') => `
  ${t}.id, ${t}.key, ${t}.name, ${t}.family::text AS family, ${t}.kind::text AS kind, ${t}."dependsOn",
  ${t}.description, ${t}."sourceRef"`;

export const RECORD_COLS = (t = 'c') => `
  ${t}.id, ${t}."guestId", ${t}."hypervisorReleaseId", ${t}."hostFeatureId", ${t}."deviceId",
  ${t}.status::text AS status, ${t}.backend, ${t}."testedDevices", ${t}."evidenceNotes", ${t}."evidenceUrl",
  ${date(`${t}."evidenceDate"`)} AS "evidenceDate", ${t}."submitterVendorId", ${t}."submittedByKeyId",
  ${t}."reviewState"::text AS "reviewState", ${t}."reviewReason", ${ts(`${t}."reviewedAt"`)} AS "reviewedAt",
  ${t}."supersedesId", (SELECT s.id FROM "CompatibilityRecord" s WHERE s."supersedesId" = ${t}.id) AS "supersededById",
  ${t}.source, ${ts(`${t}."createdAt"`)} AS "createdAt"`;

export interface GuestRow {
  id: string;
  shortIds: string[];
  name: string;
  vendor: string | null;
  family: string | null;
  distro: string | null;
  version: string | null;
  codename: string | null;
  kernel: string | null;
  architectures: string[];
  releaseStatus: string;
  releaseDate: string | null;
  eolDate: string | null;
  derivesFromId: string | null;
  clonedFromId: string | null;
  upgradesId: string | null;
  cloudInit: boolean | null;
  tpmRequired: boolean | null;
  source: string;
  sourceVersion: string | null;
  sourceRef: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeviceRow {
  id: string;
  name: string;
  vendorName: string | null;
  bus: string;
  vendorId: string | null;
  productId: string | null;
  subsystemVendorId: string | null;
  subsystemId: string | null;
  class: string;
  rawClass: string | null;
  kind: string;
  paravirtInterface: string;
  description: string | null;
  source: string;
  sourceVersion: string | null;
  sourceRef: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface HypervisorRow {
  id: string;
  key: string;
  name: string;
  family: string;
  vendor: string | null;
  homepage: string | null;
}

export interface ReleaseRow {
  id: string;
  hypervisorId: string;
  version: string;
  versionOrder: number;
  name: string;
  releaseDate: string | null;
  eolDate: string | null;
  maxVcpus: number | null;
  maxMemoryMiB: number | null;
  machineTypes: string[];
  firmware: string[];
  virtualHardwareVersion: number | null;
  vfio: boolean;
  sriov: boolean;
  notes: string | null;
  source: string;
  sourceRef: string | null;
}

export interface HwFeatureRow {
  id: string;
  key: string;
  name: string;
  vendor: string | null;
  architectures: string[];
  category: string;
  detectionMethod: string;
  detectionValue: string;
  description: string | null;
  requires: string[];
  source: string;
  sourceRef: string | null;
}

export interface ParavirtRow {
  id: string;
  key: string;
  name: string;
  family: string;
  kind: string;
  dependsOn: string[];
  description: string | null;
  sourceRef: string | null;
}

export interface RecordRow {
  id: string;
  guestId: string;
  hypervisorReleaseId: string;
  hostFeatureId: string | null;
  deviceId: string | null;
  status: string;
  backend: string | null;
  testedDevices: string[];
  evidenceNotes: string | null;
  evidenceUrl: string | null;
  evidenceDate: string | null;
  submitterVendorId: string | null;
  submittedByKeyId: string | null;
  reviewState: string;
  reviewReason: string | null;
  reviewedAt: string | null;
  supersedesId: string | null;
  supersededById: string | null;
  source: string;
  createdAt: string;
}
