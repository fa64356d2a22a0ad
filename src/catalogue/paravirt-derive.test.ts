import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compareVersion, deriveParavirt, missingInput, type DeriveGuest, type ParavirtRules } from './paravirt-derive.ts';

const rules: ParavirtRules = {
  linux: [
    { feature: 'xen-pvh', minKernel: '4.11', arch: ['x86_64'], sourceRef: 'https://example.org/pvh' },
    { feature: 'vmware-vmi', minKernel: '2.6.21', maxKernel: '2.6.37', arch: ['i686'], sourceRef: 'https://example.org/vmi' },
  ],
  xenKernel: { features: ['xen-pv'], sourceRef: 'https://example.org/xen' },
  windows: [
    { features: ['hv-relaxed'], minNt: '6.0', sourceRef: 'https://example.org/hv' },
    { features: ['virtio-mmio'], never: true, sourceRef: 'https://example.org/mmio' },
  ],
  drivers: { sourceRef: 'https://example.org/drivers' },
};
const guest = (g: Partial<DeriveGuest> & { id: string }): DeriveGuest => ({
  name: g.id,
  family: 'linux',
  distro: null,
  version: null,
  kernel: null,
  sourceRef: null,
  architectures: ['i686', 'x86_64'],
  ancestors: [],
  ...g,
});
const run = (guests: DeriveGuest[], extra: Partial<Parameters<typeof deriveParavirt>[0]> = {}) =>
  deriveParavirt({
    guests,
    answered: new Set(),
    kernels: [
      { distro: 'ubuntu', versions: ['22.04'], kernel: '5.15', sourceRef: 'https://example.org/u' },
      { distro: 'ubuntu', versions: ['7.04'], kernel: '2.6.20', sourceRef: 'https://example.org/u' },
      { distro: 'rhel', versions: ['5.4'], kernel: '2.6.18', sourceRef: 'https://example.org/r', xenKernel: true, backports: true },
    ],
    rules,
    drivers: [],
    featureKeys: new Set(['xen-pvh', 'vmware-vmi', 'xen-pv', 'hv-relaxed', 'virtio-mmio', 'virtio']),
    ...extra,
  });
const row = (rows: ReturnType<typeof run>, g: string, f: string) => rows.find((r) => r.guestId === g && r.featureKey === f);

