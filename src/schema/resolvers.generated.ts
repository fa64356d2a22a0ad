// Generated from the SDL by src/schema/codegen.ts (`npm run schema:print`); do not edit.
// biome-ignore-all lint: generated file
import type { GraphQLResolveInfo, GraphQLScalarType } from 'graphql';

export type Maybe<T> = T | null;
/** A field resolver; the parent is the module’s to type (see codegen.ts). */
export type FieldResolver<Args, Ctx> = (parent: any, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => unknown;
export type SubscriptionResolver<Args, Ctx> = {
  subscribe: (parent: any, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => unknown;
  resolve?: (payload: any, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => unknown;
};
export type TypeResolver<Ctx> = (value: any, ctx: Ctx, info: GraphQLResolveInfo) => unknown;

export type ActorRole = 'ANONYMOUS' | 'SUBMITTER' | 'MAINTAINER' | 'ADMIN';

export type ApiKeyResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  vendor?: FieldResolver<Record<string, never>, Ctx>;
  role?: FieldResolver<Record<string, never>, Ctx>;
  label?: FieldResolver<Record<string, never>, Ctx>;
  createdAt?: FieldResolver<Record<string, never>, Ctx>;
  lastUsedAt?: FieldResolver<Record<string, never>, Ctx>;
  expiresAt?: FieldResolver<Record<string, never>, Ctx>;
  revokedAt?: FieldResolver<Record<string, never>, Ctx>;
  active?: FieldResolver<Record<string, never>, Ctx>;
};

export type AuditEntryResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  at?: FieldResolver<Record<string, never>, Ctx>;
  actorRole?: FieldResolver<Record<string, never>, Ctx>;
  actorKeyId?: FieldResolver<Record<string, never>, Ctx>;
  actorVendor?: FieldResolver<Record<string, never>, Ctx>;
  action?: FieldResolver<Record<string, never>, Ctx>;
  entityType?: FieldResolver<Record<string, never>, Ctx>;
  entityId?: FieldResolver<Record<string, never>, Ctx>;
  outcome?: FieldResolver<Record<string, never>, Ctx>;
  before?: FieldResolver<Record<string, never>, Ctx>;
  after?: FieldResolver<Record<string, never>, Ctx>;
  detail?: FieldResolver<Record<string, never>, Ctx>;
};

export type AuditEntryConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
};

export type AuditEntryEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type AuditFilter = {
  actorVendor?: Maybe<string>;
  actorKeyId?: Maybe<string>;
  action?: Maybe<string>;
  entityType?: Maybe<string>;
  entityId?: Maybe<string>;
  outcome?: Maybe<string>;
  since?: Maybe<string>;
  until?: Maybe<string>;
};

export type BackendVerdictResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  backend?: FieldResolver<Record<string, never>, Ctx>;
  level?: FieldResolver<Record<string, never>, Ctx>;
  basis?: FieldResolver<Record<string, never>, Ctx>;
  inherited?: FieldResolver<Record<string, never>, Ctx>;
  evidenceLevel?: FieldResolver<Record<string, never>, Ctx>;
  records?: FieldResolver<Record<string, never>, Ctx>;
  conflicts?: FieldResolver<Record<string, never>, Ctx>;
  reasons?: FieldResolver<Record<string, never>, Ctx>;
};

export type CatalogueCorrectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  entityKind?: FieldResolver<Record<string, never>, Ctx>;
  entityId?: FieldResolver<Record<string, never>, Ctx>;
  field?: FieldResolver<Record<string, never>, Ctx>;
  value?: FieldResolver<Record<string, never>, Ctx>;
  replaced?: FieldResolver<Record<string, never>, Ctx>;
  reason?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
  status?: FieldResolver<Record<string, never>, Ctx>;
  current?: FieldResolver<Record<string, never>, Ctx>;
};

export type CellBasis = 'RECORD' | 'DERIVED' | 'UNKNOWN';

export type ChangeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  seq?: FieldResolver<Record<string, never>, Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  at?: FieldResolver<Record<string, never>, Ctx>;
  entityType?: FieldResolver<Record<string, never>, Ctx>;
  entityId?: FieldResolver<Record<string, never>, Ctx>;
  op?: FieldResolver<Record<string, never>, Ctx>;
  data?: FieldResolver<Record<string, never>, Ctx>;
  record?: FieldResolver<Record<string, never>, Ctx>;
  guestIds?: FieldResolver<Record<string, never>, Ctx>;
  hypervisorReleaseIds?: FieldResolver<Record<string, never>, Ctx>;
};

export type ChangeConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
};

export type ChangeEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type CompatibilityConflictResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  a?: FieldResolver<Record<string, never>, Ctx>;
  b?: FieldResolver<Record<string, never>, Ctx>;
  reason?: FieldResolver<Record<string, never>, Ctx>;
};

export type CompatibilityMatrixResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  guests?: FieldResolver<Record<string, never>, Ctx>;
  hypervisorReleases?: FieldResolver<Record<string, never>, Ctx>;
  cells?: FieldResolver<Record<string, never>, Ctx>;
  counts?: FieldResolver<Record<string, never>, Ctx>;
};

export type CompatibilityRecordResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  guest?: FieldResolver<Record<string, never>, Ctx>;
  hypervisorRelease?: FieldResolver<Record<string, never>, Ctx>;
  hostFeature?: FieldResolver<Record<string, never>, Ctx>;
  device?: FieldResolver<Record<string, never>, Ctx>;
  status?: FieldResolver<Record<string, never>, Ctx>;
  backend?: FieldResolver<Record<string, never>, Ctx>;
  testedDevices?: FieldResolver<Record<string, never>, Ctx>;
  evidence?: FieldResolver<Record<string, never>, Ctx>;
  evidenceLevel?: FieldResolver<Record<string, never>, Ctx>;
  submitter?: FieldResolver<Record<string, never>, Ctx>;
  reviewState?: FieldResolver<Record<string, never>, Ctx>;
  reviewReason?: FieldResolver<Record<string, never>, Ctx>;
  reviewedAt?: FieldResolver<Record<string, never>, Ctx>;
  supersedes?: FieldResolver<Record<string, never>, Ctx>;
  supersededBy?: FieldResolver<Record<string, never>, Ctx>;
  current?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  createdAt?: FieldResolver<Record<string, never>, Ctx>;
  proposedSupersedes?: FieldResolver<Record<string, never>, Ctx>;
};

export type CompatibilityRecordConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
  totalCount?: FieldResolver<Record<string, never>, Ctx>;
};

export type CompatibilityRecordEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type CompatibilityRecordFilter = {
  guest?: Maybe<string>;
  hypervisorRelease?: Maybe<string>;
  hypervisor?: Maybe<string>;
  status?: Maybe<CompatibilityStatus>;
  reviewState?: Maybe<ReviewState>;
  submitter?: Maybe<string>;
  includeSuperseded: boolean;
};

