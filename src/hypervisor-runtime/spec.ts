// VM spec: what the user asks for, in YAML or JSON. Strict: unknown keys are errors, and every
// message names the path of the offending value (`disks[1].bus: ...`).
//
// parseSpec accepts a valid spec with the hand-written acceptor below (accept.ts says why), and gives
// anything else to the zod schema, which is the definition and words every message.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { captures } from '../util/must.ts';
import {
  array,
  bool,
  type Check,
  int,
  loadZod,
  matching,
  nonEmpty,
  oneOf,
  optional,
  required,
  str,
  strictObject,
  tryAccept,
  unsure,
  withDefault,
} from './accept.ts';

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

const NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const PCI_ADDRESS = /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;
const VM_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PATH_PREFERENCES = ['auto', 'paravirtual', 'emulated', 'passthrough'] as const;
const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vhdx'] as const;
const DISK_DEVICES = ['disk', 'cdrom'] as const;
const DISK_BUSES = ['auto', 'virtio', 'scsi', 'sata', 'ide', 'nvme', 'xen', 'vmbus'] as const;
const NIC_BACKENDS = ['user', 'bridge', 'tap', 'none'] as const;
const FIRMWARES = ['auto', 'bios', 'uefi', 'uefi-secure-boot'] as const;
const MACHINES = ['auto', 'q35', 'pc', 'microvm'] as const;
const DISPLAYS = ['auto', 'spice', 'vnc', 'none'] as const;
const TPMS = ['auto', 'none', 'required'] as const;
const TOGGLES = ['auto', 'none'] as const;
const defaultDrivers = () => ({ addon: false });
const defaultConstraints = () => ({
  migrateAcross: [],
  noEmulatedDevices: false,
  requireHardwareAcceleration: false,
  allowBelowMinimum: false,
  allowUnsupported: false,
});

