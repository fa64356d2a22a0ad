import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectXl, parseDiskSpec, parseXl } from './xl.ts';

const FIX = join(import.meta.dirname, '../../../test/fixtures/inspect');
const fixture = (f: string) => inspectXl(readFileSync(join(FIX, f), 'utf8'));

describe('xl.cfg grammar (libxlu_cfg_l.l / libxlu_cfg_y.y)', () => {
  it('strings in either quote, numbers, lists across lines with a trailing comma, `;`, comments, +=', () => {
    const s = parseXl(`# a comment
name = 'g1' ; memory = 0x400
disk = [ "a,raw,xvda",   # first
         'b,raw,xvdb', ]
disk += [ "c,raw,xvdc" ]
extra = "root=/dev/xvda1 \\"quoted\\""
`);
    expect(s.get('name')).toEqual({ key: 'name', value: 'g1', line: 2 });
    expect(s.get('memory')?.value).toBe('0x400');
    expect(s.get('disk')).toEqual({ key: 'disk', value: ['a,raw,xvda', 'b,raw,xvdb', 'c,raw,xvdc'], line: 3 });
    expect(s.get('extra')?.value).toBe('root=/dev/xvda1 "quoted"');
  });

  it('errors name the line', () => {
    expect(() => parseXl('name = "a"\nmemory = 512\nvcpus 2\n')).toThrow(/^line 3: expected '=' after 'vcpus', found '2'/);
    expect(() => parseXl('name = "unterminated\n')).toThrow(/^line 1: unterminated string/);
    expect(() => parseXl('disk = [ "a",\n  "b"\n  "c" ]\n')).toThrow(/^line 3: expected ',' or ']' in a list/);
    expect(() => parseXl('Name = "x"\n')).toThrow(/^line 1: expected a setting name, found 'N'/);
    expect(() => parseXl('memory = 512 MB\n')).toThrow(/^line 1: unexpected 'M' after the value of 'memory'/);
  });
});

describe('xl disk specs (xl-disk-configuration(5))', () => {
  it('the document’s equivalent forms read alike', () => {
    const forms = [
      '/dev/vg/guest-volume,,hda',
      '/dev/vg/guest-volume,raw,hda,rw',
      'format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume',
    ];
    for (const f of forms) expect(parseDiskSpec(f)).toMatchObject({ target: '/dev/vg/guest-volume', vdev: 'hda' });
    expect(parseDiskSpec(forms[2] ?? '')).toEqual({ format: 'raw', vdev: 'hda', access: 'rw', target: '/dev/vg/guest-volume' });
    for (const f of ['/root/image.iso,,hdc,cdrom', '/root/image.iso,,hdc,,cdrom', '/root/image.iso,raw,hdc,devtype=cdrom'])
      expect(parseDiskSpec(f)).toMatchObject({ target: '/root/image.iso', vdev: 'hdc', devtype: 'cdrom' });
  });

  it('the deprecated syntax: format and ignored prefixes, then vdev[:devtype] and access; xend’s empty CD-ROM', () => {
    expect(parseDiskSpec('raw:/dev/vg/guest-volume,hda,w')).toEqual({
      format: 'raw',
      target: '/dev/vg/guest-volume',
      vdev: 'hda',
      access: 'w',
    });
    expect(parseDiskSpec('raw:/root/image.iso,hdc:cdrom,ro')).toEqual({
      format: 'raw',
      target: '/root/image.iso',
      vdev: 'hdc',
      devtype: 'cdrom',
      access: 'ro',
    });
    expect(parseDiskSpec('tap:aio:qcow2:/images/a.qcow2,xvda,w')).toEqual({
      format: 'qcow2',
      target: '/images/a.qcow2',
      vdev: 'xvda',
      access: 'w',
    });
    expect(parseDiskSpec('phy:/dev/sdb,xvdb,w')).toEqual({ target: '/dev/sdb', vdev: 'xvdb', access: 'w' });
    expect(parseDiskSpec(',hdc:cdrom,r')).toEqual({ format: 'empty', vdev: 'hdc', devtype: 'cdrom', access: 'r' });
    const empty = inspectXl('builder = "hvm"\nmemory = 512\ndisk = [ ",hdc:cdrom,r" ]\n').disks;
    expect(empty).toEqual([{ device: 'cdrom', bus: 'ide', address: 'hdc', path: null }]);
  });

  it('target= takes the rest of the spec, commas included', () => {
    expect(parseDiskSpec('vdev=xvda, target=/images/a,b.img')).toEqual({ vdev: 'xvda', target: '/images/a,b.img' });
  });
});

