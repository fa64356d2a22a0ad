// Host facts: what `virtcompat probe` reads on Linux, or a saved profile (`--host profile.json`) to plan
// for another machine. Profiles are validated strictly: a misspelled key is an error.
//
// parseHostProfile accepts a valid profile with the hand-written acceptor below (accept.ts says why), and
// gives anything else to the zod schema, which is the definition and words every message.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import {
  array,
  bool,
  int,
  literal,
  loadZod,
  matching,
  nonEmpty,
  nullable,
  oneOf,
  optional,
  required,
  str,
  strictObject,
  tryAccept,
  withDefault,
} from './accept.ts';
import { formatZodError } from './spec.ts';

export const HOST_SCHEMA = 'virtcompat-host/1';

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const HEX4 = /^[0-9a-f]{4}$/;
const HEX6 = /^[0-9a-f]{6}$/;
const HYPERV = ['all', 'basic', 'none', 'untested'] as const;
const HOST_PASSTHROUGH = ['ok', 'unusable', 'untested'] as const;

/** The host profile's zod schema: built on first use (a valid profile never needs it). */
function buildSchema(z: typeof import('zod').z) {
  const PciDevice = z
    .object({
      address: z.string().regex(PCI_ADDRESS, 'PCI address like 0000:03:00.0'),
      vendorId: z.string().regex(HEX4),
      productId: z.string().regex(HEX4),
      class: z.string().regex(HEX6),
      driver: z.string().nullable(),
      iommuGroup: z.number().int().nonnegative().nullable(),
      sriovTotalVfs: z.number().int().nonnegative().nullable(),
      sriovNumVfs: z.number().int().nonnegative().nullable(),
      physfn: z.string().nullable(),
    })
    .strict();

  const FirmwareDescriptor = z
    .object({
      file: z.string(),
      description: z.string(),
      interfaceTypes: z.array(z.string()),
      code: z.string(),
      varsTemplate: z.string().nullable(),
      targets: z.array(z.object({ architecture: z.string(), machines: z.array(z.string()) }).strict()),
      features: z.array(z.string()),
    })
    .strict();

  const HostProfile = z
    .object({
      schema: z.literal(HOST_SCHEMA),
      name: z.string().min(1),
      probedAt: z.string().nullable().optional(),
      arch: z.string().min(1),
      kernel: z.string().nullable(),
      cpu: z
        .object({
          vendor: z.string(),
          model: z.string(),
          count: z.number().int().positive(),
          flags: z.array(z.string()),
        })
        .strict(),
      memoryMiB: z.number().int().positive(),
      kvm: z
        .object({
          device: z.boolean(),
          usable: z.boolean(),
          detail: z.string(),
          /**
           * Hyper-V enlightenments QEMU could enable on this host's KVM: `all` of them, only the `basic`
           * ones (relaxed, vapic, spinlocks, time — nested KVM often refuses VP_INDEX and SynIC), or untested.
           */
          hyperv: z.enum(HYPERV).default('untested'),
          /** Could QEMU create a vCPU with `-cpu host` (host-passthrough)? */
          hostPassthrough: z.enum(HOST_PASSTHROUGH).default('untested'),
          /** CPU flags that must be switched off for `-cpu host` to start (nested KVM refusing an MSR). */
          hostCpuFlagsOff: z.array(z.string()).default([]),
        })
        .strict(),
      virtualized: z
        .object({
          hypervisorFlag: z.boolean(),
          hypervisorType: z.string().nullable(),
          dmiVendor: z.string().nullable(),
        })
        .strict(),
      iommu: z.object({ enabled: z.boolean(), groups: z.number().int().nonnegative() }).strict(),
      pci: z.array(PciDevice),
      qemu: z
        .object({
          binary: z.string(),
          version: z.string(),
          devices: z.array(z.string()),
          machines: z.array(z.string()),
          defaultMachine: z.string().nullable(),
          cpuModels: z.array(z.string()),
        })
        .strict()
        .nullable(),
      firmware: z.array(FirmwareDescriptor),
      swtpm: z.object({ binary: z.string() }).strict().nullable(),
      /** The catalogue's hardware-feature keys as the probe decided them (probe.ts hostFeatureReport); informative. */
      features: z
        .object({
          present: z.array(z.string()),
          absent: z.array(z.string()),
          undecided: z.array(z.object({ key: z.string(), why: z.string() }).strict()),
        })
        .strict()
        .optional(),
    })
    .strict();
  return { HostProfile, PciDevice, FirmwareDescriptor };
}
type Schemas = ReturnType<typeof buildSchema>;

