import { compareVersions } from '../facts.ts';
import { type ParavirtChoice } from '../plan.ts';
import { type Ctx, because } from './context.ts';

/** Paravirt features both sides support, closed under dependencies (a feature whose dependency is off is off). */
export function paravirtChoices(
  ctx: Ctx,
  family: 'KVM' | 'HYPERV' | 'XEN',
  allowed: ((key: string) => string | null) | null,
): ParavirtChoice[] {
  const offered = ctx.release.paravirt.filter(
    (p) => p.supported && p.feature.family === family && (p.feature.kind === 'FEATURE' || p.feature.kind === 'ENLIGHTENMENT'),
  );
  const guestPv = new Map(ctx.guest.paravirt.map((p) => [p.feature.key, p]));
  const out = new Map<string, ParavirtChoice>();
  for (const p of offered) {
    const g = guestPv.get(p.feature.key);
    const records = [ctx.guest.id, ctx.release.id];
    if (!g) {
      out.set(p.feature.key, {
        key: p.feature.key,
        family,
        enabled: false,
        because: because(`no record that ${ctx.label} uses ${p.feature.key}`, 'paravirt.guest-unknown', records),
      });
      continue;
    }
    if (!g.supported) {
      out.set(p.feature.key, {
        key: p.feature.key,
        family,
        enabled: false,
        because: because(
          `the catalogue says ${ctx.label} does not use ${p.feature.key}${g.notes ? ` (${g.notes})` : ''}`,
          'paravirt.guest-unsupported',
          records,
        ),
      });
      continue;
    }
    if (g.minKernel && ctx.guest.kernel && compareVersions(ctx.guest.kernel, g.minKernel) < 0) {
      out.set(p.feature.key, {
        key: p.feature.key,
        family,
        enabled: false,
        because: because(
          `${p.feature.key} needs kernel ${g.minKernel}; ${ctx.label} ships ${ctx.guest.kernel}`,
          'paravirt.min-kernel',
          records,
        ),
      });
      continue;
    }
    const block = allowed?.(p.feature.key) ?? null;
    if (block) {
      out.set(p.feature.key, { key: p.feature.key, family, enabled: false, because: because(block, 'paravirt.host-limits', records) });
      continue;
    }
    out.set(p.feature.key, {
      key: p.feature.key,
      family,
      enabled: true,
      because: because(
        `${ctx.label} uses ${p.feature.key}${g.minKernel ? ` (since kernel ${g.minKernel})` : ''} and ${ctx.release.name} offers it`,
        'paravirt.both-support',
        records,
      ),
    });
  }
  // dependency closure
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of out.values()) {
      if (!c.enabled) continue;
      const deps = offered.find((p) => p.feature.key === c.key)?.feature.dependsOn ?? [];
      const off = deps.filter((d) => !out.get(d)?.enabled);
      if (off.length) {
        c.enabled = false;
        c.because = because(
          `${c.key} needs ${off.join(', ')}, which ${off.length > 1 ? 'are' : 'is'} off`,
          'paravirt.dependency',
          c.because.records,
        );
        changed = true;
      }
    }
  }
  return [...out.values()];
}

export function guestSupportsPv(ctx: Ctx, key: string): boolean {
  return ctx.guest.paravirt.some((p) => p.feature.key === key && p.supported);
}
