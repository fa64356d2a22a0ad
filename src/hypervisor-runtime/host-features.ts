// The host as the catalogue sees it: hardware-feature keys decided from a host profile. PURE (the planner
// uses it; probe.ts attaches it to the profiles it writes).
import type { HostProfile } from './host.ts';
/**
 * The catalogue's hardware-feature keys (seed/curated/hardware-features.yaml) and how this runtime decides
 * each from a host profile. The detection values mirror the catalogue's (a test compares the two).
 */
export const HOST_FEATURE_DETECTION: {
  key: string;
  vendor: 'Intel' | 'AMD' | null;
  method: 'CPUINFO_FLAG' | 'SYSFS_PATH' | 'KVM_MODULE_PARAM';
  value: string;
}[] = [
  { key: 'vmx', vendor: 'Intel', method: 'CPUINFO_FLAG', value: 'vmx' },
  { key: 'svm', vendor: 'AMD', method: 'CPUINFO_FLAG', value: 'svm' },
  { key: 'ept', vendor: 'Intel', method: 'CPUINFO_FLAG', value: 'ept' },
  { key: 'npt', vendor: 'AMD', method: 'CPUINFO_FLAG', value: 'npt' },
  { key: 'vpid', vendor: 'Intel', method: 'CPUINFO_FLAG', value: 'vpid' },
  { key: 'apicv', vendor: 'Intel', method: 'KVM_MODULE_PARAM', value: '/sys/module/kvm_intel/parameters/enable_apicv' },
  { key: 'avic', vendor: 'AMD', method: 'CPUINFO_FLAG', value: 'avic' },
  { key: 'x2apic', vendor: null, method: 'CPUINFO_FLAG', value: 'x2apic' },
  { key: 'invtsc', vendor: null, method: 'CPUINFO_FLAG', value: 'constant_tsc+nonstop_tsc' },
  { key: 'vt-d', vendor: 'Intel', method: 'SYSFS_PATH', value: '/sys/class/iommu/dmar*' },
  { key: 'amd-vi', vendor: 'AMD', method: 'SYSFS_PATH', value: '/sys/class/iommu/ivhd*' },
  { key: 'sr-iov', vendor: null, method: 'SYSFS_PATH', value: '/sys/bus/pci/devices/*/sriov_totalvfs' },
  { key: 'sev', vendor: 'AMD', method: 'CPUINFO_FLAG', value: 'sev' },
  { key: 'sev-es', vendor: 'AMD', method: 'CPUINFO_FLAG', value: 'sev_es' },
  { key: 'sev-snp', vendor: 'AMD', method: 'CPUINFO_FLAG', value: 'sev_snp' },
  { key: 'tdx', vendor: 'Intel', method: 'CPUINFO_FLAG', value: 'tdx_host_platform' },
];

export interface HostFeatureReport {
  /** Catalogue keys the host has (and, for the IOMMU, has switched on). */
  present: string[];
  absent: string[];
  /** Keys the profile cannot decide, each with why. */
  undecided: { key: string; why: string }[];
}

/**
 * The host as the catalogue sees it: each hardware-feature key present, absent or undecided. PURE (reads the
 * profile only). The IOMMU counts as present when the kernel has it on (IOMMU groups exist): hardware with
 * VT-d/AMD-Vi switched off cannot assign devices either.
 */
export function hostFeatureReport(h: HostProfile): HostFeatureReport {
  const out: HostFeatureReport = { present: [], absent: [], undecided: [] };
  const cpuVendor = /intel/i.test(h.cpu.vendor) ? 'Intel' : /amd|hygon/i.test(h.cpu.vendor) ? 'AMD' : null;
  const x86 = h.arch === 'x86_64' || h.arch === 'i686';
  for (const f of HOST_FEATURE_DETECTION) {
    if (x86 && f.vendor && cpuVendor && f.vendor !== cpuVendor) {
      out.absent.push(f.key);
      continue;
    }
    if (f.method === 'CPUINFO_FLAG') {
      if (!h.cpu.flags.length) out.undecided.push({ key: f.key, why: 'the profile lists no CPU flags' });
      else if (f.value.split('+').every((x) => h.cpu.flags.includes(x))) out.present.push(f.key);
      else out.absent.push(f.key);
      continue;
    }
    if (f.key === 'vt-d' || f.key === 'amd-vi') {
      if (!cpuVendor) out.undecided.push({ key: f.key, why: `the CPU vendor (${h.cpu.vendor}) does not say which IOMMU it would be` });
      else if (h.iommu.enabled) out.present.push(f.key);
      else out.absent.push(f.key);
    } else if (f.key === 'sr-iov') {
      if (!h.pci.length) out.undecided.push({ key: f.key, why: 'the profile lists no PCI devices (sysfs not read)' });
      else if (h.pci.some((d) => (d.sriovTotalVfs ?? 0) > 0)) out.present.push(f.key);
      else out.absent.push(f.key);
    } else out.undecided.push({ key: f.key, why: `the profile does not record ${f.value}` });
  }
  return out;
}
