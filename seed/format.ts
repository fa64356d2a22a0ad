// Schemas of the curated seed files (seed/curated/**/*.yaml). The files mirror the Prisma model
// (same field names and enum values); entities reference each other by id (guests, devices,
// hypervisor releases), by `key` (hardware and paravirt features) or by vendor slug. Every object is
// strict: a misspelled key is an error, never a silently ignored field.
import { z } from 'zod';
import {
  CompatibilityStatus,
  EvidenceLevel,
  DetectionMethod,
  DeviceClass,
  DeviceKind,
  DriverSource,
  FirmwareType,
  HardwareCategory,
  HostRequirement,
  HypervisorFamily,
  ParavirtInterface,
  ParavirtKind,
  ReleaseStatus,
  ResourceKind,
  ReviewState,
  VendorKind,
} from '../src/generated/prisma/enums.ts';

/** Stable URI id in the osinfo style: http://debian.org/debian/12, http://pcisig.com/pci/1af4/1041. */
export const UriId = z
  .string()
  .regex(/^https?:\/\/[a-z0-9.-]+\/\S+$/, { error: 'expected a URI id like http://debian.org/debian/12' })
  .refine((v) => !v.endsWith('/'), { error: 'an id must not end with "/"' });

/** Lower-case keys: vmx, kvm-clock, hv-stimer, paravirtual-nic, cloud-hypervisor. */
export const Key = z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, { error: 'expected a lower-case key (a-z, 0-9, ".", "+", "-")' });

/** Vendor slug: redhat, microsoft, xen. */
export const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a lower-case slug' });