export type CompatibilityRecordInput = {
  guest: string;
  hypervisorRelease: string;
  hostFeature?: Maybe<string>;
  device?: Maybe<string>;
  status: CompatibilityStatus;
  backend?: Maybe<string>;
  testedDevices?: Maybe<Array<string>>;
  evidence?: Maybe<EvidenceInput>;
  supersedes?: Maybe<string>;
};

export type CompatibilityStatus = 'CERTIFIED' | 'SUPPORTED' | 'WORKS' | 'PARTIAL' | 'BROKEN' | 'UNSUPPORTED';

export type CompatibilityVerdictResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  guest?: FieldResolver<Record<string, never>, Ctx>;
  hypervisorRelease?: FieldResolver<Record<string, never>, Ctx>;
  verdict?: FieldResolver<Record<string, never>, Ctx>;
  basis?: FieldResolver<Record<string, never>, Ctx>;
  evidenceLevel?: FieldResolver<Record<string, never>, Ctx>;
  backends?: FieldResolver<Record<string, never>, Ctx>;
  reasons?: FieldResolver<Record<string, never>, Ctx>;
  records?: FieldResolver<Record<string, never>, Ctx>;
  conflicts?: FieldResolver<Record<string, never>, Ctx>;
  missingHostFeatures?: FieldResolver<Record<string, never>, Ctx>;
  devices?: FieldResolver<Record<string, never>, Ctx>;
};

export type CorrectionEntityKind = 'GUEST_OS' | 'DEVICE' | 'HYPERVISOR_RELEASE';

export type CorrectionFilter = {
  entityKind?: Maybe<CorrectionEntityKind>;
  entityId?: Maybe<string>;
  source?: Maybe<string>;
  field?: Maybe<string>;
  status?: Maybe<Array<CorrectionStatus>>;
};

export type CorrectionStatus = 'APPLIED' | 'STALE' | 'UNUSED';

export type CreatedApiKeyResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  key?: FieldResolver<Record<string, never>, Ctx>;
  apiKey?: FieldResolver<Record<string, never>, Ctx>;
};

export type DetectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  method?: FieldResolver<Record<string, never>, Ctx>;
  value?: FieldResolver<Record<string, never>, Ctx>;
};

export type DetectionMethod = 'CPUINFO_FLAG' | 'SYSFS_PATH' | 'KVM_MODULE_PARAM' | 'OTHER';

export type DeviceResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  vendorName?: FieldResolver<Record<string, never>, Ctx>;
  bus?: FieldResolver<Record<string, never>, Ctx>;
  vendorId?: FieldResolver<Record<string, never>, Ctx>;
  productId?: FieldResolver<Record<string, never>, Ctx>;
  subsystemVendorId?: FieldResolver<Record<string, never>, Ctx>;
  subsystemId?: FieldResolver<Record<string, never>, Ctx>;
  busId?: FieldResolver<Record<string, never>, Ctx>;
  class?: FieldResolver<Record<string, never>, Ctx>;
  rawClass?: FieldResolver<Record<string, never>, Ctx>;
  kind?: FieldResolver<Record<string, never>, Ctx>;
  paravirtInterface?: FieldResolver<Record<string, never>, Ctx>;
  description?: FieldResolver<Record<string, never>, Ctx>;
  equivalents?: FieldResolver<Record<string, never>, Ctx>;
  presentedBy?: FieldResolver<Record<string, never>, Ctx>;
  provenance?: FieldResolver<Record<string, never>, Ctx>;
  createdAt?: FieldResolver<Record<string, never>, Ctx>;
  updatedAt?: FieldResolver<Record<string, never>, Ctx>;
  corrections?: FieldResolver<{
    status: Array<CorrectionStatus>;
  }, Ctx>;
};

export type DeviceClass = 'NETWORK' | 'STORAGE' | 'STORAGE_CONTROLLER' | 'DISPLAY' | 'INPUT' | 'RNG' | 'BALLOON' | 'CONSOLE' | 'SOUND' | 'USB_CONTROLLER' | 'TPM' | 'WATCHDOG' | 'VSOCK' | 'FILESYSTEM' | 'IOMMU' | 'CRYPTO' | 'BRIDGE' | 'MEMORY' | 'OTHER';

export type DeviceConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
  totalCount?: FieldResolver<Record<string, never>, Ctx>;
};

export type DeviceEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type DeviceEquivalenceGroupResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  key?: FieldResolver<Record<string, never>, Ctx>;
  class?: FieldResolver<Record<string, never>, Ctx>;
  description?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
  members?: FieldResolver<Record<string, never>, Ctx>;
};

export type DeviceEquivalentResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  group?: FieldResolver<Record<string, never>, Ctx>;
  device?: FieldResolver<Record<string, never>, Ctx>;
  hypervisorKey?: FieldResolver<Record<string, never>, Ctx>;
};

export type DeviceFilter = {
  class?: Maybe<DeviceClass>;
  kind?: Maybe<DeviceKind>;
  bus?: Maybe<string>;
  paravirtInterface?: Maybe<ParavirtInterface>;
  vendorId?: Maybe<string>;
  productId?: Maybe<string>;
  search?: Maybe<string>;
  source?: Maybe<string>;
};

export type DeviceInput = {
  id: string;
  name: string;
  vendorName?: Maybe<string>;
  bus: string;
  vendorId?: Maybe<string>;
  productId?: Maybe<string>;
  subsystemVendorId?: Maybe<string>;
  subsystemId?: Maybe<string>;
  class: DeviceClass;
  rawClass?: Maybe<string>;
  kind: DeviceKind;
  paravirtInterface?: Maybe<ParavirtInterface>;
  description?: Maybe<string>;
  sourceRef?: Maybe<string>;
};

export type DeviceKind = 'PARAVIRTUAL' | 'EMULATED' | 'PHYSICAL';

export type DeviceMatchResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  class?: FieldResolver<Record<string, never>, Ctx>;
  device?: FieldResolver<Record<string, never>, Ctx>;
  model?: FieldResolver<Record<string, never>, Ctx>;
  paravirtual?: FieldResolver<Record<string, never>, Ctx>;
};

export type DeviceOrder = {
  field: DeviceSortField;
  direction: SortDirection;
};

export type DeviceSortField = 'ID' | 'NAME' | 'BUS_ID';

export type DriverBuildResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  package?: FieldResolver<Record<string, never>, Ctx>;
  version?: FieldResolver<Record<string, never>, Ctx>;
  releaseDate?: FieldResolver<Record<string, never>, Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
  guests?: FieldResolver<Record<string, never>, Ctx>;
};

export type DriverBuildGuestResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  build?: FieldResolver<Record<string, never>, Ctx>;
  guest?: FieldResolver<Record<string, never>, Ctx>;
  guestId?: FieldResolver<Record<string, never>, Ctx>;
  arch?: FieldResolver<Record<string, never>, Ctx>;
  status?: FieldResolver<Record<string, never>, Ctx>;
  reason?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
};

