// .ova = a tar archive (ustar, as DSP0243 requires; GNU and pax long names read too) whose first member
// is the .ovf descriptor. Only the descriptor is read, straight from the buffer; disks are never unpacked.
import { InspectError } from './errors.ts';

export interface TarMember {
  name: string;
  size: number;
  offset: number;
}

const text = (b: Buffer, from: number, len: number) => {
  const s = b.subarray(from, from + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul === -1 ? s.length : nul).toString('utf8');
};
const octal = (b: Buffer, from: number, len: number) => {
  const s = text(b, from, len).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
};

/** Regular-file members of a tar archive, in order. */
export function tarMembers(tar: Buffer): TarMember[] {
  const out: TarMember[] = [];
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((x) => x === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
    if (sum !== octal(header, 148, 8))
      throw new InspectError('UNREADABLE', `not a tar archive: bad header checksum at byte ${pos}`, { format: 'ovf' });
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = text(header, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    const data = pos + 512;
    if (data + size > tar.length)
      throw new InspectError('UNREADABLE', `tar member '${name}' runs past the end of the archive`, { format: 'ovf' });
    if (type === 'L') longName = text(tar, data, size);
    else if (type === 'x') {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(tar.subarray(data, data + size).toString('utf8'));
      if (path) longName = path[1];
    } else if (type === '0' || type === '\0') {
      name = name.replace(/^\.\//, '');
      out.push({ name, size, offset: data });
    }
    pos = data + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** The OVF descriptor inside an .ova: its name and text. */
export function ovaDescriptor(tar: Buffer): { name: string; text: string } {
  const ovf = tarMembers(tar).find((m) => m.name.toLowerCase().endsWith('.ovf'));
  if (!ovf) throw new InspectError('UNREADABLE', 'the .ova archive holds no .ovf descriptor', { format: 'ovf' });
  return { name: ovf.name, text: tar.subarray(ovf.offset, ovf.offset + ovf.size).toString('utf8') };
}