export const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Calendar date, YYYY-MM-DD, that exists. */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date YYYY-MM-DD (quote it in YAML if needed)' })
  .refine(
    (v) => {
      const d = new Date(`${v}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
    },
    { error: 'not a real calendar date' },
  );

const Hex4 = z.string().regex(/^[0-9a-f]{4}$/, { error: 'expected 4 lower-case hex digits' });
const Guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
  error: 'expected a lower-case GUID',
});

const Text = z.string().trim().min(1);
const Version = z.string().min(1, { error: 'expected a version string (quote numbers in YAML: "9.2")' });
const PositiveInt = z.number().int().positive();
const Bytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const DEVICE_BUSES = ['pci', 'usb', 'xen', 'vmbus', 'virtio-mmio', 'isa', 'platform', 'ps2'] as const;
export const FIRMWARE_KINDS = ['bios', 'uefi', 'uefi-secure-boot'] as const;
export const ARCHITECTURES = ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64', 'ppc64le', 's390x', 'riscv64'] as const;

// ───────────────────────────── vendors ─────────────────────────────

export const VendorSchema = z.strictObject({
  id: Slug,
  name: Text,
  kinds: z.array(z.enum(VendorKind)).min(1),
  url: HttpUrl.optional(),
});

export const VendorsFileSchema = z.strictObject({ vendors: z.array(VendorSchema).min(1) });

// ───────────────────────────── hardware features ─────────────────────────────

export const HardwareFeatureSchema = z.strictObject({
  id: UriId,
  key: Key,
  name: Text,
  vendor: Text.optional(),
  architectures: z.array(z.enum(ARCHITECTURES)).min(1),
  category: z.enum(HardwareCategory),
  detectionMethod: z.enum(DetectionMethod),
  /** Flag name(s) or sysfs path; several flags joined with "+" must all be present; a path may be a glob. */
  detectionValue: Text,
  description: Text.optional(),
  requires: z.array(Key).default([]),
  sourceRef: HttpUrl,
  ownerVendorId: Slug.optional(),
});

export const HardwareFeaturesFileSchema = z.strictObject({ features: z.array(HardwareFeatureSchema).min(1) });

// ───────────────────────────── paravirt features ─────────────────────────────

export const ParavirtFeatureSchema = z.strictObject({
  id: UriId,
  key: Key,
  name: Text,
  family: z.enum(HypervisorFamily),
  kind: z.enum(ParavirtKind),
  dependsOn: z.array(Key).default([]),
  description: Text.optional(),
  sourceRef: HttpUrl,
});

export const ParavirtFeaturesFileSchema = z.strictObject({ features: z.array(ParavirtFeatureSchema).min(1) });

// ───────────────────────────── devices ─────────────────────────────

/**
 * An entry's corrections: one per field, of a field the entry sets (its value is the correction), and
 * each replacing something else than that value.
 */
function checkCorrections(
  entry: Record<string, unknown>,
  corrections: readonly { field: string; replaces: unknown }[],
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  corrections.forEach((c, i) => {
    if (seen.has(c.field))
      ctx.addIssue({ code: 'custom', message: `a second correction of ${c.field}`, path: ['corrections', i, 'field'] });
    seen.add(c.field);
    if (entry[c.field] === undefined)
      ctx.addIssue({ code: 'custom', message: `corrects ${c.field}, which this entry does not set`, path: ['corrections', i, 'field'] });
    else if (JSON.stringify(entry[c.field]) === JSON.stringify(c.replaces))
      ctx.addIssue({ code: 'custom', message: `replaces ${c.field} with the same value`, path: ['corrections', i, 'replaces'] });
  });
}

/**
 * Device fields a curated correction may set on a device another source (osinfo-db) owns; the
 * corrected value is the entry's own value of the field, `replaces` what the other source says.
 */
export const CORRECTABLE_DEVICE_FIELDS = [
  'name',
  'vendorName',
  'bus',
  'vendorId',
  'productId',
  'subsystemVendorId',
  'subsystemId',
  'class',
  'rawClass',
  'kind',
  'paravirtInterface',
  'description',
] as const;
export type CorrectableDeviceField = (typeof CORRECTABLE_DEVICE_FIELDS)[number];

/**
 * Device fields another source may leave empty: a curated value of one is an addition, stored as a
 * correction that replaces nothing (null), without a `corrections` entry. Where the other source
 * does give a different value, its value stands (the seed and the import report it) until the entry
 * states a correction with a reason.
 */
export const ADDABLE_DEVICE_FIELDS = ['vendorName', 'subsystemVendorId', 'subsystemId', 'description'] as const;

export const DeviceCorrectionSchema = z.strictObject({
  field: z.enum(CORRECTABLE_DEVICE_FIELDS),
  replaces: z.union([z.string(), z.null()]),
  reason: Text,
  sourceRef: HttpUrl,
});

export const DeviceSchema = z
  .strictObject({
    id: UriId,
    name: Text,
    vendorName: Text.optional(),
    bus: z.enum(DEVICE_BUSES),
    vendorId: z
      .string()
      .regex(/^[0-9a-f]{4,8}$/, { error: 'expected lower-case hex' })
      .optional(),
    /** PCI/USB product id (4 hex digits), virtio device type for virtio-mmio, class GUID for VMBus. */
    productId: z.union([Hex4, Guid]).optional(),
    subsystemVendorId: Hex4.optional(),
    subsystemId: Hex4.optional(),
    class: z.enum(DeviceClass),
    rawClass: Text.optional(),
    kind: z.enum(DeviceKind),
    paravirtInterface: z.enum(ParavirtInterface).default('NONE'),
    description: Text.optional(),
    sourceRef: HttpUrl,
    ownerVendorId: Slug.optional(),
    /** Values of another source (osinfo-db) this entry corrects, each naming what it replaces and why. */
    corrections: z.array(DeviceCorrectionSchema).default([]),
  })
  .superRefine((d, ctx) => {
    checkCorrections(d, d.corrections, ctx);
    if (d.bus === 'pci' || d.bus === 'usb') {
      if (!d.vendorId || !d.productId) {
        ctx.addIssue({ code: 'custom', message: `a ${d.bus} device needs vendorId and productId`, path: ['vendorId'] });
      } else if (d.id !== `http://${d.bus === 'pci' ? 'pcisig.com/pci' : 'usb.org/usb'}/${d.vendorId}/${d.productId}`) {
        ctx.addIssue({
          code: 'custom',
          message: `a ${d.bus} device id must be http://${d.bus === 'pci' ? 'pcisig.com/pci' : 'usb.org/usb'}/${d.vendorId}/${d.productId}`,
          path: ['id'],
        });
      }
    }
    if (d.bus === 'vmbus' && d.productId && !Guid.safeParse(d.productId).success) {
      ctx.addIssue({ code: 'custom', message: 'a vmbus device productId is its class GUID', path: ['productId'] });
    }
  });

export const DevicesFileSchema = z.strictObject({ devices: z.array(DeviceSchema).min(1) });

// ───────────────────────────── hypervisors ─────────────────────────────