export type DriverBuildGuestInput = {
  guest: string;
  arch: string;
  status?: Maybe<DriverSupportStatus>;
  reason?: Maybe<string>;
  sourceRef?: Maybe<string>;
};

export type DriverBuildInput = {
  package: string;
  version: string;
  releaseDate?: Maybe<string>;
  notes?: Maybe<string>;
  sourceRef?: Maybe<string>;
  guests?: Maybe<Array<DriverBuildGuestInput>>;
};

export type DriverPackageResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  key?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  family?: FieldResolver<Record<string, never>, Ctx>;
  feature?: FieldResolver<Record<string, never>, Ctx>;
  vendor?: FieldResolver<Record<string, never>, Ctx>;
  homepage?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
  builds?: FieldResolver<Record<string, never>, Ctx>;
};

export type DriverSource = 'INBOX' | 'ADDON';

export type DriverSupportStatus = 'SUPPORTED' | 'BROKEN' | 'UNSUPPORTED';

export type EvidenceResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  url?: FieldResolver<Record<string, never>, Ctx>;
  date?: FieldResolver<Record<string, never>, Ctx>;
};

export type EvidenceInput = {
  url?: Maybe<string>;
  notes?: Maybe<string>;
  date?: Maybe<string>;
};

export type EvidenceLevel = 'VENDOR_CERTIFIED' | 'GUEST_VENDOR_TESTED' | 'USER_REPORTED' | 'DERIVED';

export type FirmwareType = 'BIOS' | 'UEFI';

export type GuestDeviceInput = {
  device: string;
  supported: boolean;
  driverSource: DriverSource;
  driverName?: Maybe<string>;
  minDriverVersion?: Maybe<string>;
  notes?: Maybe<string>;
};

export type GuestDeviceSupportResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  device?: FieldResolver<Record<string, never>, Ctx>;
  supported?: FieldResolver<Record<string, never>, Ctx>;
  driverSource?: FieldResolver<Record<string, never>, Ctx>;
  driverName?: FieldResolver<Record<string, never>, Ctx>;
  minDriverVersion?: FieldResolver<Record<string, never>, Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  inherited?: FieldResolver<Record<string, never>, Ctx>;
  inheritedFrom?: FieldResolver<Record<string, never>, Ctx>;
};

export type GuestFirmwareResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  arch?: FieldResolver<Record<string, never>, Ctx>;
  type?: FieldResolver<Record<string, never>, Ctx>;
  supported?: FieldResolver<Record<string, never>, Ctx>;
  secureBoot?: FieldResolver<Record<string, never>, Ctx>;
  inheritedFrom?: FieldResolver<Record<string, never>, Ctx>;
};

export type GuestFirmwareInput = {
  arch: string;
  type: FirmwareType;
  supported: boolean;
  secureBoot?: Maybe<boolean>;
};

export type GuestOSResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  shortIds?: FieldResolver<Record<string, never>, Ctx>;
  shortId?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  vendor?: FieldResolver<Record<string, never>, Ctx>;
  family?: FieldResolver<Record<string, never>, Ctx>;
  distro?: FieldResolver<Record<string, never>, Ctx>;
  version?: FieldResolver<Record<string, never>, Ctx>;
  codename?: FieldResolver<Record<string, never>, Ctx>;
  kernel?: FieldResolver<Record<string, never>, Ctx>;
  architectures?: FieldResolver<Record<string, never>, Ctx>;
  releaseStatus?: FieldResolver<Record<string, never>, Ctx>;
  releaseDate?: FieldResolver<Record<string, never>, Ctx>;
  eolDate?: FieldResolver<Record<string, never>, Ctx>;
  derivesFrom?: FieldResolver<Record<string, never>, Ctx>;
  clonedFrom?: FieldResolver<Record<string, never>, Ctx>;
  upgrades?: FieldResolver<Record<string, never>, Ctx>;
  derivedBy?: FieldResolver<Record<string, never>, Ctx>;
  ancestors?: FieldResolver<Record<string, never>, Ctx>;
  cloudInit?: FieldResolver<Record<string, never>, Ctx>;
  tpmRequired?: FieldResolver<Record<string, never>, Ctx>;
  media?: FieldResolver<Record<string, never>, Ctx>;
  resources?: FieldResolver<{
    effective: boolean;
    arch?: Maybe<string>;
    kind?: Maybe<ResourceKind>;
  }, Ctx>;
  firmware?: FieldResolver<{
    effective: boolean;
    arch?: Maybe<string>;
  }, Ctx>;
  devices?: FieldResolver<{
    effective: boolean;
    includeRemoved: boolean;
    class?: Maybe<DeviceClass>;
    kind?: Maybe<DeviceKind>;
    bus?: Maybe<string>;
    paravirtInterface?: Maybe<ParavirtInterface>;
  }, Ctx>;
  deviceCount?: FieldResolver<{
    effective: boolean;
    class?: Maybe<DeviceClass>;
  }, Ctx>;
  paravirt?: FieldResolver<{
    effective: boolean;
    family?: Maybe<HypervisorFamily>;
    kind?: Maybe<ParavirtKind>;
    basis?: Maybe<ParavirtBasis>;
  }, Ctx>;
  paravirtAnswers?: FieldResolver<{
    hypervisor?: Maybe<string>;
  }, Ctx>;
  compatibilityRecords?: FieldResolver<{
    hypervisor?: Maybe<string>;
  }, Ctx>;
  provenance?: FieldResolver<Record<string, never>, Ctx>;
  createdAt?: FieldResolver<Record<string, never>, Ctx>;
  updatedAt?: FieldResolver<Record<string, never>, Ctx>;
  drivers?: FieldResolver<{
    hypervisor?: Maybe<string>;
    arch?: Maybe<string>;
  }, Ctx>;
  corrections?: FieldResolver<{
    status: Array<CorrectionStatus>;
  }, Ctx>;
};

export type GuestOSConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
  totalCount?: FieldResolver<Record<string, never>, Ctx>;
};

export type GuestOSEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type GuestOSFilter = {
  family?: Maybe<string>;
  distro?: Maybe<string>;
  vendor?: Maybe<string>;
  architecture?: Maybe<string>;
  search?: Maybe<string>;
  releaseStatus?: Maybe<ReleaseStatus>;
  releasedAfter?: Maybe<string>;
  releasedBefore?: Maybe<string>;
  endOfLife?: Maybe<boolean>;
  drivesDevice?: Maybe<string>;
  source?: Maybe<string>;
};

export type GuestOSInput = {
  id: string;
  name: string;
  shortIds?: Maybe<Array<string>>;
  vendor?: Maybe<string>;
  family?: Maybe<string>;
  distro?: Maybe<string>;
  version?: Maybe<string>;
  codename?: Maybe<string>;
  kernel?: Maybe<string>;
  architectures?: Maybe<Array<string>>;
  releaseStatus?: Maybe<ReleaseStatus>;
  releaseDate?: Maybe<string>;
  eolDate?: Maybe<string>;
  derivesFrom?: Maybe<string>;
  clonedFrom?: Maybe<string>;
  upgrades?: Maybe<string>;
  cloudInit?: Maybe<boolean>;
  tpmRequired?: Maybe<boolean>;
  sourceRef?: Maybe<string>;
  devices?: Maybe<Array<GuestDeviceInput>>;
  paravirt?: Maybe<Array<GuestParavirtInput>>;
  firmware?: Maybe<Array<GuestFirmwareInput>>;
  resources?: Maybe<Array<GuestResourcesInput>>;
};

