// Resolves a native guest-OS name to catalogue short ids through the shipped tables in guest-names.ts. PURE.
import type { InspectedGuest } from './types.ts';
import { CIM_OS_TYPES, osinfoShortId, VMX_GUEST_IDS, VMX_VIM_KEYS } from './guest-names.ts';

export interface ResolvedGuest {
  guest: InspectedGuest;
  notes: string[];
}

const VIM_TO_VMX = new Map(VMX_VIM_KEYS.map(([vmx, vim]) => [vim.toLowerCase(), vmx.toLowerCase()]));
const KNOWN_VMX = new Set(VMX_VIM_KEYS.map(([vmx]) => vmx.toLowerCase()));

function fromIds(native: string, ids: readonly string[], what: string): ResolvedGuest {
  const candidates = [...ids];
  if (candidates.length === 1) return { guest: { native, id: candidates[0], candidates }, notes: [] };
  if (candidates.length > 1)
    return { guest: { native, candidates }, notes: [`${what} '${native}' could be any of ${candidates.join(', ')}: choose one`] };
  return { guest: { native, candidates }, notes: [`${what} '${native}' maps to no catalogue guest`] };
}

/** A `.vmx` guestOS value (case-insensitive, as VMware reads it). */
export function guestFromVmx(native: string): ResolvedGuest {
  const key = native.toLowerCase();
  const ids = VMX_GUEST_IDS[key];
  if (ids) return fromIds(native, ids, 'VMware guestOS');
  const r = fromIds(native, [], 'VMware guestOS');
  if (!KNOWN_VMX.has(key)) r.notes = [`VMware guestOS '${native}' is not in VMware's guest OS table (open-vm-tools guest_os_tables.h)`];
  return r;
}

/** A vSphere guest id (OVF vmw:osType, e.g. rhel8_64Guest). */
export function guestFromVim(native: string): ResolvedGuest {
  const vmx = VIM_TO_VMX.get(native.toLowerCase());
  if (!vmx) return { guest: { native, candidates: [] }, notes: [`vSphere guest id '${native}' is not in VMware's guest OS table`] };
  const r = fromIds(native, VMX_GUEST_IDS[vmx] ?? [], 'vSphere guest id');
  return r;
}

/** An OVF OperatingSystemSection: CIM OSType code and optional ovf:version. */
export function guestFromCim(code: number, version: string | undefined): ResolvedGuest {
  const native = version ? `CIM OSType ${code} version ${version}` : `CIM OSType ${code}`;
  const t = CIM_OS_TYPES[code];
  if (!t)
    return {
      guest: { native, candidates: [] },
      notes: [`OVF OperatingSystemSection ovf:id ${code} is not a CIM OSType code this reader maps`],
    };
  const named = `${native} (${t.name})`;
  if (t.ids) return fromIds(named, t.ids, 'OVF');
  const vmx = t.vmx ?? '';
  if (vmx.includes('{v}')) {
    const major = version?.split('.')[0];
    if (!major) return { guest: { native: named, candidates: [] }, notes: [`OVF ${named} gives no ovf:version: the release is unknown`] };
    const key = vmx.replace('{v}', major);
    return fromIds(named, VMX_GUEST_IDS[key] ?? [], 'OVF');
  }
  return fromIds(named, VMX_GUEST_IDS[vmx] ?? [], 'OVF');
}

/** An osinfo-db id, as libvirt's libosinfo metadata carries it; the catalogue's own ids are these URIs. */
export function guestFromOsinfo(uri: string): ResolvedGuest {
  const short = osinfoShortId(uri);
  if (!short) return { guest: { native: uri, uri, candidates: [] }, notes: [`libosinfo id '${uri}' is not an osinfo-db URI`] };
  return { guest: { native: uri, uri, id: short, candidates: [short] }, notes: [] };
}
