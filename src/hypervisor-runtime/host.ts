// Host facts: what `virtcompat probe` reads on Linux, or a saved profile (`--host profile.json`) to plan
// for another machine. Profiles are validated strictly: a misspelled key is an error.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatZodError } from './spec.ts';

export const HOST_SCHEMA = 'virtcompat-host/1';

const PciDevice = z
  .object({
    address: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, 'PCI address like 0000:03:00.0'),
    vendorId: z.string().regex(/^[0-9a-f]{4}$/),
    productId: z.string().regex(/^[0-9a-f]{4}$/),
    class: z.string().regex(/^[0-9a-f]{6}$/),
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

export const HostProfileSchema = z
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
        hyperv: z.enum(['all', 'basic', 'none', 'untested']).default('untested'),
        /** Could QEMU create a vCPU with `-cpu host` (host-passthrough)? */
        hostPassthrough: z.enum(['ok', 'unusable', 'untested']).default('untested'),
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

export type HostProfile = z.infer<typeof HostProfileSchema>;
export type PciDeviceInfo = z.infer<typeof PciDevice>;
export type FirmwareDescriptorInfo = z.infer<typeof FirmwareDescriptor>;

export class HostProfileError extends Error {
  override name = 'HostProfileError';
  readonly code = 'HOST_PROFILE_INVALID';
}

export function parseHostProfile(value: unknown, source = 'host profile'): HostProfile {
  const r = HostProfileSchema.safeParse(value);
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
