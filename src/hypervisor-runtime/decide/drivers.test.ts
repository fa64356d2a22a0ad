// Add-on driver builds in the plan: decide() on the fixture facts with the catalogue's driver packages and
// builds laid over them (as seed/curated/drivers/*.yaml say them). Pure: no service, no I/O but the fixtures.
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { FIXED_PROVENANCE, host, loadFacts } from '../../../test/fixtures/runtime/load.ts';
import type { DriverPackageFact, GuestDriverFact, PlanningFacts } from '../facts.ts';
import type { Plan } from '../plan.ts';
import { parseSpec, type VmSpecInput } from '../spec.ts';
import { explainPlan } from '../explain.ts';
import { renderLibvirt } from '../render/libvirt.ts';
import { renderQemu } from '../render/qemu.ts';
import { at } from '../../util/must.ts';
import { chooseDriverBuild, packageFor } from './drivers.ts';
import { decide } from './index.ts';

const PACKAGES: Record<string, DriverPackageFact> = {
  kvm: { key: 'virtio-win', name: 'virtio-win (Windows virtio drivers)', family: 'KVM', featureKey: 'virtio' },
  xen: { key: 'xen-win-pv', name: 'Xen Project Windows PV drivers', family: 'XEN', featureKey: 'xen-pvhvm' },
  vmware: { key: 'vmware-tools', name: 'VMware Tools for Windows', family: 'VMWARE', featureKey: 'vmware-pv' },
};
const KVM_PKG = PACKAGES.kvm as DriverPackageFact;
const row = (
  pkg: string,
  version: string,
  arch: string,
  status: GuestDriverFact['status'] = 'SUPPORTED',
  reason: string | null = null,
  sourceRef: string | null = null,
): GuestDriverFact => ({
  buildId: `http://virtcompat.org/driver/${pkg}/${version}`,
  packageKey: pkg,
  version,
  arch,
  status,
  reason,
  sourceRef,
});

const WIN2K16_262 = 'the installer refuses the drivers as incompatible on Windows Server 2016 (works with 0.1.248)';
/** What the curated driver files say about each fixture guest. */
const BUILDS: Record<string, GuestDriverFact[]> = {
  win10: [
    row('virtio-win', '0.1.173', 'x86_64'),
    row('virtio-win', '0.1.173', 'i686'),
    row('virtio-win', '0.1.185', 'x86_64'),
    row('virtio-win', '0.1.248', 'x86_64'),
    row('virtio-win', '0.1.262', 'x86_64'),
    row('xen-win-pv', '8.2.2', 'x86_64', 'SUPPORTED', null, 'https://xenbits.xen.org/pvdrivers/win/8.2.2/'),
    row('vmware-tools', '12.1.5', 'x86_64'),
  ],
  win11: [row('virtio-win', '0.1.248', 'x86_64'), row('vmware-tools', '12.1.5', 'x86_64')],
};

function facts(guest: string, hv: string, builds = BUILDS[guest] ?? []): PlanningFacts {
  const f = loadFacts(guest, hv);
  f.hypervisor.driverPackages = PACKAGES[hv] ? [PACKAGES[hv]] : [];
  f.guest.drivers = builds;
  return f;
}
function plan(f: PlanningFacts, spec: VmSpecInput = {}): Plan {
  const r = decide({
    facts: f,
    provenance: FIXED_PROVENANCE,
    host: host('kvm-x86_64'),
    spec: parseSpec({ disks: [{ path: '/vm/root.qcow2' }], memory: '4GiB', ...spec }),
  });
  if (!r.ok) assert.fail(r.error.message);
  return r.plan;
}
const one = (p: Plan, role: string) => {
  const d = p.devices.filter((x) => x.role === role);
  assert.equal(d.length, 1, `one ${role}`);
  return at(d, 0);
};
const ADDON = { drivers: { addon: true } };

