// Data lint for the shipped guest-name tables: no dangling catalogue id, no VMware key outside VMware's
// table, and the osinfo URI → short id rule reproduces every osinfo-db entry.
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CIM_OS_TYPES, osinfoShortId, VMX_GUEST_IDS, VMX_VIM_KEYS } from './guest-names.ts';
import { guestFromCim, guestFromVim, guestFromVmx } from './guest.ts';

const OSINFO = '/usr/share/osinfo/os';
const SEED = join(import.meta.dirname, '../../../seed/curated/guests');
const haveOsinfo = existsSync(OSINFO);

/** osinfo-db entries: id and short ids, read with a regex (the files are osinfo-db's own, one <os> each). */
function osinfoEntries(): { id: string; shortIds: string[] }[] {
  const out: { id: string; shortIds: string[] }[] = [];
  for (const vendor of readdirSync(OSINFO)) {
    for (const f of readdirSync(join(OSINFO, vendor)).filter((n) => n.endsWith('.xml'))) {
      const text = readFileSync(join(OSINFO, vendor, f), 'utf8');
      for (const m of text.matchAll(/<os id="([^"]+)">([\s\S]*?)<\/os>/g)) {
        out.push({ id: m[1] ?? '', shortIds: [...(m[2] ?? '').matchAll(/<short-id>([^<]+)<\/short-id>/g)].map((s) => s[1] ?? '') });
      }
    }
  }
  return out;
}

function catalogueShortIds(): Set<string> {
  const ids = new Set(osinfoEntries().flatMap((e) => e.shortIds));
  for (const f of readdirSync(SEED).filter((n) => n.endsWith('.yaml'))) {
    const doc = parse(readFileSync(join(SEED, f), 'utf8')) as { guests?: { shortIds?: string[] }[] };
    for (const g of doc.guests ?? []) for (const s of g.shortIds ?? []) ids.add(s);
  }
  return ids;
}

describe('guest-name tables', () => {
  it('every .vmx key mapped to catalogue ids is one of VMware’s guestOS keys', () => {
    const vmx = new Set(VMX_VIM_KEYS.map(([k]) => k.toLowerCase()));
    expect(Object.keys(VMX_GUEST_IDS).filter((k) => !vmx.has(k))).toEqual([]);
    const templates = Object.values(CIM_OS_TYPES).flatMap((t) => (t.vmx && !t.vmx.includes('{v}') ? [t.vmx] : []));
    expect(templates.filter((k) => !vmx.has(k))).toEqual([]);
  });

  it.skipIf(!haveOsinfo)('every catalogue id in the tables is an osinfo-db or curated-seed short id (needs osinfo-db)', () => {
    const known = catalogueShortIds();
    const used = [...Object.values(VMX_GUEST_IDS).flat(), ...Object.values(CIM_OS_TYPES).flatMap((t) => t.ids ?? [])];
    expect(used.filter((id) => !known.has(id))).toEqual([]);
  });

  it.skipIf(!haveOsinfo)('osinfoShortId gives a short id of every osinfo-db entry (needs osinfo-db)', () => {
    const entries = osinfoEntries();
    expect(entries.length).toBeGreaterThan(500);
    const wrong = entries.filter((e) => !e.shortIds.includes(osinfoShortId(e.id) ?? '')).map((e) => `${e.id} → ${osinfoShortId(e.id)}`);
    expect(wrong).toEqual([]);
  });

  it('resolves by VMware key (any case), vSphere guest id and CIM code alike', () => {
    expect(guestFromVmx('Windows9-64').guest).toEqual({ native: 'Windows9-64', id: 'win10', candidates: ['win10'] });
    expect(guestFromVim('windows9_64Guest').guest.id).toBe('win10');
    expect(guestFromVmx('debian11-64').guest.id).toBe('debian11');
    expect(guestFromVmx('rhel8-64').guest.id).toBe('rhel8-unknown');
    expect(guestFromCim(96, '11').guest.id).toBe('debian11');
    expect(guestFromCim(115, undefined).guest.id).toBe('win2k12r2');
    const amb = guestFromVmx('ubuntu-64');
    expect(amb.guest.id).toBeUndefined();
    expect(amb.guest.candidates.length).toBeGreaterThan(1);
    expect(guestFromVmx('no-such-os').notes[0]).toMatch(/not in VMware's guest OS table/);
  });
});