export type GuestOSOrder = {
  field: GuestOSSortField;
  direction: SortDirection;
};

export type GuestOSSortField = 'ID' | 'NAME' | 'RELEASE_DATE';

export type GuestParavirtInput = {
  feature: string;
  supported: boolean;
  minKernel?: Maybe<string>;
  minDriverVersion?: Maybe<string>;
  notes?: Maybe<string>;
};

export type GuestParavirtSupportResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  feature?: FieldResolver<Record<string, never>, Ctx>;
  supported?: FieldResolver<Record<string, never>, Ctx>;
  minKernel?: FieldResolver<Record<string, never>, Ctx>;
  minDriverVersion?: FieldResolver<Record<string, never>, Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  basis?: FieldResolver<Record<string, never>, Ctx>;
  rule?: FieldResolver<Record<string, never>, Ctx>;
  reason?: FieldResolver<Record<string, never>, Ctx>;
  inputs?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
  inherited?: FieldResolver<Record<string, never>, Ctx>;
  inheritedFrom?: FieldResolver<Record<string, never>, Ctx>;
};

export type GuestResourcesResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  arch?: FieldResolver<Record<string, never>, Ctx>;
  kind?: FieldResolver<Record<string, never>, Ctx>;
  cpus?: FieldResolver<Record<string, never>, Ctx>;
  cpuHz?: FieldResolver<Record<string, never>, Ctx>;
  ramBytes?: FieldResolver<Record<string, never>, Ctx>;
  storageBytes?: FieldResolver<Record<string, never>, Ctx>;
  inheritedFrom?: FieldResolver<Record<string, never>, Ctx>;
};

export type GuestResourcesInput = {
  arch: string;
  kind: ResourceKind;
  cpus?: Maybe<number>;
  cpuHz?: Maybe<number>;
  ramBytes?: Maybe<number>;
  storageBytes?: Maybe<number>;
};

export type HardwareCategory = 'CPU_VIRTUALIZATION' | 'MEMORY_VIRTUALIZATION' | 'INTERRUPT_VIRTUALIZATION' | 'TIMER' | 'IOMMU' | 'IO_VIRTUALIZATION' | 'CONFIDENTIAL_COMPUTING' | 'OTHER';

export type HardwareFeatureResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  key?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  vendor?: FieldResolver<Record<string, never>, Ctx>;
  architectures?: FieldResolver<Record<string, never>, Ctx>;
  category?: FieldResolver<Record<string, never>, Ctx>;
  detection?: FieldResolver<Record<string, never>, Ctx>;
  description?: FieldResolver<Record<string, never>, Ctx>;
  requires?: FieldResolver<Record<string, never>, Ctx>;
  provenance?: FieldResolver<Record<string, never>, Ctx>;
};

export type HardwareFeatureConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
  totalCount?: FieldResolver<Record<string, never>, Ctx>;
};

export type HardwareFeatureEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type HardwareFeatureFilter = {
  category?: Maybe<HardwareCategory>;
  architecture?: Maybe<string>;
  keys?: Maybe<Array<string>>;
};

export type HardwareFeatureInput = {
  key: string;
  id?: Maybe<string>;
  name: string;
  vendor?: Maybe<string>;
  architectures?: Maybe<Array<string>>;
  category: HardwareCategory;
  detectionMethod: DetectionMethod;
  detectionValue: string;
  description?: Maybe<string>;
  requires?: Maybe<Array<string>>;
  sourceRef?: Maybe<string>;
};

export type HostFeatureRequirementResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  feature?: FieldResolver<Record<string, never>, Ctx>;
  requirement?: FieldResolver<Record<string, never>, Ctx>;
  anyOf?: FieldResolver<Record<string, never>, Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
};

export type HostRequirement = 'REQUIRED' | 'RECOMMENDED' | 'USED_IF_PRESENT';

export type HypervisorResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  key?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  family?: FieldResolver<Record<string, never>, Ctx>;
  vendor?: FieldResolver<Record<string, never>, Ctx>;
  homepage?: FieldResolver<Record<string, never>, Ctx>;
  releases?: FieldResolver<Record<string, never>, Ctx>;
  latestRelease?: FieldResolver<Record<string, never>, Ctx>;
  driverPackages?: FieldResolver<Record<string, never>, Ctx>;
};

export type HypervisorConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
  totalCount?: FieldResolver<Record<string, never>, Ctx>;
};

export type HypervisorDeviceResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  release?: FieldResolver<Record<string, never>, Ctx>;
  device?: FieldResolver<Record<string, never>, Ctx>;
  model?: FieldResolver<Record<string, never>, Ctx>;
  supported?: FieldResolver<Record<string, never>, Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
};

export type HypervisorEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type HypervisorFamily = 'KVM' | 'XEN' | 'VMWARE' | 'HYPERV' | 'CLOUD_HYPERVISOR' | 'FIRECRACKER' | 'GENERIC';

export type HypervisorFilter = {
  family?: Maybe<HypervisorFamily>;
};

export type HypervisorInput = {
  key: string;
  name: string;
  family: HypervisorFamily;
  vendor?: Maybe<string>;
  homepage?: Maybe<string>;
};

export type HypervisorParavirtResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  feature?: FieldResolver<Record<string, never>, Ctx>;
  supported?: FieldResolver<Record<string, never>, Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
};

export type HypervisorReleaseResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  hypervisor?: FieldResolver<Record<string, never>, Ctx>;
  version?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  releaseDate?: FieldResolver<Record<string, never>, Ctx>;
  eolDate?: FieldResolver<Record<string, never>, Ctx>;
  maxVcpus?: FieldResolver<Record<string, never>, Ctx>;
  maxMemoryMiB?: FieldResolver<Record<string, never>, Ctx>;
  limitsNotPublished?: FieldResolver<Record<string, never>, Ctx>;
  machineTypes?: FieldResolver<Record<string, never>, Ctx>;
  firmware?: FieldResolver<Record<string, never>, Ctx>;
  virtualHardwareVersion?: FieldResolver<Record<string, never>, Ctx>;
  vfio?: FieldResolver<Record<string, never>, Ctx>;
  sriov?: FieldResolver<Record<string, never>, Ctx>;
  notes?: FieldResolver<Record<string, never>, Ctx>;
  devices?: FieldResolver<{
    class?: Maybe<DeviceClass>;
    kind?: Maybe<DeviceKind>;
    supported?: Maybe<boolean>;
  }, Ctx>;
  paravirt?: FieldResolver<{
    kind?: Maybe<ParavirtKind>;
  }, Ctx>;
  hostFeatures?: FieldResolver<{
    requirement?: Maybe<HostRequirement>;
  }, Ctx>;
  provenance?: FieldResolver<Record<string, never>, Ctx>;
  corrections?: FieldResolver<{
    status: Array<CorrectionStatus>;
  }, Ctx>;
};