describe('driver builds: the choice', () => {
  it('the newest build that supports the release on its architecture', () => {
    const c = chooseDriverBuild(facts('win10', 'kvm').guest, 'win10', KVM_PKG, 'x86_64');
    assert.equal(c.build?.version, '0.1.262');
    assert.equal(c.because.rule, 'driver.newest-supporting-build');
    assert.deepEqual(c.because.records, ['http://microsoft.com/win/10', 'http://virtcompat.org/driver/virtio-win/0.1.262']);
    // 0.1.262 carries win10 for x86_64 only: a 32-bit win10 gets the newest build with i686 binaries
    const i686 = chooseDriverBuild(facts('win10', 'kvm').guest, 'win10', KVM_PKG, 'i686');
    assert.equal(i686.build?.version, '0.1.173');
    assert.match(i686.because.rejected?.[0]?.why ?? '', /^virtio-win 0\.1\.262 carries win10 for x86_64 only, not i686$/);
  });

  it('passes over a build known to break the release, and names it as such with its source', () => {
    const rows = [
      row('virtio-win', '0.1.248', 'x86_64'),
      row('virtio-win', '0.1.262', 'x86_64', 'BROKEN', WIN2K16_262, 'https://github.com/antifob/incus-windows/issues/7'),
    ];
    const f = facts('win10', 'kvm', rows);
    const c = chooseDriverBuild(f.guest, 'win2k16', KVM_PKG, 'x86_64');
    assert.equal(c.build?.version, '0.1.248');
    assert.deepEqual(c.because.rejected, [
      {
        option: 'virtio-win 0.1.262',
        why: `virtio-win 0.1.262 breaks win2k16: ${WIN2K16_262} (https://github.com/antifob/incus-windows/issues/7)`,
      },
    ]);
    const dropped = chooseDriverBuild(
      facts('win10', 'kvm', [row('virtio-win', '0.1.300', 'x86_64', 'UNSUPPORTED', 'gone')]).guest,
      'w',
      KVM_PKG,
      'x86_64',
    );
    assert.equal(dropped.build, null);
    assert.equal(dropped.because.rule, 'driver.no-build');
    assert.match(dropped.because.rejected?.[0]?.why ?? '', /^virtio-win 0\.1\.300 dropped w: gone$/);
  });

  it('a device finds its package by the record driver name, else by its paravirtual interface', () => {
    const all = Object.values(PACKAGES);
    assert.equal(packageFor(all, 'VIRTIO_1_0', 'virtio-win')?.key, 'virtio-win');
    assert.equal(packageFor(all, 'XEN_PV', 'xen-pv-drivers')?.key, 'xen-win-pv');
    assert.equal(packageFor(all, 'VMWARE_PV', null)?.key, 'vmware-tools');
    assert.equal(packageFor(all, 'HYPERV_VMBUS', null), null);
    assert.equal(packageFor([], 'VIRTIO_1_0', 'virtio-win'), null);
  });
});

