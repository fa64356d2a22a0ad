// `inspect`: a VM's native configuration (.vmx, .ovf/.ova, libvirt domain XML, xl.cfg) → InspectedVm.
// inspectText is pure; inspectFile reads the file (and unpacks an .ova's descriptor).
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { InspectedVm, SourceFormat } from './types.ts';
import { InspectError } from './errors.ts';
import { inspectVmx } from './vmx.ts';
import { inspectOvf } from './ovf.ts';
import { ovaDescriptor } from './ova.ts';
import { inspectLibvirt } from './libvirt.ts';
import { inspectXl } from './xl.ts';

export type { InspectedVm, SourceFormat } from './types.ts';
export { InspectError } from './errors.ts';

export const SOURCE_FORMATS: readonly SourceFormat[] = ['vmx', 'ovf', 'libvirt', 'xl'];

const READERS: Record<SourceFormat, (text: string) => InspectedVm> = {
  vmx: inspectVmx,
  ovf: inspectOvf,
  libvirt: inspectLibvirt,
  xl: inspectXl,
};

/** The format a text is in, from its content: XML by its document element, else .vmx or xl by their keys. */
export function detectFormat(text: string): SourceFormat | undefined {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) {
    const root = /<(?![?!])([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(head.replace(/<!--[\s\S]*?-->/g, ''));
    if (root?.[2] === 'Envelope') return 'ovf';
    if (root?.[2] === 'domain') return 'libvirt';
    return undefined;
  }
  const keys = text
    .split(/\r?\n/)
    .map((l) => /^\s*([A-Za-z0-9_.:-]+)\s*\+?=/.exec(l)?.[1])
    .filter((k): k is string => k !== undefined);
  if (keys.length === 0) return undefined;
  // .vmx keys are dotted (scsi0.present) or mixed-case (guestOS); xl.cfg(5) defines no option with a dot.
  const vmxLike = keys.some((k) => /[A-Z:.]/.test(k) || /^(guestos|displayname|memsize|numvcpus)$/i.test(k));
  if (vmxLike) return 'vmx';
  if (keys.every((k) => /^[a-z][._0-9a-z]*$/.test(k))) return 'xl';
  return undefined;
}

const BY_EXTENSION: Record<string, SourceFormat> = { '.vmx': 'vmx', '.ovf': 'ovf', '.ova': 'ovf' };

export function inspectText(text: string, format?: SourceFormat): InspectedVm {
  const f = format ?? detectFormat(text);
  if (!f)
    throw new InspectError('UNKNOWN_FORMAT', 'not a .vmx, OVF descriptor, libvirt domain XML or xl.cfg file (give --format to say which)');
  return READERS[f](text);
}

/** Reads a file: by its extension (.vmx, .ovf, .ova), else by its content; `format` overrides both. */
export function inspectFile(path: string, format?: SourceFormat): InspectedVm {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new InspectError('UNREADABLE', (err as Error).message, { file: path });
  }
  const ext = extname(path).toLowerCase();
  const isTar = buf.length >= 512 && buf.subarray(257, 262).toString('latin1') === 'ustar';
  try {
    if (isTar || ext === '.ova') {
      if (format && format !== 'ovf') throw new InspectError('UNKNOWN_FORMAT', `an .ova archive holds OVF, not ${format}`);
      const d = ovaDescriptor(buf);
      try {
        const vm = inspectOvf(d.text);
        vm.notes.unshift(`read ${d.name} from the .ova archive`);
        return vm;
      } catch (err) {
        throw err instanceof InspectError ? err.inFile(`${basename(path)}:${d.name}`) : err;
      }
    }
    const text = buf.toString('utf8');
    return inspectText(text, format ?? BY_EXTENSION[ext]);
  } catch (err) {
    throw err instanceof InspectError && err.details.file === undefined ? err.inFile(basename(path)) : err;
  }
}

/** Human-readable summary, as `virtcompat inspect` prints it without --json. */
export function describeInspected(vm: InspectedVm): string {
  const L: string[] = [];
  L.push(`${vm.name ?? '(unnamed)'} (${vm.sourceFormat})`);
  const g = vm.guest;
  const guest = g.id ? `${g.id}` : g.candidates.length ? `one of ${g.candidates.join(', ')}` : 'not mapped';
  L.push(`  guest:     ${g.native ?? '(not named)'} → ${guest}`);
  L.push(`  firmware:  ${vm.firmware}${vm.secureBoot ? ', Secure Boot' : ''}${vm.tpm ? ', TPM' : ''}`);
  L.push(`  cpus:      ${vm.cpus}`);
  L.push(`  memory:    ${vm.memoryMiB} MiB`);
  if (vm.platform && Object.keys(vm.platform).length)
    L.push(
      `  platform:  ${Object.entries(vm.platform)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  L.push(`  disks:     ${vm.disks.length === 0 ? 'none' : ''}`);
  for (const d of vm.disks) {
    const where = [d.bus, d.controllerModel].filter(Boolean).join(' ');
    L.push(
      `    ${d.device} ${where}${d.address ? ` ${d.address}` : ''}: ${d.path ?? '(empty)'}${d.format ? ` [${d.format}]` : ''}${d.bootOrder ? ` boot ${d.bootOrder}` : ''}`,
    );
  }
  L.push(`  nics:      ${vm.nics.length === 0 ? 'none' : ''}`);
  for (const n of vm.nics) {
    L.push(
      `    ${n.model ?? '(model not named)'} ${n.mac ?? '(no MAC)'}${n.macSource ? ` (${n.macSource})` : ''}${n.network ? ` on ${n.network}` : ''}`,
    );
  }
  if (vm.notes.length) {
    L.push('  notes:');
    for (const n of vm.notes) L.push(`    - ${n}`);
  }
  if (vm.unknown.length) {
    L.push(`  not interpreted (${vm.unknown.length}):`);
    for (const u of vm.unknown) L.push(`    ${u.line === undefined ? '' : `${u.line}: `}${u.key}${u.value ? ` = ${u.value}` : ''}`);
  }
  return L.join('\n');
}