export type HypervisorReleaseInput = {
  hypervisor: string;
  version: string;
  id?: Maybe<string>;
  name: string;
  versionOrder?: Maybe<number>;
  releaseDate?: Maybe<string>;
  eolDate?: Maybe<string>;
  maxVcpus?: Maybe<number>;
  maxMemoryMiB?: Maybe<number>;
  machineTypes?: Maybe<Array<string>>;
  firmware?: Maybe<Array<string>>;
  virtualHardwareVersion?: Maybe<number>;
  vfio?: Maybe<boolean>;
  sriov?: Maybe<boolean>;
  notes?: Maybe<string>;
  sourceRef?: Maybe<string>;
  devices?: Maybe<Array<ReleaseDeviceInput>>;
  paravirt?: Maybe<Array<ReleaseParavirtInput>>;
  hostFeatures?: Maybe<Array<ReleaseHostFeatureInput>>;
};

export type ImportRunResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  sourceVersion?: FieldResolver<Record<string, never>, Ctx>;
  path?: FieldResolver<Record<string, never>, Ctx>;
  startedAt?: FieldResolver<Record<string, never>, Ctx>;
  finishedAt?: FieldResolver<Record<string, never>, Ctx>;
  status?: FieldResolver<Record<string, never>, Ctx>;
  counts?: FieldResolver<Record<string, never>, Ctx>;
  message?: FieldResolver<Record<string, never>, Ctx>;
};

export type InputErrorResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  recordIndex?: FieldResolver<Record<string, never>, Ctx>;
  path?: FieldResolver<Record<string, never>, Ctx>;
  message?: FieldResolver<Record<string, never>, Ctx>;
  code?: FieldResolver<Record<string, never>, Ctx>;
};

export type InputErrorCode = 'REQUIRED' | 'INVALID_FORMAT' | 'TOO_LONG' | 'OUT_OF_RANGE' | 'UNKNOWN_REFERENCE' | 'NOT_PRESENTED' | 'NOT_DRIVEN' | 'BACKEND_NOT_OFFERED' | 'EVIDENCE_REQUIRED' | 'NOT_SUPERSEDABLE' | 'DUPLICATE' | 'TAKEN' | 'CYCLE' | 'WRONG_VENDOR_KIND';

export type KnownIssueResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  key?: FieldResolver<Record<string, never>, Ctx>;
  title?: FieldResolver<Record<string, never>, Ctx>;
  severity?: FieldResolver<Record<string, never>, Ctx>;
  fromHypervisor?: FieldResolver<Record<string, never>, Ctx>;
  toHypervisor?: FieldResolver<Record<string, never>, Ctx>;
  fromDevice?: FieldResolver<Record<string, never>, Ctx>;
  toDevice?: FieldResolver<Record<string, never>, Ctx>;
  guestFamily?: FieldResolver<Record<string, never>, Ctx>;
  guest?: FieldResolver<Record<string, never>, Ctx>;
  condition?: FieldResolver<Record<string, never>, Ctx>;
  trigger?: FieldResolver<Record<string, never>, Ctx>;
  workaround?: FieldResolver<Record<string, never>, Ctx>;
  evidenceUrl?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
};

export type KnownIssueInput = {
  key: string;
  title: string;
  severity: KnownIssueSeverity;
  fromHypervisor?: Maybe<string>;
  toHypervisor?: Maybe<string>;
  fromDevice?: Maybe<string>;
  toDevice?: Maybe<string>;
  guestFamily?: Maybe<string>;
  guest?: Maybe<string>;
  condition?: Maybe<string>;
  trigger: string;
  workaround: string;
  evidenceUrl: string;
};

export type KnownIssueSeverity = 'INFO' | 'WARNING' | 'BLOCKER';

export type LevelCountResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  level?: FieldResolver<Record<string, never>, Ctx>;
  count?: FieldResolver<Record<string, never>, Ctx>;
};

export type MatrixCellResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  guest?: FieldResolver<Record<string, never>, Ctx>;
  hypervisorRelease?: FieldResolver<Record<string, never>, Ctx>;
  level?: FieldResolver<Record<string, never>, Ctx>;
  basis?: FieldResolver<Record<string, never>, Ctx>;
  evidenceLevel?: FieldResolver<Record<string, never>, Ctx>;
  conflicts?: FieldResolver<Record<string, never>, Ctx>;
  reasons?: FieldResolver<Record<string, never>, Ctx>;
  backends?: FieldResolver<Record<string, never>, Ctx>;
};

export type MatrixCellConnectionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  edges?: FieldResolver<Record<string, never>, Ctx>;
  nodes?: FieldResolver<Record<string, never>, Ctx>;
  pageInfo?: FieldResolver<Record<string, never>, Ctx>;
  totalCount?: FieldResolver<Record<string, never>, Ctx>;
};

export type MatrixCellEdgeResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  cursor?: FieldResolver<Record<string, never>, Ctx>;
  node?: FieldResolver<Record<string, never>, Ctx>;
};

export type MoveDeviceMappingResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  role?: FieldResolver<Record<string, never>, Ctx>;
  sourceIndex?: FieldResolver<Record<string, never>, Ctx>;
  sourceKey?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  targetId?: FieldResolver<Record<string, never>, Ctx>;
  targetKey?: FieldResolver<Record<string, never>, Ctx>;
  targetModel?: FieldResolver<Record<string, never>, Ctx>;
  targetBus?: FieldResolver<Record<string, never>, Ctx>;
  targetDeviceId?: FieldResolver<Record<string, never>, Ctx>;
  group?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  mac?: FieldResolver<Record<string, never>, Ctx>;
};

export type MoveEvidenceResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  record?: FieldResolver<Record<string, never>, Ctx>;
  rule?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
};

export type MovePlanResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  ok?: FieldResolver<Record<string, never>, Ctx>;
  refusal?: FieldResolver<Record<string, never>, Ctx>;
  guest?: FieldResolver<Record<string, never>, Ctx>;
  fromHypervisor?: FieldResolver<Record<string, never>, Ctx>;
  toHypervisor?: FieldResolver<Record<string, never>, Ctx>;
  prepared?: FieldResolver<Record<string, never>, Ctx>;
  mapping?: FieldResolver<Record<string, never>, Ctx>;
  preflight?: FieldResolver<Record<string, never>, Ctx>;
  warnings?: FieldResolver<Record<string, never>, Ctx>;
  format?: FieldResolver<Record<string, never>, Ctx>;
  configuration?: FieldResolver<Record<string, never>, Ctx>;
  firstBootConfiguration?: FieldResolver<Record<string, never>, Ctx>;
  planJson?: FieldResolver<Record<string, never>, Ctx>;
};

