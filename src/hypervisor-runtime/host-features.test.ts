// The host as the catalogue sees it: every hardware-feature key present, absent or undecided, with the
// catalogue's own detection rules; the planner holds the IOMMU requirement of passthrough to it.
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HOST_FEATURE_DETECTION, hostFeatureReport } from './host-features.ts';
import { host, ROOT } from '../../test/fixtures/runtime/load.ts';
import type { HostProfile } from './host.ts';
import { describeHost } from './probe.ts';

const KVM = host('kvm-x86_64');

describe('host feature keys', () => {
  it("the detection table is the catalogue's (seed/curated/hardware-features.yaml): same keys, methods and values", () => {
    const seed = parse(readFileSync(join(ROOT, 'seed', 'curated', 'hardware-features.yaml'), 'utf8')) as {
      features: { key: string; vendor: string; detectionMethod: string; detectionValue: string }[];
    };
    const fromSeed = seed.features.map((f) => `${f.key} ${f.detectionMethod} ${f.detectionValue}`).sort();
    const ours = HOST_FEATURE_DETECTION.map((f) => `${f.key} ${f.method} ${f.value}`).sort();
    assert.deepEqual(ours, fromSeed);
  });

  it('an Intel host with the IOMMU on and an SR-IOV NIC: vmx, ept, vt-d, sr-iov present; AMD keys absent; apicv undecided', () => {
    const r = hostFeatureReport(KVM);
    for (const k of ['vmx', 'ept', 'vt-d', 'sr-iov']) assert.ok(r.present.includes(k), k);
    for (const k of ['svm', 'npt', 'amd-vi', 'sev', 'sev-snp']) assert.ok(r.absent.includes(k), k);
    assert.deepEqual(
      r.undecided.map((u) => u.key),
      ['apicv'],
    );
    assert.equal(r.present.length + r.absent.length + r.undecided.length, HOST_FEATURE_DETECTION.length);
    assert.match(describeHost(KVM), /^features {5}.*vt-d.*\(catalogue keys\)$/m);
    assert.match(
      describeHost(KVM),
      /^ {2}undecided {2}apicv \(the profile does not record \/sys\/module\/kvm_intel\/parameters\/enable_apicv\)$/m,
    );
  });

  it('IOMMU off: vt-d absent; an AMD host with SEV-SNP flags: svm, sev, sev-es, sev-snp present, Intel keys absent; no PCI list: sr-iov undecided', () => {
    const off: HostProfile = { ...KVM, iommu: { enabled: false, groups: 0 } };
    assert.ok(hostFeatureReport(off).absent.includes('vt-d'));
    const amd: HostProfile = {
      ...KVM,
      pci: [],
      cpu: {
        ...KVM.cpu,
        vendor: 'AuthenticAMD',
        flags: ['svm', 'npt', 'sev', 'sev_es', 'sev_snp', 'x2apic', 'constant_tsc', 'nonstop_tsc'],
      },
    };
    const r = hostFeatureReport(amd);
    for (const k of ['svm', 'npt', 'sev', 'sev-es', 'sev-snp', 'amd-vi', 'invtsc']) assert.ok(r.present.includes(k), k);
    for (const k of ['vmx', 'ept', 'tdx', 'vt-d', 'apicv']) assert.ok(r.absent.includes(k), k);
    assert.deepEqual(r.undecided, [{ key: 'sr-iov', why: 'the profile lists no PCI devices (sysfs not read)' }]);
  });
});