describe('driver builds in the plan', () => {
  it('KVM: the virtio devices name the virtio-win build, and plan.drivers says which and why', () => {
    const p = plan(facts('win10', 'kvm'), ADDON);
    assert.deepEqual(one(p, 'disk').driver, { source: 'ADDON', name: 'virtio-win', build: '0.1.262' });
    assert.equal(one(p, 'nic').driver?.build, '0.1.262');
    assert.ok(one(p, 'nic').because.records.includes('http://virtcompat.org/driver/virtio-win/0.1.262'));
    assert.equal(p.drivers.length, 1);
    const d = at(p.drivers, 0);
    assert.equal(d.package, 'virtio-win');
    assert.equal(d.build?.id, 'http://virtcompat.org/driver/virtio-win/0.1.262');
    assert.equal(d.arch, 'x86_64');
    assert.ok(d.devices.includes('disk0') && d.devices.includes('net0'));
    assert.equal(d.media, null);
    assert.match(d.because.reason, /no driver disc is attached/);
    const text = explainPlan(p);
    assert.match(text, /^Add-on drivers:\n {2}virtio-win 0\.1\.262 for x86_64 — used by: disk0, net0/m);
    assert.match(text, /guest driver addon virtio-win 0\.1\.262$/m);
  });

  it('a known-bad newer build is passed over by name in --explain and json', () => {
    const rows = [
      row('virtio-win', '0.1.248', 'x86_64'),
      row('virtio-win', '0.1.262', 'x86_64', 'BROKEN', WIN2K16_262, 'https://github.com/antifob/incus-windows/issues/7'),
    ];
    const p = plan(facts('win10', 'kvm', rows), ADDON);
    const d = at(p.drivers, 0);
    assert.equal(d.build?.version, '0.1.248');
    assert.match(d.because.rejected?.[0]?.why ?? '', /^virtio-win 0\.1\.262 breaks win10: the installer refuses/);
    assert.match(explainPlan(p), /passed over: virtio-win 0\.1\.262 \(virtio-win 0\.1\.262 breaks win10: /);
    assert.match(JSON.stringify(p), /"virtio-win 0\.1\.262 breaks win10: /);
  });

  it('no build supports the guest: the devices fall back to emulated ones, and the plan says why', () => {
    const p = plan(facts('win10', 'kvm', [row('virtio-win', '0.1.262', 'x86_64', 'BROKEN', 'it fails', 'https://example.org/r')]), ADDON);
    assert.equal(one(p, 'nic').model, 'e1000e');
    assert.equal(one(p, 'disk').bus, 'sata');
    assert.match(
      one(p, 'nic').because.rejected?.[0]?.why ?? '',
      /needs the add-on driver virtio-win, and no virtio-win build in the catalogue supports win10 on x86_64/,
    );
    const d = at(p.drivers, 0);
    assert.equal(d.build, null);
    assert.equal(d.because.rule, 'driver.no-build');
    assert.ok(d.devices.includes('net0') && d.devices.includes('disk0'));
    assert.ok(p.warnings.some((w) => /^no virtio-win build in the catalogue supports win10 on x86_64: .*net0 e1000e/.test(w)));
    assert.match(explainPlan(p), /virtio-win \(no build\) for x86_64 — fell back: /);
  });

  it('drivers.addon false: no build is relied on, the passed-over device says which build would do', () => {
    const p = plan(facts('win10', 'kvm'));
    assert.deepEqual(p.drivers, []);
    assert.match(
      one(p, 'nic').because.rejected?.[0]?.why ?? '',
      /needs the add-on driver virtio-win \(virtio-win 0\.1\.262 supports win10 on x86_64\); the spec does not say it is installed/,
    );
  });

  it('a catalogue without driver builds (an older service or snapshot) plans as before, naming none', () => {
    const f = loadFacts('win10', 'kvm');
    const p = plan(f, ADDON);
    assert.deepEqual(one(p, 'nic').driver, { source: 'ADDON', name: 'virtio-win' });
    assert.deepEqual(p.drivers, []);
  });

  it('the packages are Windows driver packages: a Linux guest with an add-on record is not held to their builds', () => {
    const f = facts('debian11', 'kvm', []);
    for (const d of f.guest.devices)
      if (d.device.paravirtInterface.startsWith('VIRTIO')) Object.assign(d, { driverSource: 'ADDON', driverName: 'virtio-win' });
    const p = plan(f, ADDON);
    assert.equal(one(p, 'nic').paravirtInterface, 'VIRTIO_1_0');
    assert.deepEqual(one(p, 'nic').driver, { source: 'ADDON', name: 'virtio-win' });
    assert.deepEqual(p.drivers, []);
  });

  it('drivers.iso: the disc is a CD-ROM in the plan, and qemu and libvirt attach it; no add-on relied on: not attached', () => {
    const iso = '/srv/iso/virtio-win-0.1.262.iso';
    const p = plan(facts('win10', 'kvm'), { drivers: { addon: true, iso } });
    const cd = one(p, 'cdrom');
    assert.equal(cd.disk?.source, iso);
    assert.equal(cd.bus, 'sata');
    assert.equal(cd.disk?.bootIndex, null);
    assert.deepEqual(at(p.drivers, 0).media, { device: cd.id, path: iso });
    assert.match(cd.because.reason, /^the add-on drivers' disc \(drivers\.iso\)/);
    assert.ok(renderQemu(p).args.some((a) => a.includes(`filename=${iso}`)));
    assert.match(renderLibvirt(p), new RegExp(`<source file="${iso.replace(/\./g, '\\.')}"/>`));
    // the spec's own disks are not renumbered
    assert.equal(one(p, 'disk').id, 'disk0');
    // listed in the spec already: kept once
    const listed = plan(facts('win10', 'kvm'), {
      drivers: { addon: true, iso },
      disks: [{ path: '/vm/root.qcow2' }, { path: iso, device: 'cdrom' }],
    });
    assert.equal(listed.devices.filter((d) => d.role === 'cdrom').length, 1);
    // nothing needs it: a warning, no CD-ROM
    const none = plan(facts('win10', 'kvm'), { drivers: { addon: false, iso } });
    assert.equal(none.devices.filter((d) => d.role === 'cdrom').length, 0);
    assert.ok(none.warnings.some((w) => w.startsWith(`drivers.iso ${iso} is not attached`)));
  });

  it('Xen: Windows PV drivers by build; no build for the release: HVM with emulated devices, saying why', () => {
    const w10 = plan(facts('win10', 'xen'), ADDON);
    assert.equal(w10.backend.key, 'xen-hvm-pv-drivers');
    assert.equal(one(w10, 'disk').driver?.build, '8.2.2');
    assert.equal(at(w10.drivers, 0).package, 'xen-win-pv');
    assert.equal(at(w10.drivers, 0).build?.version, '8.2.2');
    // (xl plans no vTPM: win11's TPM is turned off by the spec, as an installer bypass would)
    const w11 = plan(facts('win11', 'xen'), { ...ADDON, tpm: 'none' });
    assert.equal(w11.backend.key, 'xen-hvm');
    assert.match(w11.backend.because.reason, /no xen-win-pv build in the catalogue supports win11 on x86_64/);
    assert.equal(one(w11, 'disk').bus, 'ide');
    assert.equal(at(w11.drivers, 0).build, null);
    assert.ok(at(w11.drivers, 0).devices.includes('disk0'));
  });

  it('VMware: pvscsi and vmxnet3 name the VMware Tools build', () => {
    for (const g of ['win10', 'win11']) {
      const p = plan(facts(g, 'vmware'), ADDON);
      assert.equal(one(p, 'nic').model, 'vmxnet3');
      assert.equal(one(p, 'nic').driver?.build, '12.1.5');
      assert.equal(at(p.drivers, 0).package, 'vmware-tools');
      assert.equal(at(p.drivers, 0).build?.version, '12.1.5');
    }
  });

  it('the spec schema and the fast acceptor agree on drivers.iso', async () => {
    const { acceptSpec, specSchemas } = await import('../spec.ts');
    const v = { drivers: { addon: true, iso: 'virtio-win.iso' } };
    assert.deepEqual(acceptSpec(v), specSchemas().VmSpec.parse(v));
    assert.throws(() => parseSpec({ drivers: { iso: '' } }), /drivers\.iso/);
  });
});
