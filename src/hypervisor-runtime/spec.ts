// VM spec: what the user asks for, in YAML or JSON. Strict: unknown keys are errors, and every
// message names the path of the offending value (`disks[1].bus: ...`).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { captures } from '../util/must.ts';

// The runtime parses a spec or host profile once per process: compiling a validator (zod's JIT) costs
// more than it saves, so validate interpretively.
z.config({ jitless: true });

export const HYPERVISOR_KEYS = ['kvm', 'xen', 'vmware', 'hyperv', 'cloud-hypervisor', 'firecracker'] as const;
export type HypervisorKey = (typeof HYPERVISOR_KEYS)[number];

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** "2GiB", "512 MiB", "1.5G" → bytes. A bare number means `bareUnit` (MiB for memory). */
export function parseSize(v: string | number, bareUnit = 1): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * bareUnit) : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) return null;
  const [num, rawUnit] = captures(m, 2);
  const unit = rawUnit.toLowerCase();
  if (!(unit in UNITS)) return null;
  const mult = unit === '' ? bareUnit : UNITS[unit];
  if (mult === undefined) return null;
  return Math.round(Number(num) * mult);
}

/** Bytes → "2 GiB" / "512 MiB" for messages. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  if (i < 3 && v >= 1024) {
    const g = bytes / 1024 ** 3;
    return `${Number(g.toFixed(2))} GiB`;
  }
  return `${v} ${units[i]}`;
}

const size = (bareUnit: number, what: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = parseSize(v, bareUnit);
    if (n === null || n <= 0) {
      ctx.addIssue({ code: 'custom', message: `${what}: expected a size like 2GiB or 512MiB, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });

const PathPreference = z.enum(['auto', 'paravirtual', 'emulated', 'passthrough']);

const Disk = z
  .object({
    name: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/)
      .optional(),
    path: z.string().min(1),
    format: z.enum(['raw', 'qcow2', 'vmdk', 'vhdx']).optional(),
    device: z.enum(['disk', 'cdrom']).default('disk'),
    size: size(1, 'size').optional(),
    readonly: z.boolean().default(false),
    bus: z.enum(['auto', 'virtio', 'scsi', 'sata', 'ide', 'nvme', 'xen', 'vmbus']).default('auto'),
    prefer: PathPreference.default('auto'),
    boot: z.boolean().optional(),
  })
  .strict();

const Passthrough = z
  .object({
    /** Host PCI address of the device (a PF when `vf` is true). */
    host: z.string().regex(/^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/, 'PCI address like 0000:03:00.0'),
    /** Use an SR-IOV virtual function of `host` instead of the device itself. */
    vf: z.boolean().default(false),
    required: z.boolean().default(false),
  })
  .strict();

const Nic = z
  .object({
    name: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/)
      .optional(),
    backend: z.enum(['user', 'bridge', 'tap', 'none']).default('user'),
    bridge: z.string().optional(),
    tap: z.string().optional(),
    mac: z
      .string()
      .regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'MAC address like 52:54:00:12:34:56')
      .optional(),
    model: z.string().optional(),
    prefer: PathPreference.default('auto'),
    passthrough: Passthrough.optional(),
  })
  .strict()
  .superRefine((n, ctx) => {
    if (n.backend === 'bridge' && !n.bridge)
      ctx.addIssue({ code: 'custom', path: ['bridge'], message: 'backend bridge needs `bridge: <name>`' });
    if (n.backend === 'tap' && !n.tap) ctx.addIssue({ code: 'custom', path: ['tap'], message: 'backend tap needs `tap: <ifname>`' });
    if (n.prefer === 'passthrough' && !n.passthrough)
      ctx.addIssue({ code: 'custom', path: ['passthrough'], message: 'prefer: passthrough needs `passthrough: { host: <PCI address> }`' });
  });

const Toggle = z.enum(['auto', 'none']);

export const VmSpecSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'letters, digits, _ . - (starting with a letter or digit)')
      .optional(),
    guest: z.string().min(1).optional(),
    hypervisor: z.enum(HYPERVISOR_KEYS).optional(),
    hypervisorRelease: z.string().optional(),
    arch: z.string().optional(),
    vcpus: z.number().int().positive().max(4096).optional(),
    memory: size(1024 ** 2, 'memory').optional(),
    firmware: z.enum(['auto', 'bios', 'uefi', 'uefi-secure-boot']).default('auto'),
    machine: z.enum(['auto', 'q35', 'pc', 'microvm']).default('auto'),
    display: z.enum(['auto', 'spice', 'vnc', 'none']).default('auto'),
    disks: z.array(Disk).optional(),
    nics: z.array(Nic).optional(),
    tpm: z.enum(['auto', 'none', 'required']).default('auto'),
    rng: Toggle.default('auto'),
    balloon: Toggle.default('auto'),
    guestAgent: Toggle.default('auto'),
    sound: Toggle.default('auto'),
    usb: Toggle.default('auto'),
    boot: z
      .object({ kernel: z.string().min(1), initrd: z.string().min(1).optional(), cmdline: z.string().optional() })
      .strict()
      .optional(),
    drivers: z
      .object({
        /** The guest has the vendor's add-on drivers installed (virtio-win, VMware Tools, Xen PV drivers). */
        addon: z.boolean().default(false),
      })
      .strict()
      .default({ addon: false }),
    constraints: z
      .object({
        /** Host profiles (paths relative to the spec) the VM must live-migrate across. */
        migrateAcross: z.array(z.string().min(1)).default([]),
        noEmulatedDevices: z.boolean().default(false),
        requireHardwareAcceleration: z.boolean().default(false),
        /** Plan even when the guest's minimum resources are not met (warning instead of error). */
        allowBelowMinimum: z.boolean().default(false),
        /** Plan even when an accepted compatibility record says the combination does not work. */
        allowUnsupported: z.boolean().default(false),
      })
      .strict()
      .default({
        migrateAcross: [],
        noEmulatedDevices: false,
        requireHardwareAcceleration: false,
        allowBelowMinimum: false,
        allowUnsupported: false,
      }),
  })
  .strict();

export type VmSpec = z.output<typeof VmSpecSchema>;
export type VmSpecInput = z.input<typeof VmSpecSchema>;
export type DiskSpec = z.output<typeof Disk>;
export type NicSpec = z.output<typeof Nic>;

export class SpecError extends Error {
  override name = 'SpecError';
  readonly code = 'SPEC_INVALID';
}

/** zod issues → "path: message; path: message", paths written like disks[0].bus. */
export function formatZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const path = i.path.reduce<string>(
        (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
        '',
      );
      let msg = i.message;
      if (i.code === 'unrecognized_keys') msg = `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
      return `${path || '(top level)'}: ${msg}`;
    })
    .join('; ');
}

export function parseSpec(value: unknown, source = 'VM spec'): VmSpec {
  const r = VmSpecSchema.safeParse(value ?? {});
  if (!r.success) throw new SpecError(`${source}: ${formatZodError(r.error)}`);
  return r.data;
}

/** Reads a spec file (YAML or JSON by content) and resolves relative paths against the file's folder. */
export async function loadSpecFile(path: string): Promise<{ spec: VmSpec; dir: string }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SpecError(`cannot read VM spec ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new SpecError(`${path}: not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const YAML = await import('yaml');
    try {
      value = YAML.parse(text, { uniqueKeys: true });
    } catch (err) {
      throw new SpecError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const dir = dirname(resolve(path));
  return { spec: parseSpec(value, path), dir };
}
