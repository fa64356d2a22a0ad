import { describe, expect, it } from 'vitest';
import { compareVersion, deriveParavirt, type DeriveGuest, type ParavirtRules } from './paravirt-derive.ts';

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
});