let schemas: Schemas | undefined;
/** The zod schemas of the host profile (zod is loaded and they are built on the first call). */
export function hostSchemas(): Schemas {
  schemas ??= buildSchema(loadZod());
  return schemas;
}

export type HostProfile = z.infer<Schemas['HostProfile']>;
export type PciDeviceInfo = z.infer<Schemas['PciDevice']>;
export type FirmwareDescriptorInfo = z.infer<Schemas['FirmwareDescriptor']>;

// ── the acceptor: the schema above, written out (accept.ts: what it may and may not do) ──
const strings = array(str);
const count = nullable(int(0));
const acceptHostProfile = strictObject<HostProfile>({
  schema: required(literal(HOST_SCHEMA)),
  name: required(nonEmpty),
  probedAt: optional(nullable(str)),
  arch: required(nonEmpty),
  kernel: required(nullable(str)),
  cpu: required(strictObject({ vendor: required(str), model: required(str), count: required(int(1)), flags: required(strings) })),
  memoryMiB: required(int(1)),
  kvm: required(
    strictObject({
      device: required(bool),
      usable: required(bool),
      detail: required(str),
      hyperv: withDefault(oneOf(HYPERV), () => 'untested'),
      hostPassthrough: withDefault(oneOf(HOST_PASSTHROUGH), () => 'untested'),
      hostCpuFlagsOff: withDefault(strings, () => []),
    }),
  ),
  virtualized: required(
    strictObject({ hypervisorFlag: required(bool), hypervisorType: required(nullable(str)), dmiVendor: required(nullable(str)) }),
  ),
  iommu: required(strictObject({ enabled: required(bool), groups: required(int(0)) })),
  pci: required(
    array(
      strictObject({
        address: required(matching(PCI_ADDRESS)),
        vendorId: required(matching(HEX4)),
        productId: required(matching(HEX4)),
        class: required(matching(HEX6)),
        driver: required(nullable(str)),
        iommuGroup: required(count),
        sriovTotalVfs: required(count),
        sriovNumVfs: required(count),
        physfn: required(nullable(str)),
      }),
    ),
  ),
  qemu: required(
    nullable(
      strictObject({
        binary: required(str),
        version: required(str),
        devices: required(strings),
        machines: required(strings),
        defaultMachine: required(nullable(str)),
        cpuModels: required(strings),
      }),
    ),
  ),
  firmware: required(
    array(
      strictObject({
        file: required(str),
        description: required(str),
        interfaceTypes: required(strings),
        code: required(str),
        varsTemplate: required(nullable(str)),
        targets: required(array(strictObject({ architecture: required(str), machines: required(strings) }))),
        features: required(strings),
      }),
    ),
  ),
  swtpm: required(nullable(strictObject({ binary: required(str) }))),
  features: optional(
    strictObject({
      present: required(strings),
      absent: required(strings),
      undecided: required(array(strictObject({ key: required(str), why: required(str) }))),
    }),
  ),
});

/** The acceptor alone (tests compare it with the schema): the profile, or undefined when it is not sure. */
export function acceptHost(value: unknown): HostProfile | undefined {
  return tryAccept(acceptHostProfile, value);
}
acceptHost.check = acceptHostProfile;

export class HostProfileError extends Error {
  override name = 'HostProfileError';
  readonly code = 'HOST_PROFILE_INVALID';
}

export function parseHostProfile(value: unknown, source = 'host profile'): HostProfile {
  const accepted = acceptHost(value);
  if (accepted) return accepted;
  const r = hostSchemas().HostProfile.safeParse(value);
  if (!r.success) throw new HostProfileError(`${source}: ${formatZodError(r.error)}`);
  return r.data;
}

export function loadHostProfile(path: string): HostProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HostProfileError(`cannot read host profile ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HostProfileError(`${path}: not JSON: ${(err as Error).message}`);
  }
  return parseHostProfile(json, path);
}

/** x86 hardware-virtualization flag of the host's CPU vendor. */
export function virtFlagFor(host: HostProfile): 'vmx' | 'svm' | null {
  if (/intel/i.test(host.cpu.vendor)) return 'vmx';
  if (/amd|hygon/i.test(host.cpu.vendor)) return 'svm';
  return null;
}

export function vendorMatches(featureVendor: string | null, host: HostProfile): boolean {
  if (!featureVendor) return true;
  const v = host.cpu.vendor.toLowerCase();
  const f = featureVendor.toLowerCase();
  if (f === 'intel') return v.includes('intel');
  if (f === 'amd') return v.includes('amd') || v.includes('hygon');
  return true;
}