export type MovePreflightItemResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  kind?: FieldResolver<Record<string, never>, Ctx>;
  severity?: FieldResolver<Record<string, never>, Ctx>;
  title?: FieldResolver<Record<string, never>, Ctx>;
  trigger?: FieldResolver<Record<string, never>, Ctx>;
  when?: FieldResolver<Record<string, never>, Ctx>;
  commands?: FieldResolver<Record<string, never>, Ctx>;
  argv?: FieldResolver<Record<string, never>, Ctx>;
  bootCritical?: FieldResolver<Record<string, never>, Ctx>;
  workaround?: FieldResolver<Record<string, never>, Ctx>;
  evidence?: FieldResolver<Record<string, never>, Ctx>;
};

export type MoveRefusalResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  code?: FieldResolver<Record<string, never>, Ctx>;
  requirement?: FieldResolver<Record<string, never>, Ctx>;
  message?: FieldResolver<Record<string, never>, Ctx>;
  records?: FieldResolver<Record<string, never>, Ctx>;
  preflight?: FieldResolver<Record<string, never>, Ctx>;
};

export type MutationResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  submitCompatibilityRecords?: FieldResolver<{
    records: Array<CompatibilityRecordInput>;
    idempotencyKey: string;
  }, Ctx>;
  reviewRecord?: FieldResolver<{
    id: string;
    decision: ReviewDecision;
    reason: string;
  }, Ctx>;
  publishGuestOS?: FieldResolver<{
    input: GuestOSInput;
  }, Ctx>;
  publishDevice?: FieldResolver<{
    input: DeviceInput;
  }, Ctx>;
  publishHypervisor?: FieldResolver<{
    input: HypervisorInput;
  }, Ctx>;
  publishHypervisorRelease?: FieldResolver<{
    input: HypervisorReleaseInput;
  }, Ctx>;
  publishHardwareFeature?: FieldResolver<{
    input: HardwareFeatureInput;
  }, Ctx>;
  createVendor?: FieldResolver<{
    input: VendorInput;
  }, Ctx>;
  updateVendor?: FieldResolver<{
    input: VendorInput;
  }, Ctx>;
  createApiKey?: FieldResolver<{
    vendor?: Maybe<string>;
    role: Role;
    label?: Maybe<string>;
    expiresAt?: Maybe<string>;
  }, Ctx>;
  revokeApiKey?: FieldResolver<{
    id: string;
  }, Ctx>;
  assignOwner?: FieldResolver<{
    entityType: OwnedEntityType;
    id: string;
    vendor?: Maybe<string>;
  }, Ctx>;
  publishKnownIssue?: FieldResolver<{
    input: KnownIssueInput;
  }, Ctx>;
  publishDriverBuild?: FieldResolver<{
    input: DriverBuildInput;
  }, Ctx>;
};

export type NodeResolvers<Ctx> = {
  __resolveType?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
};

export type OwnedEntityType = 'GUEST_OS' | 'DEVICE' | 'HYPERVISOR' | 'HARDWARE_FEATURE';

export type OwnerAssignmentResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  entityType?: FieldResolver<Record<string, never>, Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  vendor?: FieldResolver<Record<string, never>, Ctx>;
};

export type PageInfoResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  hasNextPage?: FieldResolver<Record<string, never>, Ctx>;
  hasPreviousPage?: FieldResolver<Record<string, never>, Ctx>;
  startCursor?: FieldResolver<Record<string, never>, Ctx>;
  endCursor?: FieldResolver<Record<string, never>, Ctx>;
};

export type ParavirtAnswerResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  hypervisor?: FieldResolver<Record<string, never>, Ctx>;
  status?: FieldResolver<Record<string, never>, Ctx>;
  basis?: FieldResolver<Record<string, never>, Ctx>;
  reason?: FieldResolver<Record<string, never>, Ctx>;
  features?: FieldResolver<Record<string, never>, Ctx>;
};

export type ParavirtAnswerStatus = 'PARAVIRTUAL' | 'NONE' | 'UNKNOWN';

export type ParavirtBasis = 'RECORD' | 'CURATED' | 'DERIVED';

export type ParavirtFeatureResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  key?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  family?: FieldResolver<Record<string, never>, Ctx>;
  kind?: FieldResolver<Record<string, never>, Ctx>;
  dependsOnKeys?: FieldResolver<Record<string, never>, Ctx>;
  dependsOn?: FieldResolver<Record<string, never>, Ctx>;
  description?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
};

export type ParavirtInterface = 'NONE' | 'VIRTIO_LEGACY' | 'VIRTIO_TRANSITIONAL' | 'VIRTIO_1_0' | 'XEN_PV' | 'VMWARE_PV' | 'HYPERV_VMBUS';

export type ParavirtKind = 'BACKEND' | 'FEATURE' | 'ENLIGHTENMENT' | 'DEVICE_FAMILY';

export type ProvenanceResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
  sourceVersion?: FieldResolver<Record<string, never>, Ctx>;
  sourceRef?: FieldResolver<Record<string, never>, Ctx>;
};

export type PublishDeviceResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  device?: FieldResolver<Record<string, never>, Ctx>;
  created?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
};

export type PublishDriverBuildResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  driverBuild?: FieldResolver<Record<string, never>, Ctx>;
  created?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
};

export type PublishGuestOSResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  guestOS?: FieldResolver<Record<string, never>, Ctx>;
  created?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
};

export type PublishHardwareFeatureResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  hardwareFeature?: FieldResolver<Record<string, never>, Ctx>;
  created?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
};

export type PublishHypervisorReleaseResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  hypervisorRelease?: FieldResolver<Record<string, never>, Ctx>;
  created?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
};

export type PublishHypervisorResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  hypervisor?: FieldResolver<Record<string, never>, Ctx>;
  created?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
};

export type PublishKnownIssueResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  knownIssue?: FieldResolver<Record<string, never>, Ctx>;
  created?: FieldResolver<Record<string, never>, Ctx>;
  changed?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
};

