import { describe, expect, it } from 'vitest';
import { evidenceOf, type MatrixView, toCsv } from './matrix.ts';
import { fieldOf } from './vendor.ts';

describe('matrix cells', () => {
  it('grades the evidence behind a verdict', () => {
    expect(evidenceOf({ verdict: 'CERTIFIED', basis: 'RECORDS' })).toBe('certified');
    expect(evidenceOf({ verdict: 'CONFLICT', basis: 'RECORDS' })).toBe('conflict');
    expect(evidenceOf({ verdict: 'WORKS', basis: 'INHERITED_RECORDS' })).toBe('supported');
    expect(evidenceOf({ verdict: 'LIKELY', basis: 'CATALOGUE' })).toBe('derived');
  });
  it('writes CSV with quoting, and no cell a spreadsheet would run as a formula', () => {
    const v = {
      rows: [{ id: 'g', name: '=HYPERLINK("x")', shortId: null, family: null, vendor: null }],
      columns: [{ id: 'r', name: 'R', hypervisor: 'H', key: 'kvm:1' }],
      cells: [{ guest: 'g', release: 'r', level: 'WORKS', evidence: 'supported', basis: 'RECORDS', reasons: ['a, b', 'c'], records: [] }],
    } as unknown as MatrixView;
    expect(toCsv(v).split('\r\n')[1]).toBe(`g,"'=HYPERLINK(""x"")",r,kvm:1,WORKS,supported,RECORDS,"a, b | c"`);
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
