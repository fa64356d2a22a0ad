import { describe, it, expect } from 'vitest';
import { detectFormat, inspectText } from './index.ts';

describe('format detection by content', () => {
  it('XML by its document element, .vmx by dotted or mixed-case keys, xl by lower-case ones', () => {
    expect(detectFormat('<?xml version="1.0"?>\n<!-- exported -->\n<ovf:Envelope xmlns:ovf="x"/>')).toBe('ovf');
    expect(detectFormat("<domain type='kvm'><name>a</name></domain>")).toBe('libvirt');
    expect(detectFormat('<html/>')).toBeUndefined();
    expect(detectFormat('scsi0.present = "TRUE"\n')).toBe('vmx');
    expect(detectFormat('displayName = "x"\n')).toBe('vmx');
    expect(detectFormat('name = "x"\nmemory = 512\ndisk = [ "a,raw,xvda" ]\n')).toBe('xl');
    expect(detectFormat('hello world\n')).toBeUndefined();
  });

  it('an explicit format wins over the content', () => {
    expect(() => inspectText('memory = 512\n', 'vmx')).not.toThrow();
    expect(inspectText('memory = 512\n', 'vmx').unknown).toEqual([{ key: 'memory', value: '512', line: 1 }]);
    expect(() => inspectText('hello world\n')).toThrow(/not a \.vmx, OVF descriptor, libvirt domain XML or xl\.cfg file/);
  });
});
