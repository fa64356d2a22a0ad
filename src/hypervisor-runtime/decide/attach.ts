// Spec disks and NICs attached to the devices the matcher (../devices.ts) chose.
import type { HypervisorReleaseFacts, ReleaseDeviceFact } from '../facts.ts';
import { macFor, matchesKey } from '../devices.ts';
import { type PlannedDevice } from '../plan.ts';
import { type DiskSpec, type NicSpec, type VmSpec } from '../spec.ts';
import { type Ctx } from './context.ts';

export function nicSpecs(spec: VmSpec): NicSpec[] {
  return spec.nics ?? [{ backend: 'user', prefer: 'auto' }];
}

export function diskSpecs(spec: VmSpec): DiskSpec[] {
  return spec.disks ?? [];
}

export function diskFormat(d: DiskSpec): 'raw' | 'qcow2' | 'vmdk' | 'vhdx' {
  if (d.format) return d.format;
  const ext = d.path.split('.').pop()?.toLowerCase();
  if (ext === 'qcow2' || ext === 'vmdk' || ext === 'vhdx') return ext;
  return 'raw';
}

export function attachDisk(dev: PlannedDevice, d: DiskSpec, index: number, bootIndex: number | null) {
  dev.disk = { source: d.path, format: diskFormat(d), readonly: d.readonly || d.device === 'cdrom', bootIndex, sizeBytes: d.size ?? null };
  void index;
}

export function attachNic(ctx: Ctx, dev: PlannedDevice, n: NicSpec, index: number, oui: string) {
  dev.nic = {
    backend: n.backend,
    bridge: n.bridge ?? null,
    tap: n.tap ?? null,
    mac: (n.mac ?? macFor(oui, ctx.name, index)).toLowerCase(),
  };
}

/** A supported release device by key (DEVICE_KEYS), model or device name. */
export function byName(rel: HypervisorReleaseFacts, key: string): ReleaseDeviceFact | undefined {
  return rel.devices.find((d) => d.supported && matchesKey(d, key));
}