describe('paravirt derivation', () => {
  it('orders versions numerically', () => {
    expect(compareVersion('2.6.9', '2.6.24')).toBe(-1);
    expect(compareVersion('3.10.0', '3.10')).toBe(0);
    expect(compareVersion('10.0', '6.1')).toBe(1);
  });

  it('compares the release kernel with the minimum and says so', () => {
    const rows = run([guest({ id: 'u22', distro: 'ubuntu', version: '22.04' }), guest({ id: 'u7', distro: 'ubuntu', version: '7.04' })]);
    expect(row(rows, 'u22', 'xen-pvh')).toMatchObject({ supported: true, rule: 'paravirt.kernel-min', minKernel: '4.11' });
    expect(row(rows, 'u22', 'xen-pvh')?.reason).toMatch(/kernel 5\.15 .*≥ xen-pvh minimum 4\.11/);
    expect(row(rows, 'u7', 'xen-pvh')).toMatchObject({ supported: false });
    // a removed feature: in range for 2.6.20? no (< 2.6.21); 5.15 is past the removal
    expect(row(rows, 'u7', 'vmware-vmi')).toMatchObject({ supported: false });
    expect(row(rows, 'u22', 'vmware-vmi')?.reason).toMatch(/removed/);
  });

  it('uses an ancestor kernel as a lower bound: positives only', () => {
    const rows = run([
      guest({ id: 'u22', distro: 'ubuntu', version: '22.04' }),
      guest({ id: 'child', distro: 'pop', version: '22.04', ancestors: ['u22'] }),
      guest({ id: 'old-child', distro: 'x', version: '1', ancestors: ['u7'] }),
      guest({ id: 'u7', distro: 'ubuntu', version: '7.04' }),
    ]);
    expect(row(rows, 'child', 'xen-pvh')).toMatchObject({ supported: true, rule: 'paravirt.kernel-min-inherited' });
    expect(row(rows, 'old-child', 'xen-pvh')).toBeUndefined();
  });

  it("marks a positive for a feature later kernels removed, or only some architectures have, as its release's only", () => {
    const rows = run([
      guest({ id: 'lenny', distro: 'debian', version: '5', kernel: '2.6.26', sourceRef: 'https://example.org/d' }),
      guest({ id: 'u22', distro: 'ubuntu', version: '22.04' }),
      guest({ id: 'w7', family: 'winnt', distro: 'win', version: '6.1' }),
    ]);
    // VMI: in [2.6.21, 2.6.37) on i686; a newer release deriving from lenny may be past the removal
    expect(row(rows, 'lenny', 'vmware-vmi')).toMatchObject({ supported: true, inputs: { releaseOnly: true } });
    // PVH: x86_64 only; a release deriving from this one may be 32-bit
    expect(row(rows, 'u22', 'xen-pvh')?.inputs.releaseOnly).toBe(true);
    // negatives and features no kernel lost are left as they are
    expect(row(rows, 'u22', 'vmware-vmi')).toMatchObject({ supported: false });
    expect(row(rows, 'u22', 'vmware-vmi')?.inputs.releaseOnly).toBeUndefined();
    expect(row(rows, 'w7', 'hv-relaxed')?.inputs.releaseOnly).toBeUndefined();
  });

  it('gives no negative for a kernel with backports, and honours a distribution Xen kernel', () => {
    const rows = run([guest({ id: 'r54', distro: 'rhel', version: '5.4' })]);
    expect(row(rows, 'r54', 'xen-pvh')).toBeUndefined();
    expect(row(rows, 'r54', 'xen-pv')).toMatchObject({ supported: true, rule: 'paravirt.distro-xen-kernel' });
  });

  it('never writes a pair a record or curated row answers', () => {
    const rows = run([guest({ id: 'u22', distro: 'ubuntu', version: '22.04' })], { answered: new Set(['u22\u0000xen-pvh']) });
    expect(row(rows, 'u22', 'xen-pvh')).toBeUndefined();
  });

  it('derives Windows answers from the NT version and from driver builds, broken builds named', () => {
    const win = (id: string, version: string) => guest({ id, family: 'winnt', distro: 'win', version });
    const rows = run([win('w7', '6.1'), win('xp', '5.1')], {
      drivers: [
        {
          packageKey: 'virtio-win',
          featureKey: 'virtio',
          version: '0.1.173',
          guestId: 'w7',
          arch: 'x86_64',
          status: 'SUPPORTED',
          reason: null,
          sourceRef: null,
        },
        {
          packageKey: 'virtio-win',
          featureKey: 'virtio',
          version: '0.1.185',
          guestId: 'w7',
          arch: 'x86_64',
          status: 'BROKEN',
          reason: 'bad signature',
          sourceRef: null,
        },
        {
          packageKey: 'virtio-win',
          featureKey: 'virtio',
          version: '0.1.185',
          guestId: 'xp',
          arch: 'i686',
          status: 'BROKEN',
          reason: 'x',
          sourceRef: null,
        },
      ],
    });
    expect(row(rows, 'w7', 'hv-relaxed')).toMatchObject({ supported: true, rule: 'paravirt.windows-nt-min' });
    expect(row(rows, 'xp', 'hv-relaxed')).toMatchObject({ supported: false });
    expect(row(rows, 'w7', 'virtio-mmio')).toMatchObject({ supported: false, rule: 'paravirt.windows-never' });
    expect(row(rows, 'w7', 'virtio')).toMatchObject({ supported: true, minDriverVersion: '0.1.173', rule: 'paravirt.driver-package' });
    expect(row(rows, 'w7', 'virtio')?.reason).toMatch(/0\.1\.185 broken on x86_64 \(bad signature\)/);
    expect(row(rows, 'xp', 'virtio')).toMatchObject({ supported: false });
  });

  it('derives BSD answers from the release a driver first appeared in', () => {
    const bsd = (id: string, version: string) => guest({ id, family: 'openbsd', distro: 'openbsd', version });
    const rows = run([bsd('o52', '5.2'), bsd('o60', '6.0')], {
      rules: { ...rules, versions: [{ family: 'openbsd', features: ['virtio'], minVersion: '5.3', sourceRef: 'https://example.org/vio' }] },
    });
    expect(row(rows, 'o52', 'virtio')).toMatchObject({ supported: false, rule: 'paravirt.os-version-min' });
    expect(row(rows, 'o60', 'virtio')).toMatchObject({ supported: true });
    expect(row(rows, 'o60', 'virtio')?.reason).toMatch(/6\.0 ≥ virtio's first openbsd release, 5\.3/);
  });

  it('applies an architecture-limited BSD rule only to releases of those architectures', () => {
    const fbsd = (id: string, version: string, architectures: string[]) =>
      guest({ id, family: 'freebsd', distro: 'freebsd', version, architectures });
    const rows = run(
      [
        fbsd('f13', '13.1', []),
        fbsd('f13arm', '13.1', ['aarch64']),
        fbsd('f13mix', '13.1', ['x86_64', 'aarch64']),
        fbsd('f14', '14.0', []),
      ],
      {
        rules: {
          ...rules,
          versions: [
            {
              family: 'freebsd',
              features: ['virtio-mmio'],
              minVersion: '14.0',
              only: 'absent',
              arch: ['i686', 'x86_64'],
              sourceRef: 'https://example.org/fc',
            },
          ],
        },
      },
    );
    // no architecture recorded: an x86 PC, as osinfo-db has it
    expect(row(rows, 'f13', 'virtio-mmio')).toMatchObject({ supported: false, rule: 'paravirt.os-version-min' });
    expect(row(rows, 'f13', 'virtio-mmio')?.reason).toMatch(/13\.1 < virtio-mmio's first freebsd release, 14\.0 on i686\/x86_64/);
    expect(row(rows, 'f13arm', 'virtio-mmio')).toBeUndefined();
    expect(row(rows, 'f13mix', 'virtio-mmio')).toBeUndefined();
    expect(row(rows, 'f14', 'virtio-mmio')).toBeUndefined();
  });

  it("takes a vendor's statement about a range of releases over a backported kernel's version, both ways", () => {
    const rhel = (id: string, version: string) => guest({ id, distro: 'rhel', version });
    const rel = { distros: ['rhel'], features: ['virtio'], sourceRef: 'https://example.org/rhel5-guide' };
    const rows = run([rhel('r50', '5.0'), rhel('r53', '5.3'), rhel('r54', '5.4'), rhel('r6', '6-unknown'), rhel('r4', '4.5')], {
      rules: {
        ...rules,
        releases: [
          { ...rel, minVersion: '5.3', belowVersion: '6', supported: true, notes: 'virtio from 5.3' },
          { ...rel, minVersion: '5', belowVersion: '5.3', supported: false },
        ],
        requires: [{ feature: 'virtio-mmio', requires: 'virtio', sourceRef: 'https://example.org/virtio-spec' }],
      },
    });
    // without the rule, kernel 2.6.18 with backports gives no virtio answer at all
    expect(row(run([rhel('r54', '5.4')]), 'r54', 'virtio')).toBeUndefined();
    expect(row(rows, 'r54', 'virtio')).toMatchObject({
      supported: true,
      rule: 'paravirt.distro-release',
      sourceRef: 'https://example.org/rhel5-guide',
    });
    expect(row(rows, 'r54', 'virtio')?.reason).toMatch(/\(rhel 5\.3 ≤ 5\.4 < 6\) has virtio: virtio from 5\.3/);
    expect(row(rows, 'r53', 'virtio')?.supported).toBe(true);
    expect(row(rows, 'r50', 'virtio')).toMatchObject({ supported: false, rule: 'paravirt.distro-release' });
    // outside every range: no answer
    expect(row(rows, 'r6', 'virtio')).toBeUndefined();
    expect(row(rows, 'r4', 'virtio')).toBeUndefined();
    // a lacking prerequisite makes the dependent feature absent, with both reasons
    expect(row(rows, 'r50', 'virtio-mmio')).toMatchObject({ supported: false, rule: 'paravirt.requires-absent' });
    expect(row(rows, 'r50', 'virtio-mmio')?.reason).toMatch(/lacks virtio \(paravirt\.distro-release: .*\), which virtio-mmio requires/);
    expect(row(rows, 'r54', 'virtio-mmio')).toBeUndefined();
  });

  it('answers "no" for a family no driver exists for, and absent-only rules say nothing above their version', () => {
    const rows = run(
      [
        guest({ id: 'w98', family: 'win9x', distro: 'win', version: '4.1' }),
        guest({ id: 'df2', family: 'dragonflybsd', distro: 'dragonflybsd', version: '2.10.1' }),
        guest({ id: 'df5', family: 'dragonflybsd', distro: 'dragonflybsd', version: '5.6' }),
        guest({ id: 'nt4', family: 'winnt', distro: 'winnt', version: '4.0' }),
        guest({ id: 'xp', family: 'winnt', distro: 'win', version: '5.1' }),
      ],
      {
        rules: {
          ...rules,
          families: [{ families: ['win9x'], features: ['virtio'], notes: 'virtio-win is NT-only', sourceRef: 'https://example.org/vw' }],
          versions: [
            { family: 'dragonflybsd', features: ['virtio'], minVersion: '3.0', only: 'absent', sourceRef: 'https://example.org/df' },
          ],
          windows: [{ features: ['virtio'], minNt: '5.1', only: 'absent', sourceRef: 'https://example.org/vw' }],
        },
      },
    );
    expect(row(rows, 'w98', 'virtio')).toMatchObject({ supported: false, rule: 'paravirt.family-never' });
    expect(row(rows, 'df2', 'virtio')).toMatchObject({ supported: false, rule: 'paravirt.os-version-min' });
    expect(row(rows, 'df5', 'virtio')).toBeUndefined();
    expect(row(rows, 'nt4', 'virtio')).toMatchObject({ supported: false, rule: 'paravirt.windows-nt-min' });
    expect(row(rows, 'xp', 'virtio')).toBeUndefined();
  });

  it('names the missing input when nothing decides', () => {
    const data = {
      kernels: [{ distro: 'rhel', versions: ['6.2'], kernel: '2.6.32', sourceRef: 'https://example.org/r', backports: true }],
      rules,
    };
    const g = (family: string | null, distro: string | null, version: string | null) => ({ name: 'G', family, distro, version });
    expect(missingInput(g('linux', 'arch', null), data, ['virtio'])).toMatch(/names no release version/);
    expect(missingInput(g('linux', 'mageia', '8'), data, ['virtio'])).toMatch(/no kernel version is curated for mageia 8/);
    expect(missingInput(g('linux', 'rhel', '6.2'), data, ['virtio-mmio'])).toMatch(/kernel 2\.6\.32 carries vendor backports.*virtio-mmio/);
    expect(missingInput(g('haiku', 'haiku', 'r1beta3'), data, ['virtio'])).toMatch(/no rule covers the haiku family/);
    expect(missingInput(g('linux', 'rhel', '6.2'), null, ['virtio'])).toMatch(/no paravirt rules are loaded/);
  });
});

describe('paravirt-rules.yaml', () => {
  it('names only catalogued features and gives every rule a source', () => {
    const dir = join(import.meta.dirname, '..', '..', 'seed', 'curated');
    const features = new Set(
      (parse(readFileSync(join(dir, 'paravirt-features.yaml'), 'utf8')) as { features: { key: string }[] }).features.map((f) => f.key),
    );
    const doc = parse(readFileSync(join(dir, 'paravirt-rules.yaml'), 'utf8')) as Record<string, unknown>;
    const named: string[] = [];
    const visit = (v: unknown, key = ''): void => {
      if (Array.isArray(v)) for (const x of v) visit(x, key);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if ('features' in o || 'feature' in o) expect(String(o.sourceRef ?? ''), JSON.stringify(o)).toMatch(/^https?:\/\//);
        for (const [k, x] of Object.entries(o)) visit(x, k);
      } else if (typeof v === 'string' && ['features', 'feature', 'requires', 'also'].includes(key)) named.push(v);
    };
    visit(doc);
    expect(named.filter((f) => !features.has(f))).toEqual([]);
    expect(named.length).toBeGreaterThan(40);
  });
});
