// examples/hosts/ ships a typical host for each hypervisor, so `plan --host examples/hosts/<name>.json`
// plans for VMware, Xen, Hyper-V, Cloud Hypervisor and Firecracker without a KVM profile standing in
// (which would plan for the wrong machine, or not at all: ESXi needs vmx+ept, the rust-vmm VMMs /dev/kvm).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import { loadHostProfile } from '../src/hypervisor-runtime/host.ts';
import { type Format, renderText } from '../src/hypervisor-runtime/render/index.ts';
import { parseSpec } from '../src/hypervisor-runtime/spec.ts';
import { FIXED_PROVENANCE, loadFacts } from './fixtures/runtime/load.ts';

const HOSTS = join(import.meta.dirname, '..', 'examples', 'hosts');

const TARGETS: { hypervisor: string; host: string; format: Format; kernel?: boolean; noKvm: boolean }[] = [
  { hypervisor: 'vmware', host: 'esxi-x86_64', format: 'vmx', noKvm: true },
  { hypervisor: 'xen', host: 'xen-x86_64', format: 'xl', noKvm: true },
  { hypervisor: 'hyperv', host: 'hyperv-x86_64', format: 'json', noKvm: true },
  { hypervisor: 'cloud-hypervisor', host: 'cloud-hypervisor-x86_64', format: 'cloud-hypervisor', noKvm: false },
  { hypervisor: 'firecracker', host: 'firecracker-x86_64', format: 'firecracker', kernel: true, noKvm: false },
];

describe('host profiles in examples/hosts', () => {
  it('every profile there is a valid host profile', () => {
    const files = readdirSync(HOSTS).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 8, files.join(', '));
    for (const f of files) assert.equal(loadHostProfile(join(HOSTS, f)).name, f.replace(/\.json$/, ''));
  });

  for (const t of TARGETS) {
    it(`${t.host}: a modern Linux plans and renders (${t.format}) for ${t.hypervisor}, with no QEMU or KVM of its own where the hypervisor has none`, () => {
      const host = loadHostProfile(join(HOSTS, `${t.host}.json`));
      assert.equal(host.qemu, null);
      assert.equal(host.kvm.usable, !t.noKvm);
      const spec = parseSpec({
        memory: 2048,
        disks: [{ path: '/vm/root.img' }],
        ...(t.kernel ? { boot: { kernel: '/vm/vmlinux' }, nics: [{ backend: 'tap', tap: 'tap0' }] } : {}),
      });
      const r = decide({ facts: loadFacts('debian11', t.hypervisor), provenance: FIXED_PROVENANCE, host, spec });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(r.plan.hypervisor.key, t.hypervisor);
      assert.equal(r.plan.host.name, t.host);
      assert.ok(renderText(r.plan, t.format).length > 100);
      // the TCG profile (no vmx, no /dev/kvm) is no stand-in for these hosts
      if (t.hypervisor !== 'xen') {
        const tcg = decide({
          facts: loadFacts('debian11', t.hypervisor),
          provenance: FIXED_PROVENANCE,
          host: loadHostProfile(join(HOSTS, 'tcg-x86_64.json')),
          spec,
        });
        assert.equal(tcg.ok ? 'planned' : tcg.error.code, 'ACCELERATION_UNAVAILABLE');
      }
    });
  }

  it('a Windows guest plans on the VMware, Xen and Hyper-V hosts', () => {
    for (const [hv, h, g] of [
      ['vmware', 'esxi-x86_64', 'win11'],
      ['xen', 'xen-x86_64', 'win10'],
      ['hyperv', 'hyperv-x86_64', 'win11'],
    ] as const) {
      const r = decide({
        facts: loadFacts(g, hv),
        provenance: FIXED_PROVENANCE,
        host: loadHostProfile(join(HOSTS, `${h}.json`)),
        spec: parseSpec({ memory: 4096, disks: [{ path: '/vm/root.img' }] }),
      });
      assert.ok(r.ok, `${g} on ${hv}: ${r.ok ? '' : r.error.message}`);
    }
  });
});
