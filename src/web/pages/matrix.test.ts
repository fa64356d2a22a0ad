import { describe, expect, it } from 'vitest';
import { evidenceOf, type MatrixView, toCell, toCsv } from './matrix.ts';
import { fieldOf } from './vendor.ts';

describe('matrix cells', () => {
  it('grades the evidence behind a cell', () => {
    expect(evidenceOf({ level: 'CERTIFIED', basis: 'RECORD', evidenceLevel: 'VENDOR_CERTIFIED' })).toBe('vendor_certified');
    expect(evidenceOf({ level: 'CERTIFIED', basis: 'RECORD', evidenceLevel: 'GUEST_VENDOR_TESTED' })).toBe('guest_vendor_tested');
    expect(evidenceOf({ level: 'WORKS', basis: 'RECORD', evidenceLevel: 'USER_REPORTED' })).toBe('user_reported');
    expect(evidenceOf({ level: 'LIKELY', basis: 'RECORD', evidenceLevel: 'DERIVED' })).toBe('derived');
    expect(evidenceOf({ level: 'CONFLICT', basis: 'RECORD', evidenceLevel: 'VENDOR_CERTIFIED' })).toBe('conflict');
    expect(evidenceOf({ level: 'LIKELY', basis: 'DERIVED', evidenceLevel: null })).toBe('derived');
    expect(evidenceOf({ level: 'UNKNOWN', basis: 'UNKNOWN', evidenceLevel: null })).toBe('unknown');
  });
  it("lists every backend's level among a cell's reasons, and each record once", () => {
    const cell = toCell('g', 'r', {
      level: 'SUPPORTED',
      basis: 'RECORD',
      evidenceLevel: 'USER_REPORTED',
      reasons: ['best backend'],
      conflicts: [{ reason: 'a and b disagree' }],
      backends: [
        { backend: 'hyperv-gen2', level: 'SUPPORTED', basis: 'RECORD', evidenceLevel: 'USER_REPORTED', records: [{ id: 'r1' }] },
        { backend: 'hyperv-gen1', level: 'UNSUPPORTED', basis: 'DERIVED', evidenceLevel: null, records: [{ id: 'r1' }, { id: 'r2' }] },
      ],
    });
    expect(cell.evidence).toBe('user_reported');
    expect(cell.reasons).toEqual([
      'best backend',
      'conflict: a and b disagree',
      'backend hyperv-gen2: supported (user reported)',
      'backend hyperv-gen1: unsupported (derived)',
    ]);
    expect(cell.records).toEqual(['r1', 'r2']);
  });
  it('writes CSV with quoting, and no cell a spreadsheet would run as a formula', () => {
    const v = {
      rows: [{ id: 'g', name: '=HYPERLINK("x")', shortId: null, family: null, vendor: null }],
      columns: [{ id: 'r', name: 'R', hypervisor: 'H', key: 'kvm:1' }],
      cells: [
        { guest: 'g', release: 'r', level: 'WORKS', evidence: 'user_reported', basis: 'RECORD', reasons: ['a, b', 'c'], records: [] },
      ],
    } as unknown as MatrixView;
    expect(toCsv(v).split('\r\n')[1]).toBe(`g,"'=HYPERLINK(""x"")",r,kvm:1,WORKS,user_reported,RECORD,"a, b | c"`);
  });
});

describe('submission errors beside their fields', () => {
  it('maps input-error paths to form fields', () => {
    expect(fieldOf(['records', '0', 'hypervisorRelease'])).toBe('hypervisorRelease');
    expect(fieldOf(['records', '0', 'evidence', 'date'])).toBe('evidenceDate');
    expect(fieldOf(['records', '0', 'evidence'])).toBe('evidenceUrl');
    expect(fieldOf(['records', '0', 'testedDevices', '1'])).toBe('form');
  });
});