/** The VM spec's zod schema: built on first use (a valid spec never needs it). */
function buildSchema(z: typeof import('zod').z) {
  const size = (bareUnit: number, what: string) =>
    z.union([z.string(), z.number()]).transform((v, ctx) => {
      const n = parseSize(v, bareUnit);
      if (n === null || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `${what}: expected a size like 2GiB or 512MiB, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });

  const PathPreference = z.enum(PATH_PREFERENCES);

  const Disk = z
    .object({
      name: z.string().regex(NAME).optional(),
      path: z.string().min(1),
      format: z.enum(DISK_FORMATS).optional(),
      device: z.enum(DISK_DEVICES).default('disk'),
      size: size(1, 'size').optional(),
      readonly: z.boolean().default(false),
      bus: z.enum(DISK_BUSES).default('auto'),
      prefer: PathPreference.default('auto'),
      boot: z.boolean().optional(),
    })
    .strict();

  const Passthrough = z
    .object({
      /** Host PCI address of the device (a PF when `vf` is true). */
      host: z.string().regex(PCI_ADDRESS, 'PCI address like 0000:03:00.0'),
      /** Use an SR-IOV virtual function of `host` instead of the device itself. */
      vf: z.boolean().default(false),
      required: z.boolean().default(false),
    })
    .strict();

  const Nic = z
    .object({
      name: z.string().regex(NAME).optional(),
      backend: z.enum(NIC_BACKENDS).default('user'),
      bridge: z.string().optional(),
      tap: z.string().optional(),
      mac: z.string().regex(MAC, 'MAC address like 52:54:00:12:34:56').optional(),
      model: z.string().optional(),
      prefer: PathPreference.default('auto'),
      passthrough: Passthrough.optional(),
    })
    .strict()
    .superRefine((n, ctx) => {
      for (const [path, message] of nicProblems(n)) ctx.addIssue({ code: 'custom', path: [path], message });
    });

  const Toggle = z.enum(TOGGLES);

  const VmSpec = z
    .object({
      name: z.string().regex(VM_NAME, 'letters, digits, _ . - (starting with a letter or digit)').optional(),
      guest: z.string().min(1).optional(),
      hypervisor: z.enum(HYPERVISOR_KEYS).optional(),
      hypervisorRelease: z.string().optional(),
      arch: z.string().optional(),
      vcpus: z.number().int().positive().max(4096).optional(),
      memory: size(1024 ** 2, 'memory').optional(),
      firmware: z.enum(FIRMWARES).default('auto'),
      machine: z.enum(MACHINES).default('auto'),
      display: z.enum(DISPLAYS).default('auto'),
      disks: z.array(Disk).optional(),
      nics: z.array(Nic).optional(),
      tpm: z.enum(TPMS).default('auto'),
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
          /**
           * A disc image of the add-on drivers (the virtio-win ISO ...): attached as a CD-ROM when the plan relies on
           * an add-on driver build. The plan never makes up a path.
           */
          iso: z.string().min(1).optional(),
        })
        .strict()
        .default(defaultDrivers),
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
        .default(defaultConstraints),
    })
    .strict();
  return { VmSpec, Disk, Nic };
}
type Schemas = ReturnType<typeof buildSchema>;

let schemas: Schemas | undefined;
/** The zod schemas of the VM spec (zod is loaded and they are built on the first call). */
export function specSchemas(): Schemas {
  schemas ??= buildSchema(loadZod());
  return schemas;
}

/** What a NIC's values say together that each alone cannot (the schema's superRefine; the acceptor's check). */
function nicProblems(n: { backend: string; bridge?: string; tap?: string; prefer: string; passthrough?: unknown }): [string, string][] {
  const out: [string, string][] = [];
  if (n.backend === 'bridge' && !n.bridge) out.push(['bridge', 'backend bridge needs `bridge: <name>`']);
  if (n.backend === 'tap' && !n.tap) out.push(['tap', 'backend tap needs `tap: <ifname>`']);
  if (n.prefer === 'passthrough' && !n.passthrough)
    out.push(['passthrough', 'prefer: passthrough needs `passthrough: { host: <PCI address> }`']);
  return out;
}

export type VmSpec = z.output<Schemas['VmSpec']>;
export type VmSpecInput = z.input<Schemas['VmSpec']>;
export type DiskSpec = z.output<Schemas['Disk']>;
export type NicSpec = z.output<Schemas['Nic']>;

// ── the acceptor: the schema above, written out (accept.ts: what it may and may not do) ──
const acceptSize =
  (bareUnit: number): Check<number> =>
  (v) => {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) return unsure();
    const n = parseSize(v, bareUnit);
    return n !== null && n > 0 ? n : unsure();
  };
const acceptPreference = oneOf(PATH_PREFERENCES);
const acceptDisk = strictObject<DiskSpec>({
  name: optional(matching(NAME)),
  path: required(nonEmpty),
  format: optional(oneOf(DISK_FORMATS)),
  device: withDefault(oneOf(DISK_DEVICES), () => 'disk'),
  size: optional(acceptSize(1)),
  readonly: withDefault(bool, () => false),
  bus: withDefault(oneOf(DISK_BUSES), () => 'auto'),
  prefer: withDefault(acceptPreference, () => 'auto'),
  boot: optional(bool),
});
const acceptPassthrough = strictObject({
  host: required(matching(PCI_ADDRESS)),
  vf: withDefault(bool, () => false),
  required: withDefault(bool, () => false),
});
const acceptNicFields = strictObject<NicSpec>({
  name: optional(matching(NAME)),
  backend: withDefault(oneOf(NIC_BACKENDS), () => 'user'),
  bridge: optional(str),
  tap: optional(str),
  mac: optional(matching(MAC)),
  model: optional(str),
  prefer: withDefault(acceptPreference, () => 'auto'),
  passthrough: optional(acceptPassthrough),
});
const acceptNic: Check<NicSpec> = Object.assign(
  (v: unknown) => {
    const n = acceptNicFields(v);
    return nicProblems(n).length ? unsure() : n;
  },
  { fields: acceptNicFields.fields },
);
const acceptToggle = oneOf(TOGGLES);
const acceptVmSpec = strictObject<VmSpec>({
  name: optional(matching(VM_NAME)),
  guest: optional(nonEmpty),
  hypervisor: optional(oneOf(HYPERVISOR_KEYS)),
  hypervisorRelease: optional(str),
  arch: optional(str),
  vcpus: optional(int(1, 4096)),
  memory: optional(acceptSize(1024 ** 2)),
  firmware: withDefault(oneOf(FIRMWARES), () => 'auto'),
  machine: withDefault(oneOf(MACHINES), () => 'auto'),
  display: withDefault(oneOf(DISPLAYS), () => 'auto'),
  disks: optional(array(acceptDisk)),
  nics: optional(array(acceptNic)),
  tpm: withDefault(oneOf(TPMS), () => 'auto'),
  rng: withDefault(acceptToggle, () => 'auto'),
  balloon: withDefault(acceptToggle, () => 'auto'),
  guestAgent: withDefault(acceptToggle, () => 'auto'),
  sound: withDefault(acceptToggle, () => 'auto'),
  usb: withDefault(acceptToggle, () => 'auto'),
  boot: optional(strictObject({ kernel: required(nonEmpty), initrd: optional(nonEmpty), cmdline: optional(str) })),
  drivers: withDefault(strictObject({ addon: withDefault(bool, () => false), iso: optional(nonEmpty) }), defaultDrivers),
  constraints: withDefault(
    strictObject({
      migrateAcross: withDefault(array(nonEmpty), () => []),
      noEmulatedDevices: withDefault(bool, () => false),
      requireHardwareAcceleration: withDefault(bool, () => false),
      allowBelowMinimum: withDefault(bool, () => false),
      allowUnsupported: withDefault(bool, () => false),
    }),
    defaultConstraints,
  ),
});

/** The acceptor alone (tests compare it with the schema): the spec, or undefined when it is not sure. */
export function acceptSpec(value: unknown): VmSpec | undefined {
  return tryAccept(acceptVmSpec, value);
}
acceptSpec.check = acceptVmSpec;

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
  const accepted = acceptSpec(value ?? {});
  if (accepted) return accepted;
  const r = specSchemas().VmSpec.safeParse(value ?? {});
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