export type QueryResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  node?: FieldResolver<{
    id: string;
  }, Ctx>;
  catalogueVersion?: FieldResolver<Record<string, never>, Ctx>;
  guestOS?: FieldResolver<{
    id?: Maybe<string>;
    shortId?: Maybe<string>;
  }, Ctx>;
  guestOSes?: FieldResolver<{
    first: number;
    after?: Maybe<string>;
    filter?: Maybe<GuestOSFilter>;
    orderBy?: Maybe<GuestOSOrder>;
  }, Ctx>;
  device?: FieldResolver<{
    id: string;
  }, Ctx>;
  devicesByBusId?: FieldResolver<{
    bus: string;
    vendorId: string;
    productId?: Maybe<string>;
  }, Ctx>;
  devices?: FieldResolver<{
    first: number;
    after?: Maybe<string>;
    filter?: Maybe<DeviceFilter>;
    orderBy?: Maybe<DeviceOrder>;
  }, Ctx>;
  hypervisor?: FieldResolver<{
    id?: Maybe<string>;
    key?: Maybe<string>;
  }, Ctx>;
  hypervisors?: FieldResolver<{
    first: number;
    after?: Maybe<string>;
    filter?: Maybe<HypervisorFilter>;
  }, Ctx>;
  hypervisorRelease?: FieldResolver<{
    id?: Maybe<string>;
    hypervisor?: Maybe<string>;
    version?: Maybe<string>;
  }, Ctx>;
  paravirtFeature?: FieldResolver<{
    key: string;
  }, Ctx>;
  paravirtFeatures?: FieldResolver<{
    family?: Maybe<HypervisorFamily>;
    kind?: Maybe<ParavirtKind>;
  }, Ctx>;
  hardwareFeature?: FieldResolver<{
    id?: Maybe<string>;
    key?: Maybe<string>;
  }, Ctx>;
  hardwareFeatures?: FieldResolver<{
    first: number;
    after?: Maybe<string>;
    filter?: Maybe<HardwareFeatureFilter>;
  }, Ctx>;
  compatibilityRecord?: FieldResolver<{
    id: string;
  }, Ctx>;
  compatibilityRecords?: FieldResolver<{
    first: number;
    after?: Maybe<string>;
    filter?: Maybe<CompatibilityRecordFilter>;
  }, Ctx>;
  compatibility?: FieldResolver<{
    guest: string;
    hypervisorRelease: string;
    hostFeatures?: Maybe<Array<string>>;
  }, Ctx>;
  matrix?: FieldResolver<{
    guests: Array<string>;
    hypervisorReleases: Array<string>;
  }, Ctx>;
  guestSupport?: FieldResolver<{
    guest: string;
  }, Ctx>;
  releaseGuests?: FieldResolver<{
    hypervisorRelease: string;
    levels?: Maybe<Array<Verdict>>;
    first: number;
    after?: Maybe<string>;
  }, Ctx>;
  deviceEquivalenceGroups?: FieldResolver<{
    class?: Maybe<DeviceClass>;
  }, Ctx>;
  imports?: FieldResolver<{
    source?: Maybe<string>;
    first: number;
  }, Ctx>;
  viewer?: FieldResolver<Record<string, never>, Ctx>;
  submissionLimits?: FieldResolver<Record<string, never>, Ctx>;
  vendors?: FieldResolver<Record<string, never>, Ctx>;
  apiKeys?: FieldResolver<{
    vendor?: Maybe<string>;
    includeRevoked: boolean;
  }, Ctx>;
  auditLog?: FieldResolver<{
    first: number;
    after?: Maybe<string>;
    filter?: Maybe<AuditFilter>;
  }, Ctx>;
  changes?: FieldResolver<{
    after?: Maybe<string>;
    first: number;
  }, Ctx>;
  knownIssues?: FieldResolver<{
    fromHypervisor?: Maybe<string>;
    toHypervisor?: Maybe<string>;
  }, Ctx>;
  movePlan?: FieldResolver<{
    config: string;
    to: string;
    guest?: Maybe<string>;
    prepared: boolean;
  }, Ctx>;
  driverPackages?: FieldResolver<Record<string, never>, Ctx>;
  drivers?: FieldResolver<{
    guest: string;
    hypervisor?: Maybe<string>;
    arch?: Maybe<string>;
  }, Ctx>;
  corrections?: FieldResolver<{
    filter?: Maybe<CorrectionFilter>;
    first: number;
  }, Ctx>;
};

export type ReleaseDeviceInput = {
  device: string;
  model: string;
  supported: boolean;
  notes?: Maybe<string>;
  sourceRef?: Maybe<string>;
};

export type ReleaseHostFeatureInput = {
  feature: string;
  requirement: HostRequirement;
  anyOf?: Maybe<string>;
  notes?: Maybe<string>;
  sourceRef?: Maybe<string>;
};

export type ReleaseParavirtInput = {
  feature: string;
  supported: boolean;
  notes?: Maybe<string>;
  sourceRef?: Maybe<string>;
};

export type ReleaseStatus = 'RELEASED' | 'PRERELEASE' | 'SNAPSHOT' | 'ROLLING';

export type ReplacedValueResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  value?: FieldResolver<Record<string, never>, Ctx>;
  source?: FieldResolver<Record<string, never>, Ctx>;
};

export type ResourceKind = 'MINIMUM' | 'RECOMMENDED' | 'MAXIMUM' | 'NETWORK_INSTALL';

export type ReviewDecision = 'ACCEPTED' | 'REJECTED';

export type ReviewState = 'PENDING' | 'ACCEPTED' | 'REJECTED';

export type Role = 'SUBMITTER' | 'MAINTAINER' | 'ADMIN';

export type SortDirection = 'ASC' | 'DESC';

export type SubmissionLimitsResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  maxRecordsPerRequest?: FieldResolver<Record<string, never>, Ctx>;
  maxBodyBytes?: FieldResolver<Record<string, never>, Ctx>;
  ratePerMinute?: FieldResolver<Record<string, never>, Ctx>;
  rateBurst?: FieldResolver<Record<string, never>, Ctx>;
};

export type SubmitRecordsResultResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  ok?: FieldResolver<Record<string, never>, Ctx>;
  records?: FieldResolver<Record<string, never>, Ctx>;
  inputErrors?: FieldResolver<Record<string, never>, Ctx>;
  replayed?: FieldResolver<Record<string, never>, Ctx>;
  idempotencyKey?: FieldResolver<Record<string, never>, Ctx>;
};

export type SubmittedRecordResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  index?: FieldResolver<Record<string, never>, Ctx>;
  record?: FieldResolver<Record<string, never>, Ctx>;
  duplicate?: FieldResolver<Record<string, never>, Ctx>;
};

export type SubscriptionResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  compatibilityChanged?: SubscriptionResolver<{
    guest?: Maybe<string>;
    hypervisorRelease?: Maybe<string>;
  }, Ctx>;
};

export type UnpublishedLimitResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  field?: FieldResolver<Record<string, never>, Ctx>;
  status?: FieldResolver<Record<string, never>, Ctx>;
  looked?: FieldResolver<Record<string, never>, Ctx>;
  note?: FieldResolver<Record<string, never>, Ctx>;
};

export type UnpublishedLimitStatus = 'NOT_PUBLISHED' | 'NOT_RECORDED';

export type VendorResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  id?: FieldResolver<Record<string, never>, Ctx>;
  name?: FieldResolver<Record<string, never>, Ctx>;
  url?: FieldResolver<Record<string, never>, Ctx>;
  kinds?: FieldResolver<Record<string, never>, Ctx>;
  apiKeys?: FieldResolver<{
    includeRevoked: boolean;
  }, Ctx>;
};

export type VendorInput = {
  id: string;
  name: string;
  kinds: Array<VendorKind>;
  url?: Maybe<string>;
};

