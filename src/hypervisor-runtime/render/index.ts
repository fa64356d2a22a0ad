// One entry for the CLI: plan + format → text.
import type { Plan } from '../plan.ts';
import { renderCloudHypervisor } from './cloud-hypervisor.ts';
import { renderFirecracker } from './firecracker.ts';
import { renderHypervPs } from './hyperv.ts';
import { renderLibvirt } from './libvirt.ts';
import { renderQemu, type QemuRenderOptions } from './qemu.ts';
import { renderVmx } from './vmware.ts';
import { renderXl } from './xen.ts';
import { at } from '../../util/must.ts';

export { RenderError } from './common.ts';
export { renderQemu, renderLibvirt, renderXl, renderVmx, renderCloudHypervisor, renderFirecracker, renderHypervPs };

export const FORMATS = ['json', 'qemu', 'libvirt', 'xl', 'vmx', 'cloud-hypervisor', 'firecracker', 'hyperv-ps'] as const;
export type Format = (typeof FORMATS)[number];

/** Shell-quotes one argv word for display (the renderers themselves return arrays). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\-+=/.,:@%]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** argv as a readable shell command: one option and its value per line. */
export function formatCommand(binary: string, args: string[]): string {
  const lines: string[] = [shellQuote(binary)];
  for (let i = 0; i < args.length; i++) {
    const a = at(args, i);
    const next = args[i + 1];
    if (a.startsWith('-') && next !== undefined && !next.startsWith('-')) {
      lines.push(`${shellQuote(a)} ${shellQuote(next)}`);
      i++;
    } else lines.push(shellQuote(a));
  }
  return lines.join(' \\\n  ') + '\n';
}

export function renderText(plan: Plan, format: Format, qemuOpts: QemuRenderOptions = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(plan, null, 2) + '\n';
    case 'qemu': {
      const cmd = renderQemu(plan, qemuOpts);
      return formatCommand(cmd.binary, cmd.args);
    }
    case 'libvirt':
      return renderLibvirt(plan);
    case 'xl':
      return renderXl(plan);
    case 'vmx':
      return renderVmx(plan);
    case 'cloud-hypervisor': {
      const cmd = renderCloudHypervisor(plan);
      return formatCommand(cmd.binary, cmd.args);
    }
    case 'firecracker':
      return renderFirecracker(plan);
    case 'hyperv-ps':
      return renderHypervPs(plan);
  }
}
