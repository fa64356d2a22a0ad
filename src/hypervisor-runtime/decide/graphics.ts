import { PlanError, type Plan } from '../plan.ts';
import { type Ctx, because } from './context.ts';
import { byName } from './attach.ts';

export function decideGraphics(ctx: Ctx, family: 'kvm' | 'xen' | 'other'): Plan['graphics'] {
  const { spec, release, host } = ctx;
  const records = [release.id];
  if (spec.display === 'none')
    return { type: 'none', because: because('the spec asks for no display (serial console only)', 'graphics.from-spec', records) };
  if (spec.display === 'spice' || spec.display === 'vnc') {
    if (spec.display === 'spice' && family !== 'kvm')
      throw new PlanError('SPEC_CONFLICT', 'SPICE graphics', `SPICE is a QEMU/KVM protocol; ${release.name} offers VNC`, records);
    return { type: spec.display, because: because(`the spec asks for ${spec.display}`, 'graphics.from-spec', records) };
  }
  if (family === 'kvm') {
    const qxl = byName(release, 'qxl');
    const hasQxl = !!qxl && (!host.qemu || host.qemu.devices.includes(qxl.model));
    if (hasQxl)
      return {
        type: 'spice',
        because: because(
          `SPICE, virt-install's default, since ${host.qemu ? `${host.qemu.binary} has qxl-vga (built with SPICE)` : `${release.name} offers qxl`}`,
          'graphics.spice-default',
          records,
        ),
      };
    return {
      type: 'vnc',
      because: because(
        `VNC: ${host.qemu ? `${host.qemu.binary} has no qxl-vga (no SPICE)` : `${release.name} offers no qxl`}`,
        'graphics.vnc',
        records,
      ),
    };
  }
  return { type: 'vnc', because: because(`VNC console`, 'graphics.vnc', records) };
}
