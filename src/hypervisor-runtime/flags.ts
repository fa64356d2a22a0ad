// Paravirt feature keys → QEMU -cpu flags, and the Hyper-V enlightenments this planner turns on.

/** KVM PV feature keys (catalogue) → QEMU CPU property names. */
export const KVM_PV_QEMU_FLAG: Record<string, string> = {
  'kvm-clock': 'kvmclock',
  'kvm-asyncpf': 'kvm-asyncpf',
  'kvm-asyncpf-int': 'kvm-asyncpf-int',
  'kvm-steal-time': 'kvm-steal-time',
  'kvm-pv-eoi': 'kvm-pv-eoi',
  'kvm-pv-unhalt': 'kvm-pv-unhalt',
  'kvm-pv-tlb-flush': 'kvm-pv-tlb-flush',
  'kvm-pv-ipi': 'kvm-pv-ipi',
  'kvm-poll-control': 'kvm-poll-control',
  'kvm-pv-sched-yield': 'kvm-pv-sched-yield',
};

/**
 * Hyper-V enlightenments that need nothing beyond KVM and their dependencies (QEMU docs/system/i386/hyperv.rst).
 * Others (hv-evmcs: nested on Intel only; hv-syndbg: a debugger setup; hv-crash: turns guest crashes into
 * QEMU exits; hv-stimer-direct, hv-avic, hv-xmm-input, hv-tlbflush-ext/direct, hv-emsr-bitmap: host-kernel
 * specific) stay off unless a later rule asks for them.
 */
export const HYPERV_PLANNED = new Set([
  'hv-relaxed',
  'hv-vapic',
  'hv-spinlocks',
  'hv-time',
  'hv-vpindex',
  'hv-runtime',
  'hv-synic',
  'hv-stimer',
  'hv-reset',
  'hv-frequencies',
  'hv-reenlightenment',
  'hv-tlbflush',
  'hv-ipi',
]);
