// Named x86 CPU models QEMU offers, with the /proc/cpuinfo flags each one needs from the host
// (the distinguishing features from QEMU's target/i386/cpu.c builtin_x86_defs; each model also needs
// everything its predecessor in the same line needs). Used to pick a migration-safe baseline.
import { at } from '../util/must.ts';

export interface CpuModel {
  name: string;
  vendor: 'intel' | 'amd' | 'any';
  flags: string[];
}

const chain = (vendor: CpuModel['vendor'], steps: [string, string[]][]): CpuModel[] => {
  const out: CpuModel[] = [];
  let acc: string[] = [];
  for (const [name, flags] of steps) {
    acc = [...acc, ...flags];
    out.push({ name, vendor, flags: [...new Set(acc)] });
  }
  return out;
};

const BASE = ['fpu', 'tsc', 'cx8', 'apic', 'sep', 'cmov', 'pat', 'clflush', 'mmx', 'fxsr', 'sse', 'sse2', 'pni', 'lm', 'nx', 'syscall'];

/** Newest last within each vendor line. */
export const CPU_MODELS: CpuModel[] = [
  { name: 'qemu64', vendor: 'any', flags: BASE },
  ...chain('intel', [
    ['Nehalem', [...BASE, 'ssse3', 'sse4_1', 'sse4_2', 'popcnt', 'cx16']],
    ['Westmere', ['aes', 'pclmulqdq']],
    ['SandyBridge', ['avx', 'xsave', 'tsc_deadline_timer', 'x2apic']],
    ['IvyBridge', ['f16c', 'rdrand', 'fsgsbase', 'erms', 'smep']],
    ['Haswell-noTSX', ['avx2', 'bmi1', 'bmi2', 'fma', 'movbe', 'invpcid']],
    ['Broadwell-noTSX', ['adx', 'rdseed', 'smap', '3dnowprefetch']],
    ['Skylake-Client-noTSX-IBRS', ['xsavec', 'xgetbv1', 'clflushopt']],
    ['Skylake-Server-noTSX-IBRS', ['avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl', 'clwb', 'pku']],
    ['Cascadelake-Server-noTSX', ['avx512_vnni']],
    [
      'Icelake-Server-noTSX',
      ['avx512vbmi', 'avx512_vbmi2', 'gfni', 'vaes', 'vpclmulqdq', 'avx512_bitalg', 'avx512_vpopcntdq', 'sha_ni', 'rdpid', 'wbnoinvd'],
    ],
  ]),
  ...chain('amd', [
    ['Opteron_G3', [...BASE, 'cx16', 'popcnt', 'abm', 'sse4a']],
    ['Opteron_G4', ['ssse3', 'sse4_1', 'sse4_2', 'aes', 'pclmulqdq', 'avx', 'xsave', 'fma4', 'xop']],
    ['Opteron_G5', ['f16c', 'fma', 'tbm']],
  ]),
  ...chain('amd', [
    [
      'EPYC',
      [
        ...BASE,
        'ssse3',
        'sse4_1',
        'sse4_2',
        'popcnt',
        'cx16',
        'aes',
        'pclmulqdq',
        'avx',
        'avx2',
        'xsave',
        'f16c',
        'fma',
        'bmi1',
        'bmi2',
        'movbe',
        'adx',
        'rdseed',
        'smap',
        'smep',
        'sha_ni',
        'clflushopt',
        'xsavec',
        'xgetbv1',
        'fsgsbase',
        'rdrand',
        'abm',
        'sse4a',
        'clzero',
      ],
    ],
    ['EPYC-Rome', ['clwb', 'rdpid', 'wbnoinvd', 'umip']],
    ['EPYC-Milan', ['pku', 'erms', 'fsrm', 'invpcid', 'vaes', 'vpclmulqdq']],
  ]),
];

export function hostVendor(vendorId: string): 'intel' | 'amd' | 'other' {
  if (/intel/i.test(vendorId)) return 'intel';
  if (/amd|hygon/i.test(vendorId)) return 'amd';
  return 'other';
}

/**
 * The newest model every host can run: all its flags present on every host, and its vendor line
 * matching every host's CPU vendor (a mixed Intel/AMD set gets the vendor-neutral baseline).
 * `available` limits the choice to models the QEMU on each host offers (null = don't know).
 */
export function baselineModel(
  hosts: { name: string; vendor: string; flags: string[] }[],
  available: string[] | null,
): { model: CpuModel; missing: { model: string; host: string; flags: string[] }[] } {
  const vendors = new Set(hosts.map((h) => hostVendor(h.vendor)));
  const vendor = vendors.size === 1 ? [...vendors][0] : 'mixed';
  const considered: { model: string; host: string; flags: string[] }[] = [];
  let best: CpuModel = at(CPU_MODELS, 0, 'the baseline CPU model (the table starts with the oldest)');
  for (const m of CPU_MODELS) {
    if (m.vendor !== 'any' && m.vendor !== vendor) continue;
    if (available && !available.includes(m.name)) continue;
    let ok = true;
    for (const h of hosts) {
      const have = new Set(h.flags);
      const lacking = m.flags.filter((f) => !have.has(f));
      if (lacking.length) {
        ok = false;
        considered.push({ model: m.name, host: h.name, flags: lacking });
      }
    }
    if (ok) best = m;
  }
  // report only what stopped the next model up the chosen line
  return { model: best, missing: considered.filter((c) => c.model !== best.name).slice(0, 3) };
}
