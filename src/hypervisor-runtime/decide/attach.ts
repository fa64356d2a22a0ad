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

/**
 * The spec's disk image is in a format the hypervisor does not run: the plan's disk becomes `<image><ext>` beside
 * it (the image's extension replaced), and `disk.convertFrom` plus a warning say how to make it with
 * `qemu-img convert`. CD-ROM images are used as they are. `after` adds a step to the warning.
 */
export function convertDisk(ctx: Ctx, dev: PlannedDevice, format: 'vmdk' | 'raw' | 'vhdx', ext: string, after?: (to: string) => string) {
  const disk = dev.disk;
  // a block device (/dev/...) is the host's disk itself, not an image to convert
  if (!disk || dev.role !== 'disk' || disk.format === format || disk.source.startsWith('/dev/')) return;
  const from = disk.source;
  const to = /\.(qcow2|raw|img|vmdk|vhdx)$/i.test(from) ? from.replace(/\.[^.]+$/, ext) : `${from}${ext}`;
  const argv = ['qemu-img', 'convert', '-f', disk.format, '-O', format, from, to];
  disk.convertFrom = { path: from, format: disk.format, argv };
  disk.source = to;
  disk.format = format;
  ctx.warnings.push(
    `${dev.id}: ${ctx.release.name} runs ${format === 'raw' ? 'raw' : format.toUpperCase()} disks; convert ${from} first: ${argv.join(' ')}${after ? ` (${after(to)})` : ''}`,
  );
}

/** A supported release device by key (DEVICE_KEYS), model or device name. */
export function byName(rel: HypervisorReleaseFacts, key: string): ReleaseDeviceFact | undefined {
  return rel.devices.find((d) => d.supported && matchesKey(d, key));
}