export type VendorKind = 'HYPERVISOR' | 'OS' | 'HARDWARE' | 'OTHER';

export type Verdict = 'CERTIFIED' | 'SUPPORTED' | 'WORKS' | 'PARTIAL' | 'BROKEN' | 'UNSUPPORTED' | 'CONFLICT' | 'LIKELY' | 'UNKNOWN';

export type VerdictBasis = 'RECORDS' | 'INHERITED_RECORDS' | 'CATALOGUE';

export type ViewerResolvers<Ctx> = {
  __isTypeOf?: TypeResolver<Ctx>;
  role?: FieldResolver<Record<string, never>, Ctx>;
  keyId?: FieldResolver<Record<string, never>, Ctx>;
  vendor?: FieldResolver<Record<string, never>, Ctx>;
};

/** One module’s resolver map: any subset of the schema’s types and fields. */
export type Resolvers<Ctx> = {
  ApiKey?: ApiKeyResolvers<Ctx>;
  AuditEntry?: AuditEntryResolvers<Ctx>;
  AuditEntryConnection?: AuditEntryConnectionResolvers<Ctx>;
  AuditEntryEdge?: AuditEntryEdgeResolvers<Ctx>;
  BackendVerdict?: BackendVerdictResolvers<Ctx>;
  CatalogueCorrection?: CatalogueCorrectionResolvers<Ctx>;
  Change?: ChangeResolvers<Ctx>;
  ChangeConnection?: ChangeConnectionResolvers<Ctx>;
  ChangeEdge?: ChangeEdgeResolvers<Ctx>;
  CompatibilityConflict?: CompatibilityConflictResolvers<Ctx>;
  CompatibilityMatrix?: CompatibilityMatrixResolvers<Ctx>;
  CompatibilityRecord?: CompatibilityRecordResolvers<Ctx>;
  CompatibilityRecordConnection?: CompatibilityRecordConnectionResolvers<Ctx>;
  CompatibilityRecordEdge?: CompatibilityRecordEdgeResolvers<Ctx>;
  CompatibilityVerdict?: CompatibilityVerdictResolvers<Ctx>;
  CreatedApiKey?: CreatedApiKeyResolvers<Ctx>;
  Date?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  Detection?: DetectionResolvers<Ctx>;
  Device?: DeviceResolvers<Ctx>;
  DeviceConnection?: DeviceConnectionResolvers<Ctx>;
  DeviceEdge?: DeviceEdgeResolvers<Ctx>;
  DeviceEquivalenceGroup?: DeviceEquivalenceGroupResolvers<Ctx>;
  DeviceEquivalent?: DeviceEquivalentResolvers<Ctx>;
  DeviceMatch?: DeviceMatchResolvers<Ctx>;
  DriverBuild?: DriverBuildResolvers<Ctx>;
  DriverBuildGuest?: DriverBuildGuestResolvers<Ctx>;
  DriverPackage?: DriverPackageResolvers<Ctx>;
  Evidence?: EvidenceResolvers<Ctx>;
  GuestDeviceSupport?: GuestDeviceSupportResolvers<Ctx>;
  GuestFirmware?: GuestFirmwareResolvers<Ctx>;
  GuestOS?: GuestOSResolvers<Ctx>;
  GuestOSConnection?: GuestOSConnectionResolvers<Ctx>;
  GuestOSEdge?: GuestOSEdgeResolvers<Ctx>;
  GuestParavirtSupport?: GuestParavirtSupportResolvers<Ctx>;
  GuestResources?: GuestResourcesResolvers<Ctx>;
  HardwareFeature?: HardwareFeatureResolvers<Ctx>;
  HardwareFeatureConnection?: HardwareFeatureConnectionResolvers<Ctx>;
  HardwareFeatureEdge?: HardwareFeatureEdgeResolvers<Ctx>;
  HostFeatureRequirement?: HostFeatureRequirementResolvers<Ctx>;
  Hypervisor?: HypervisorResolvers<Ctx>;
  HypervisorConnection?: HypervisorConnectionResolvers<Ctx>;
  HypervisorDevice?: HypervisorDeviceResolvers<Ctx>;
  HypervisorEdge?: HypervisorEdgeResolvers<Ctx>;
  HypervisorParavirt?: HypervisorParavirtResolvers<Ctx>;
  HypervisorRelease?: HypervisorReleaseResolvers<Ctx>;
  ImportRun?: ImportRunResolvers<Ctx>;
  InputError?: InputErrorResolvers<Ctx>;
  JSON?: GraphQLScalarType;
  KnownIssue?: KnownIssueResolvers<Ctx>;
  LevelCount?: LevelCountResolvers<Ctx>;
  MatrixCell?: MatrixCellResolvers<Ctx>;
  MatrixCellConnection?: MatrixCellConnectionResolvers<Ctx>;
  MatrixCellEdge?: MatrixCellEdgeResolvers<Ctx>;
  MoveDeviceMapping?: MoveDeviceMappingResolvers<Ctx>;
  MoveEvidence?: MoveEvidenceResolvers<Ctx>;
  MovePlanResult?: MovePlanResultResolvers<Ctx>;
  MovePreflightItem?: MovePreflightItemResolvers<Ctx>;
  MoveRefusal?: MoveRefusalResolvers<Ctx>;
  Mutation?: MutationResolvers<Ctx>;
  Node?: NodeResolvers<Ctx>;
  OwnerAssignment?: OwnerAssignmentResolvers<Ctx>;
  PageInfo?: PageInfoResolvers<Ctx>;
  ParavirtAnswer?: ParavirtAnswerResolvers<Ctx>;
  ParavirtFeature?: ParavirtFeatureResolvers<Ctx>;
  Provenance?: ProvenanceResolvers<Ctx>;
  PublishDeviceResult?: PublishDeviceResultResolvers<Ctx>;
  PublishDriverBuildResult?: PublishDriverBuildResultResolvers<Ctx>;
  PublishGuestOSResult?: PublishGuestOSResultResolvers<Ctx>;
  PublishHardwareFeatureResult?: PublishHardwareFeatureResultResolvers<Ctx>;
  PublishHypervisorReleaseResult?: PublishHypervisorReleaseResultResolvers<Ctx>;
  PublishHypervisorResult?: PublishHypervisorResultResolvers<Ctx>;
  PublishKnownIssueResult?: PublishKnownIssueResultResolvers<Ctx>;
  Query?: QueryResolvers<Ctx>;
  ReplacedValue?: ReplacedValueResolvers<Ctx>;
  SubmissionLimits?: SubmissionLimitsResolvers<Ctx>;
  SubmitRecordsResult?: SubmitRecordsResultResolvers<Ctx>;
  SubmittedRecord?: SubmittedRecordResolvers<Ctx>;
  Subscription?: SubscriptionResolvers<Ctx>;
  UnpublishedLimit?: UnpublishedLimitResolvers<Ctx>;
  Vendor?: VendorResolvers<Ctx>;
  Viewer?: ViewerResolvers<Ctx>;
};
