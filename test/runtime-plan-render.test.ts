// Renderers against golden files (test/fixtures/golden/). Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npm test -- runtime-plan-render
// and review the diff. libvirt XML is also checked with virt-xml-validate when libvirt-clients is installed.
import { describe, it } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXED_PROVENANCE, host, loadFacts } from './fixtures/runtime/load.ts';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import { explainPlan } from '../src/hypervisor-runtime/explain.ts';
import { parseSpec, type VmSpecInput } from '../src/hypervisor-runtime/spec.ts';
import {
  RenderError,
  renderCloudHypervisor,
  renderFirecracker,
  renderLibvirt,
  renderQemu,
  renderText,
  renderVmx,
  renderXl,
  type Format,
} from '../src/hypervisor-runtime/render/index.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import type { PlanningFacts } from '../src/hypervisor-runtime/facts.ts';

const GOLDEN = join(import.meta.dirname, 'fixtures', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Driver facts as the catalogue gives them for win10 on KVM (seed/curated/drivers/virtio-win.yaml, abridged). */
const VIRTIO_WIN_WIN10: Pick<PlanningFacts['hypervisor'], 'driverPackages'> & Pick<PlanningFacts['guest'], 'drivers'> = {
  driverPackages: [{ key: 'virtio-win', name: 'virtio-win (Windows virtio drivers)', family: 'KVM', featureKey: 'virtio' }],
  drivers: ['0.1.173', '0.1.185', '0.1.248', '0.1.262'].map((version) => ({
    buildId: `http://virtcompat.org/driver/virtio-win/${version}`,
    packageKey: 'virtio-win',
    version,
    arch: 'x86_64',
    status: 'SUPPORTED' as const,
    reason: null,
    sourceRef: version === '0.1.262' ? 'https://github.com/antifob/incus-windows/issues/7' : null,
  })),
};

function plan(
  guest: string,
  hv: string,
  hostName: 'kvm-x86_64' | 'tcg-x86_64',
  spec: VmSpecInput,
  drivers?: typeof VIRTIO_WIN_WIN10,
): Plan {
  const facts = loadFacts(guest, hv);
  if (drivers) {
    facts.hypervisor.driverPackages = drivers.driverPackages;
    facts.guest.drivers = drivers.drivers;
  }
  const r = decide({ facts, provenance: FIXED_PROVENANCE, host: host(hostName), spec: parseSpec(spec) });
  if (!r.ok) throw r.error;
  return r.plan;
}

const disk = (p = '/var/lib/virtcompat/images/root.qcow2') => ({
  disks: [{ path: p }, { path: '/var/lib/virtcompat/iso/install.iso', device: 'cdrom' as const }],
});
const SCENARIOS: {
  name: string;
  guest: string;
  hv: string;
  host: 'kvm-x86_64' | 'tcg-x86_64';
  spec: VmSpecInput;
  formats: Format[];
  drivers?: typeof VIRTIO_WIN_WIN10;
}[] = [
  {
    name: 'debian11-kvm',
    guest: 'debian11',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: { name: 'web1', memory: '2GiB', ...disk() },
    formats: ['qemu', 'libvirt'],
  },
  {
    name: 'debian11-tcg',
    guest: 'debian11',
    hv: 'kvm',
    host: 'tcg-x86_64',
    spec: { name: 'web1', memory: '2GiB', display: 'none', ...disk() },
    formats: ['qemu', 'libvirt'],
  },
  {
    name: 'rhel6-kvm',
    guest: 'rhel6.0',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: { name: 'legacy-rhel', ...disk() },
    formats: ['qemu', 'libvirt'],
  },
  {
    name: 'winxp-kvm',
    guest: 'winxp',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: { name: 'xp', ...disk('/var/lib/virtcompat/images/xp.img') },
    formats: ['qemu', 'libvirt'],
  },
  {
    name: 'win10-addon-kvm',
    guest: 'win10',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: { name: 'win10', drivers: { addon: true }, display: 'vnc', ...disk() },
    formats: ['qemu', 'libvirt'],
  },
  {
    // the catalogue's virtio-win builds: the plan names the build and attaches the spec's driver disc
    name: 'win10-virtio-win-kvm',
    guest: 'win10',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: {
      name: 'win10',
      drivers: { addon: true, iso: '/var/lib/virtcompat/iso/virtio-win-0.1.262.iso' },
      display: 'vnc',
      ...disk(),
    },
    formats: ['qemu', 'libvirt', 'json'],
    drivers: VIRTIO_WIN_WIN10,
  },
  {
    name: 'win11-kvm',
    guest: 'win11',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: { name: 'win11', memory: '8GiB', ...disk() },
    formats: ['qemu', 'libvirt', 'json'],
  },
  {
    name: 'debian11-kvm-bridge-migrate',
    guest: 'debian11',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: {
      name: 'db1',
      vcpus: 4,
      memory: '4GiB',
      disks: [{ path: '/srv/db1.qcow2' }, { path: '/srv/db1-data.raw', bus: 'scsi' }],
      nics: [
        { backend: 'bridge', bridge: 'br0', mac: '52:54:00:12:34:56' },
        { backend: 'tap', tap: 'tap7' },
      ],
      display: 'none',
    },
    formats: ['qemu', 'libvirt'],
  },
  {
    name: 'debian11-microvm',
    guest: 'debian11',
    hv: 'kvm',
    host: 'kvm-x86_64',
    spec: {
      name: 'mvm',
      machine: 'microvm',
      boot: { kernel: '/srv/vmlinuz', initrd: '/srv/initrd.img', cmdline: 'console=ttyS0 root=/dev/vda' },
      disks: [{ path: '/srv/mvm.raw' }],
      display: 'none',
    },
    formats: ['qemu'],
  },
  {
    name: 'debian11-xen',
    guest: 'debian11',
    hv: 'xen',
    host: 'kvm-x86_64',
    spec: {
      name: 'pvh1',
      boot: { kernel: '/boot/vmlinuz-6.1', initrd: '/boot/initrd.img-6.1', cmdline: 'root=/dev/xvda1 console=hvc0' },
      nics: [{ backend: 'bridge', bridge: 'xenbr0' }],
      disks: [{ path: '/dev/vg0/pvh1' }],
    },
    formats: ['xl'],
  },
  {
    name: 'rhel6-xen',
    guest: 'rhel6.0',
    hv: 'xen',
    host: 'kvm-x86_64',
    spec: { name: 'hvm1', disks: [{ path: '/dev/vg0/hvm1' }] },
    formats: ['xl'],
  },
  {
    name: 'winxp-xen',
    guest: 'winxp',
    hv: 'xen',
    host: 'kvm-x86_64',
    spec: { name: 'xp', disks: [{ path: '/srv/xp.img' }] },
    formats: ['xl'],
  },
  {
    name: 'debian11-vmware',
    guest: 'debian11',
    hv: 'vmware',
    host: 'kvm-x86_64',
    spec: { name: 'deb', disks: [{ path: 'deb.vmdk' }], nics: [{ backend: 'bridge', bridge: 'VM Network' }] },
    formats: ['vmx'],
  },
  {
    name: 'win11-vmware',
    guest: 'win11',
    hv: 'vmware',
    host: 'kvm-x86_64',
    spec: { name: 'win11', memory: '8GiB', disks: [{ path: 'win11.vmdk' }] },
    formats: ['vmx'],
  },
  {
    name: 'debian11-cloud-hypervisor',
    guest: 'debian11',
    hv: 'cloud-hypervisor',
    host: 'kvm-x86_64',
    spec: {
      name: 'ch1',
      boot: { kernel: '/boot/vmlinux', cmdline: 'console=ttyS0 root=/dev/vda1' },
      disks: [{ path: '/srv/ch1.raw' }],
      nics: [{ backend: 'tap', tap: 'tap0' }],
    },
    formats: ['cloud-hypervisor'],
  },
  {
    name: 'debian11-firecracker',
    guest: 'debian11',
    hv: 'firecracker',
    host: 'kvm-x86_64',
    spec: {
      name: 'fc1',
      boot: { kernel: '/srv/vmlinux', cmdline: 'console=ttyS0 reboot=k panic=1 pci=off' },
      disks: [{ path: '/srv/rootfs.ext4' }],
      nics: [{ backend: 'tap', tap: 'tap0' }],
    },
    formats: ['firecracker'],
  },
];

const EXT: Record<Format, string> = {
  json: 'plan.json',
  qemu: 'qemu.args',
  libvirt: 'libvirt.xml',
  xl: 'xl.cfg',
  vmx: 'vmx',
  'cloud-hypervisor': 'ch.args',
  firecracker: 'firecracker.json',
  'hyperv-ps': 'hyperv.ps1',
};

function golden(file: string, actual: string) {
  const path = join(GOLDEN, file);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE && process.env.CI) assert.fail(`missing golden file ${path}`);
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `${file} differs from its golden file (UPDATE_GOLDEN=1 to accept)`);
}