export const ReleaseDeviceSchema = z.strictObject({
  deviceId: UriId,
  /** How the hypervisor names it: virtio-net-pci, e1000e, vmxnet3, "Network Adapter". */
  model: Text,
  supported: z.boolean().default(true),
  notes: Text.optional(),
  sourceRef: HttpUrl,
});

export const ReleaseParavirtSchema = z.strictObject({
  featureKey: Key,
  supported: z.boolean().default(true),
  notes: Text.optional(),
  sourceRef: HttpUrl,
});

export const ReleaseHostFeatureSchema = z.strictObject({
  featureKey: Key,
  requirement: z.enum(HostRequirement),
  /** Requirements sharing an anyOf group are alternatives (vmx OR svm). */
  anyOf: Key.optional(),
  notes: Text.optional(),
  sourceRef: HttpUrl,
});

/** Release limits a curated release states, or lists as not published. */
export const RELEASE_LIMITS = ['maxVcpus', 'maxMemoryMiB'] as const;

/** A limit the release's publisher does not state: where it was looked for, and what was found there. */
export const UnpublishedLimitSchema = z.strictObject({
  field: z.enum(RELEASE_LIMITS),
  /**
   * NOT_PUBLISHED: the documents in `looked` were searched and state no such limit. NOT_RECORDED: the
   * catalogue does not hold it yet; `looked` says where it is to be read (the note says why not yet).
   */
  status: z.enum(['NOT_PUBLISHED', 'NOT_RECORDED']),
  looked: z.array(HttpUrl).min(1),
  note: Text,
});

export const HypervisorReleaseSchema = z
  .strictObject({
    id: UriId,
    version: Version,
    versionOrder: z.number().int().nonnegative(),
    name: Text,
    releaseDate: IsoDate.optional(),
    eolDate: IsoDate.optional(),
    maxVcpus: PositiveInt.optional(),
    maxMemoryMiB: PositiveInt.max(2_147_483_647).optional(),
    machineTypes: z.array(Text).default([]),
    firmware: z.array(z.enum(FIRMWARE_KINDS)).default([]),
    virtualHardwareVersion: PositiveInt.optional(),
    vfio: z.boolean().default(false),
    sriov: z.boolean().default(false),
    notes: Text.optional(),
    sourceRef: HttpUrl,
    devices: z.array(ReleaseDeviceSchema).default([]),
    paravirt: z.array(ReleaseParavirtSchema).default([]),
    hostFeatures: z.array(ReleaseHostFeatureSchema).default([]),
    /** Each limit the release does not give, with the documents searched: absence is stated, never silent. */
    limitsNotPublished: z.array(UnpublishedLimitSchema).default([]),
  })
  .superRefine((r, ctx) => {
    for (const field of RELEASE_LIMITS) {
      const listed = r.limitsNotPublished.findIndex((l) => l.field === field);
      if (r[field] !== undefined && listed >= 0)
        ctx.addIssue({ code: 'custom', message: `${field} is given, and listed as not published`, path: ['limitsNotPublished', listed] });
      if (r[field] === undefined && listed < 0)
        ctx.addIssue({
          code: 'custom',
          message: `${field} is neither given nor listed under limitsNotPublished (with the documents searched)`,
          path: [field],
        });
      if (r.limitsNotPublished.filter((l) => l.field === field).length > 1)
        ctx.addIssue({ code: 'custom', message: `${field} is listed twice under limitsNotPublished`, path: ['limitsNotPublished'] });
    }
    if (r.releaseDate && r.eolDate && r.eolDate < r.releaseDate) {
      ctx.addIssue({ code: 'custom', message: `eolDate ${r.eolDate} is before releaseDate ${r.releaseDate}`, path: ['eolDate'] });
    }
  });

export const HypervisorSchema = z.strictObject({
  id: UriId,
  key: Key,
  name: Text,
  family: z.enum(HypervisorFamily),
  vendor: Text.optional(),
  homepage: HttpUrl.optional(),
  ownerVendorId: Slug.optional(),
});

export const HypervisorFileSchema = z.strictObject({
  hypervisor: HypervisorSchema,
  releases: z.array(HypervisorReleaseSchema).min(1),
});

// ───────────────────────────── guests ─────────────────────────────

