// Column lists and row types of the catalogue, written once so every query returns the same row
// shapes. Timestamps are rendered as ISO strings and dates as YYYY-MM-DD in SQL, so both drivers
// agree. The entity rows are derived from the Prisma model (prisma/schema.prisma is their one
// source): the fields a column list selects, with the types the SQL renders them as.
import type { EffectiveParavirtRow } from './effective.ts';
import type {
  CompatibilityRecordModel,
  DeviceModel,
  GuestOSModel,
  HardwareFeatureModel,
  HypervisorModel,
  HypervisorReleaseModel,
  ParavirtFeatureModel,
  ApiKeyModel,
  VendorModel,
} from '../generated/prisma/models.ts';

/** How SQL renders a model field: dates and timestamps as strings, enums as text, big integers as float8. */
type SqlValue<V> = V extends Date
  ? string
  : V extends bigint
    ? number
    : V extends string
      ? string
      : V extends readonly (infer U)[]
        ? SqlValue<U>[]
        : V;

/** The fields K of a Prisma model M, as the column lists render them. */
export type SqlRow<M, K extends keyof M> = { [P in K]: SqlValue<M[P]> };

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
  ${t}.vfio, ${t}.sriov, ${t}.notes, ${t}."limitsNotPublished", ${t}.source, ${t}."sourceRef"`;

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
  ${date(`${t}."evidenceDate"`)} AS "evidenceDate", ${t}."evidenceLevel"::text AS "evidenceLevel", ${t}."submitterVendorId", ${t}."submittedByKeyId",
  ${t}."reviewState"::text AS "reviewState", ${t}."reviewReason", ${ts(`${t}."reviewedAt"`)} AS "reviewedAt",
  ${t}."supersedesId", (SELECT s.id FROM "CompatibilityRecord" s WHERE s."supersedesId" = ${t}.id) AS "supersededById",
  ${t}.source, ${ts(`${t}."createdAt"`)} AS "createdAt"`;

export type GuestRow = SqlRow<
  GuestOSModel,
  | 'id'
  | 'shortIds'
  | 'name'
  | 'vendor'
  | 'family'
  | 'distro'
  | 'version'
  | 'codename'
  | 'kernel'
  | 'architectures'
  | 'releaseStatus'
  | 'releaseDate'
  | 'eolDate'
  | 'derivesFromId'
  | 'clonedFromId'
  | 'upgradesId'
  | 'cloudInit'
  | 'tpmRequired'
  | 'source'
  | 'sourceVersion'
  | 'sourceRef'
  | 'createdAt'
  | 'updatedAt'
>;

export type DeviceRow = SqlRow<
  DeviceModel,
  | 'id'
  | 'name'
  | 'vendorName'
  | 'bus'
  | 'vendorId'
  | 'productId'
  | 'subsystemVendorId'
  | 'subsystemId'
  | 'class'
  | 'rawClass'
  | 'kind'
  | 'paravirtInterface'
  | 'description'
  | 'source'
  | 'sourceVersion'
  | 'sourceRef'
  | 'createdAt'
  | 'updatedAt'
>;

export type HypervisorRow = SqlRow<HypervisorModel, 'id' | 'key' | 'name' | 'family' | 'vendor' | 'homepage'>;

export type ReleaseRow = SqlRow<
  HypervisorReleaseModel,
  | 'id'
  | 'hypervisorId'
  | 'version'
  | 'versionOrder'
  | 'name'
  | 'releaseDate'
  | 'eolDate'
  | 'maxVcpus'
  | 'maxMemoryMiB'
  | 'machineTypes'
  | 'firmware'
  | 'virtualHardwareVersion'
  | 'vfio'
  | 'sriov'
  | 'notes'
  | 'limitsNotPublished'
  | 'source'
  | 'sourceRef'
>;

export type HwFeatureRow = SqlRow<
  HardwareFeatureModel,
  | 'id'
  | 'key'
  | 'name'
  | 'vendor'
  | 'architectures'
  | 'category'
  | 'detectionMethod'
  | 'detectionValue'
  | 'description'
  | 'requires'
  | 'source'
  | 'sourceRef'
>;

export type ParavirtRow = SqlRow<
  ParavirtFeatureModel,
  'id' | 'key' | 'name' | 'family' | 'kind' | 'dependsOn' | 'description' | 'sourceRef'
>;

export type RecordRow = SqlRow<
  CompatibilityRecordModel,
  | 'id'
  | 'guestId'
  | 'hypervisorReleaseId'
  | 'hostFeatureId'
  | 'deviceId'
  | 'status'
  | 'backend'
  | 'testedDevices'
  | 'evidenceNotes'
  | 'evidenceUrl'
  | 'evidenceDate'
  | 'evidenceLevel'
  | 'submitterVendorId'
  | 'submittedByKeyId'
  | 'reviewState'
  | 'reviewReason'
  | 'reviewedAt'
  | 'supersedesId'
  | 'source'
  | 'createdAt'
> & {
  /** The record that superseded this one (computed: the row whose supersedesId points here). */
  supersededById: string | null;
};

export type VendorRow = SqlRow<VendorModel, 'id' | 'name' | 'url' | 'kinds'>;

export type ApiKeyRow = SqlRow<ApiKeyModel, 'id' | 'vendorId' | 'role' | 'label' | 'createdAt' | 'lastUsedAt' | 'expiresAt' | 'revokedAt'>;

// Rows of the link tables, as the loaders return them (with the inherited ones for a guest).

export interface EffectiveDevice {
  guestId: string;
  deviceId: string;
  supported: boolean;
  driverSource: string;
  driverName: string | null;
  minDriverVersion: string | null;
  notes: string | null;
  source: string;
  fromGuestId: string;
  device: DeviceRow;
}

/** The nearest paravirt answer per (guest, feature): the row effective.ts's EFFECTIVE_PARAVIRT_SQL returns. */
export type EffectiveParavirt = EffectiveParavirtRow;

export interface ResourceRow {
  guestId: string;
  arch: string;
  kind: string;
  cpus: number | null;
  cpuHz: number | null;
  ramBytes: number | null;
  storageBytes: number | null;
  fromGuestId: string;
}

export interface FirmwareRow {
  guestId: string;
  arch: string;
  type: string;
  supported: boolean;
  secureBoot: boolean | null;
  fromGuestId: string;
}

export interface ReleaseDeviceRow {
  releaseId: string;
  deviceId: string;
  model: string;
  supported: boolean;
  notes: string | null;
  sourceRef: string | null;
  device: DeviceRow;
}

export interface ReleaseParavirtRow {
  releaseId: string;
  featureId: string;
  supported: boolean;
  notes: string | null;
  sourceRef: string | null;
}

export interface HostFeatureReqRow {
  releaseId: string;
  featureId: string;
  featureKey: string;
  requirement: string;
  anyOf: string | null;
  notes: string | null;
  sourceRef: string | null;
}