describe('xl.cfg files from Xen and libvirt', () => {
  it('xlexample.hvm: type hvm, positional disk on xvda, a vif with no model (rtl8139 noted)', () => {
    const vm = fixture('xl-xlexample.hvm');
    expect(vm).toMatchObject({
      sourceFormat: 'xl',
      name: 'example.hvm',
      cpus: 2,
      memoryMiB: 128,
      firmware: 'bios',
      platform: { type: 'hvm' },
    });
    expect(vm.disks).toEqual([{ device: 'disk', bus: 'xen', address: 'xvda', path: '/dev/vg/guest-volume', format: 'raw' }]);
    expect(vm.nics).toEqual([{ mac: null }]);
    expect(vm.notes.some((n) => /rtl8139/.test(n))).toBe(true);
    expect(vm.unknown).toContainEqual({ key: 'sdl', value: '1', line: 46 });
  });

  it('xlexample.pvlinux: no type= is PV; NICs are netfront', () => {
    const vm = fixture('xl-xlexample.pvlinux');
    expect(vm.platform).toEqual({ type: 'pv' });
    expect(vm.nics[0]?.model).toBe('netfront');
    expect(fixture('xl-xlexample.pvhlinux').platform).toEqual({ type: 'pvh' });
  });

  it('legacy builder = "hvm" with bios = "ovmf" is UEFI; key=value disks on IDE with a CD-ROM; the vif’s model and MAC', () => {
    const vm = fixture('xl-libvirt-fullvirt-ovmf.cfg');
    expect(vm).toMatchObject({ firmware: 'uefi', memoryMiB: 394, platform: { type: 'hvm', bios: 'ovmf', viridian: '0' } });
    // boot = "d": the CD-ROM first.
    expect(vm.disks.map((d) => d.bootOrder)).toEqual([undefined, undefined, 1]);
    expect(vm.disks.map((d) => [d.device, d.bus, d.address, d.format, d.path])).toEqual([
      ['disk', 'ide', 'hda', 'raw', '/dev/HostVG/XenGuest2'],
      ['disk', 'ide', 'hdb', 'qcow2', '/var/lib/libvirt/images/XenGuest2-home'],
      ['cdrom', 'ide', 'hdc', 'raw', '/root/boot.iso'],
    ]);
    expect(vm.nics).toEqual([{ model: 'e1000', mac: '00:16:3e:66:92:9c', macSource: 'static', network: 'xenbr1' }]);
  });

  it('positional disk specs with flags read as the key=value ones', () => {
    const a = fixture('xl-libvirt-disk-positional.cfg').disks;
    const b = fixture('xl-libvirt-fullvirt-ovmf.cfg').disks;
    expect(a).toEqual(b);
  });

  it('type = "pv" with a direct kernel: no disks; kernel, maxmem and every other uninterpreted key listed', () => {
    const vm = fixture('xl-libvirt-paravirt-type.cfg');
    expect(vm.platform).toEqual({ type: 'pv' });
    expect(vm.unknown.map((u) => u.key)).toEqual([
      'uuid',
      'maxmem',
      'localtime',
      'on_poweroff',
      'on_reboot',
      'on_crash',
      'kernel',
      'ramdisk',
      'cmdline',
    ]);
  });

  it('vtpm makes tpm true; a disk without vdev is an error naming the disk line', () => {
    expect(inspectXl('memory = 512\nvtpm = [ "backend=domu-vtpm" ]\n').tpm).toBe(true);
    expect(() => inspectXl('memory = 512\n\ndisk = [ "/a.img,raw" ]\n')).toThrow(/^line 3: disk spec '\/a.img,raw' names no vdev/);
    expect(() => inspectXl('type = "hvmm"\n')).toThrow(/^line 1: type must be pv, pvh or hvm/);
  });
});