export const GuestResourcesSchema = z
  .strictObject({
    arch: z.union([z.literal('all'), z.enum(ARCHITECTURES)]),
    kind: z.enum(ResourceKind),
    cpus: PositiveInt.optional(),
    cpuHz: Bytes.optional(),
    ramBytes: Bytes.optional(),
    storageBytes: Bytes.optional(),
  })
  .refine((r) => r.cpus !== undefined || r.cpuHz !== undefined || r.ramBytes !== undefined || r.storageBytes !== undefined, {
    error: 'a resources entry needs at least one of cpus, cpuHz, ramBytes, storageBytes',
  });

export const GuestFirmwareSchema = z
  .strictObject({
    arch: z.enum(ARCHITECTURES),
    type: z.enum(FirmwareType),
    supported: z.boolean(),
    secureBoot: z.boolean().optional(),
  })
  .refine((f) => f.secureBoot === undefined || f.type === 'UEFI', { error: 'secureBoot only applies to UEFI', path: ['secureBoot'] });

export const GuestDeviceSchema = z.strictObject({
  deviceId: UriId,
  /** false removes a device the guest would otherwise inherit, or states an explicit negative. */
  supported: z.boolean().default(true),
  driverSource: z.enum(DriverSource).default('INBOX'),
  driverName: Text.optional(),
  minDriverVersion: Text.optional(),
  notes: Text.optional(),
});

export const GuestParavirtSchema = z.strictObject({
  featureKey: Key,
  supported: z.boolean().default(true),
  minKernel: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)?$/, { error: 'expected a kernel version like 4.11' })
    .optional(),
  minDriverVersion: Text.optional(),
  notes: Text.optional(),
  sourceRef: HttpUrl,
});

/**
 * GuestOS fields a curated correction may set on a guest another source (osinfo-db) owns. The
 * corrected value is the guest entry's own value of that field; `replaces` is what the other source
 * says (null when it says nothing), and the correction applies only while it still says that.
 */
export const CORRECTABLE_GUEST_FIELDS = [
  'name',
  'vendor',
  'family',
  'distro',
  'version',
  'codename',
  'architectures',
  'releaseStatus',
  'releaseDate',
  'eolDate',
  'cloudInit',
] as const;
export type CorrectableGuestField = (typeof CORRECTABLE_GUEST_FIELDS)[number];

export const GuestCorrectionSchema = z.strictObject({
  field: z.enum(CORRECTABLE_GUEST_FIELDS),
  replaces: z.union([z.string(), z.boolean(), z.array(z.string()), z.null()]),
  reason: Text,
  sourceRef: HttpUrl,
});

export const GuestSchema = z
  .strictObject({
    id: UriId,
    shortIds: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'expected an osinfo short id' })).min(1),
    name: Text,
    vendor: Text,
    family: Text,
    distro: Text,
    version: Version,
    codename: Text.optional(),
    /** Kernel release the guest ships (Linux: major.minor of the distribution kernel). */
    kernel: Text.optional(),
    architectures: z.array(z.enum(ARCHITECTURES)).min(1),
    releaseStatus: z.enum(ReleaseStatus).default('RELEASED'),
    releaseDate: IsoDate.optional(),
    eolDate: IsoDate.optional(),
    derivesFromId: UriId.optional(),
    clonedFromId: UriId.optional(),
    upgradesId: UriId.optional(),
    cloudInit: z.boolean().optional(),
    tpmRequired: z.boolean().optional(),
    sourceRef: HttpUrl,
    ownerVendorId: Slug.optional(),
    resources: z.array(GuestResourcesSchema).default([]),
    firmware: z.array(GuestFirmwareSchema).default([]),
    devices: z.array(GuestDeviceSchema).default([]),
    paravirt: z.array(GuestParavirtSchema).default([]),
    /** Facts of another source (osinfo-db) this entry corrects, each naming what it replaces and why. */
    corrections: z.array(GuestCorrectionSchema).default([]),
  })
  .superRefine((g, ctx) => {
    checkCorrections(g, g.corrections, ctx);
    if (g.releaseDate && g.eolDate && g.eolDate < g.releaseDate) {
      ctx.addIssue({ code: 'custom', message: `eolDate ${g.eolDate} is before releaseDate ${g.releaseDate}`, path: ['eolDate'] });
    }
    if (g.derivesFromId && g.clonedFromId) {
      ctx.addIssue({ code: 'custom', message: 'a guest derives from or clones one parent, not both', path: ['clonedFromId'] });
    }
  });