const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;

describe('renderers (golden)', () => {
  for (const s of SCENARIOS) {
    for (const f of s.formats) {
      it(`${s.name} → ${f}`, () => {
        const p = plan(s.guest, s.hv, s.host, s.spec, s.drivers);
        const text = renderText(p, f, { runDir: `/run/virtcompat/${p.name}` });
        golden(`${s.name}.${EXT[f]}`, text);
      });
    }
  }

  it('explain reads like a review (golden)', () => {
    golden('win11-kvm.explain.txt', explainPlan(plan('win11', 'kvm', 'kvm-x86_64', { name: 'win11', memory: '8GiB', ...disk() })));
  });

  it('QEMU argv is an array of words: no shell quoting, each option and value separate', () => {
    const p = plan('debian11', 'kvm', 'kvm-x86_64', { name: 'spaces', disks: [{ path: '/var/lib/my images/a b.qcow2' }] });
    const cmd = renderQemu(p, { runDir: '/run/x' });
    assert.ok(cmd.args.includes('driver=file,filename=/var/lib/my images/a b.qcow2,node-name=disk0-file'));
    assert.ok(cmd.args.every((a) => !a.includes("'")));
    // a comma inside a value is doubled, as QEMU's option parser wants
    const c = renderQemu(plan('debian11', 'kvm', 'kvm-x86_64', { disks: [{ path: '/a,b.raw' }] }));
    assert.ok(c.args.some((a) => a.includes('filename=/a,,b.raw')));
  });

  it('virtio devices on q35 go on PCIe root ports; legacy pc puts them on pci.0', () => {
    const q = renderQemu(plan('debian11', 'kvm', 'kvm-x86_64', disk()));
    assert.ok(q.args.some((a) => /^virtio-net-pci-non-transitional,.*bus=rp\d+$/.test(a)));
    const pc = renderQemu(plan('rhel6.0', 'kvm', 'kvm-x86_64', disk()));
    assert.ok(!pc.args.some((a) => a.startsWith('pcie-root-port')));
  });

  it('UEFI and TPM plans list the launcher steps (variable store copy, swtpm)', () => {
    const cmd = renderQemu(plan('win11', 'kvm', 'kvm-x86_64', { memory: '8GiB', ...disk() }), { runDir: '/run/vc/w' });
    assert.deepEqual(
      cmd.prepare.map((s) => s.kind),
      ['mkdir', 'copy-uefi-vars', 'mkdir', 'swtpm'],
    );
    assert.equal(cmd.sockets.tpm, '/run/vc/w/swtpm.sock');
    assert.equal(cmd.sockets.qmp, '/run/vc/w/qmp.sock');
  });

  it('a renderer refuses a plan for another hypervisor', () => {
    const kvm = plan('debian11', 'kvm', 'kvm-x86_64', disk());
    assert.throws(() => renderXl(kvm), RenderError);
    assert.throws(() => renderVmx(kvm), RenderError);
    assert.throws(() => renderFirecracker(kvm), RenderError);
    assert.throws(() => renderCloudHypervisor(kvm), RenderError);
    const xen = plan('debian11', 'xen', 'kvm-x86_64', { disks: [{ path: '/x' }] });
    assert.throws(() => renderLibvirt(xen), /renders KVM\/QEMU plans; this plan targets xen \(use --format xl\)/);
    assert.throws(() => renderQemu(xen), RenderError);
  });

  it('libvirt XML validates with virt-xml-validate', {
    skip: skipWith(hasValidator ? false : 'virt-xml-validate not installed (Debian package libvirt-clients)'),
  }, () => {
    for (const s of SCENARIOS.filter((x) => x.formats.includes('libvirt'))) {
      const file = join(GOLDEN, `${s.name}.libvirt.xml`);
      const r = spawnSync('virt-xml-validate', [file, 'domain'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${file}: ${r.stderr}${r.stdout}`);
    }
  });
});