export const GuestsFileSchema = z.strictObject({
  /** Vendor slug; must equal the file name (guests/redhat.yaml → redhat). */
  vendor: Slug,
  /** Every guest id in the file starts with this prefix (http://redhat.com/). */
  idPrefix: z.string().regex(/^https?:\/\/[a-z0-9.-]+\/$/, { error: 'expected a prefix like http://redhat.com/' }),
  guests: z.array(GuestSchema).min(1),
});

// ───────────────────────────── compatibility, equivalence ─────────────────────────────

export const CompatibilityRecordSchema = z.strictObject({
  /** Stable curated key; the row id is a UUID derived from key and content. */
  key: z.string().regex(/^[a-z0-9][a-z0-9._/@+-]*$/, { error: 'expected a lower-case record key' }),
  guestId: UriId,
  hypervisorReleaseId: UriId,
  hostFeatureKey: Key.optional(),
  deviceId: UriId.optional(),
  status: z.enum(CompatibilityStatus),
  backend: Key.optional(),
  testedDevices: z.array(UriId).default([]),
  evidenceNotes: Text,
  evidenceUrl: HttpUrl,
  evidenceDate: IsoDate.optional(),
  /** Who stands behind it (see EvidenceLevel in prisma/schema.prisma); USER_REPORTED when absent. */
  evidenceLevel: z.enum(EvidenceLevel).optional(),
  submitterVendorId: Slug.optional(),
  reviewState: z.enum(ReviewState).default('ACCEPTED'),
});

export const CompatibilityFileSchema = z.strictObject({ records: z.array(CompatibilityRecordSchema).min(1) });

export const EquivalenceMemberSchema = z.strictObject({
  deviceId: UriId,
  hypervisorKey: Key.optional(),
});

export const EquivalenceGroupSchema = z.strictObject({
  key: Key,
  class: z.enum(DeviceClass),
  description: Text,
  sourceRef: HttpUrl.optional(),
  members: z.array(EquivalenceMemberSchema).min(2),
});

export const EquivalenceFileSchema = z.strictObject({ groups: z.array(EquivalenceGroupSchema).min(1) });

// Known issues on moves between hypervisors (the runtime's matcher: src/hypervisor-runtime/move/known-issues.ts).
export const KnownIssueSchema = z.strictObject({
  key: Key,
  title: Text,
  severity: z.enum(['info', 'warning', 'blocker']),
  fromHypervisor: Key.optional(),
  toHypervisor: Key.optional(),
  fromDevice: Key.optional(),
  toDevice: Key.optional(),
  guestFamily: Key.optional(),
  guest: z.string().min(1).optional(),
  condition: z.enum(['tpm', 'secure-boot', 'firmware-change', 'nic-change', 'disk-change']).optional(),
  trigger: Text,
  workaround: Text,
  evidenceUrl: HttpUrl,
});

export const KnownIssuesFileSchema = z.strictObject({ issues: z.array(KnownIssueSchema).min(1) });

// ───────────────────────────── types ─────────────────────────────

export type Vendor = z.infer<typeof VendorSchema>;
export type HardwareFeature = z.infer<typeof HardwareFeatureSchema>;
export type ParavirtFeature = z.infer<typeof ParavirtFeatureSchema>;
export type Device = z.infer<typeof DeviceSchema>;
export type Hypervisor = z.infer<typeof HypervisorSchema>;
export type HypervisorRelease = z.infer<typeof HypervisorReleaseSchema>;
export type HypervisorFile = z.infer<typeof HypervisorFileSchema>;
export type Guest = z.infer<typeof GuestSchema>;
export type GuestCorrection = z.infer<typeof GuestCorrectionSchema>;
export type GuestsFile = z.infer<typeof GuestsFileSchema>;
export type CompatibilityRecord = z.infer<typeof CompatibilityRecordSchema>;
export type EquivalenceGroup = z.infer<typeof EquivalenceGroupSchema>;
export type KnownIssue = z.infer<typeof KnownIssueSchema>;

/** One hypervisor file or guest file, with the path it came from (relative to the seed dir). */
export interface Sourced<T> {
  file: string;
  data: T;
}

/** All curated data, validated, in memory. */
export interface CuratedSeed {
  dir: string;
  vendors: Vendor[];
  hardwareFeatures: HardwareFeature[];
  paravirtFeatures: ParavirtFeature[];
  devices: Device[];
  hypervisors: Sourced<HypervisorFile>[];
  guests: Sourced<GuestsFile>[];
  compatibility: CompatibilityRecord[];
  equivalence: EquivalenceGroup[];
  knownIssues: KnownIssue[];
}
