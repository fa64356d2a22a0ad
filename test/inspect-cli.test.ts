// `virtcompat inspect FILE` on every real configuration in test/fixtures/inspect: the JSON it prints has
// the InspectedVm shape (src/hypervisor-runtime/inspect/types.ts) and says what the file says; the human
// output names the same facts; a malformed file exits 2 naming its line; no service or database is touched.
import { describe, it, expect, afterAll } from 'vitest';
import { readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.ts';
import { tempDir } from './import-support.ts';
import type { InspectedVm } from '../src/hypervisor-runtime/inspect/types.ts';

const FIX = join(import.meta.dirname, 'fixtures/inspect');
const tmp = tempDir('vc-inspect-');
// Nothing listens here and DATA_DIR stays empty: inspect must need neither.
const env = { DATA_DIR: join(tmp.dir, 'data'), VIRTCOMPAT_SERVICE: 'http://127.0.0.1:9/graphql' };

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b) => (out += b));
  stderr.on('data', (b) => (err += b));
  const code = await main(argv, { stdout, stderr, env, cwd: tmp.dir });
  return { code, stdout: out, stderr: err };
}

const FIXTURES = readdirSync(FIX).filter((f) => f !== 'README.md');
const FORMAT: Record<string, InspectedVm['sourceFormat']> = { vmx: 'vmx', ovf: 'ovf', ova: 'ovf', libvirt: 'libvirt', xl: 'xl' };

function expectShape(vm: InspectedVm) {
  expect(Object.keys(vm).sort()).toEqual(
    expect.arrayContaining([
      'sourceFormat',
      'guest',
      'firmware',
      'secureBoot',
      'tpm',
      'cpus',
      'memoryMiB',
      'disks',
      'nics',
      'unknown',
      'notes',
    ]),
  );
  expect(['bios', 'uefi']).toContain(vm.firmware);
  expect(vm.cpus).toBeGreaterThan(0);
  expect(vm.memoryMiB).toBeGreaterThan(0);
  expect(Array.isArray(vm.guest.candidates)).toBe(true);
  if (vm.guest.id) expect(vm.guest.candidates).toEqual([vm.guest.id]);
  for (const d of vm.disks) expect(['disk', 'cdrom', 'floppy']).toContain(d.device);
  for (const n of vm.nics) if (n.mac) expect(n.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
}

describe('virtcompat inspect', () => {
  afterAll(() => tmp.cleanup());

  it('has a fixture of every format, each named in the fixtures README', async () => {
    const kinds = new Set(FIXTURES.map((f) => f.split('-')[0]));
    expect([...kinds].sort()).toEqual(['libvirt', 'ova', 'ovf', 'vmx', 'xl']);
    const readme = (await import('node:fs')).readFileSync(join(FIX, 'README.md'), 'utf8');
    expect(FIXTURES.filter((f) => !readme.includes(`\`${f}\``))).toEqual([]);
  });

  for (const f of FIXTURES) {
    it(`--json on ${f}`, async () => {
      const r = await run(['inspect', join(FIX, f), '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const vm = JSON.parse(r.stdout) as InspectedVm;
      expect(vm.sourceFormat).toBe(FORMAT[f.split('-')[0] ?? '']);
      expectShape(vm);
    });
  }

  it('every NIC and SCSI controller model is one of libvirt’s words for the device', async () => {
    // libvirt formatdomain.html: NIC model names (libvirt's vmx driver's vlance/vmxnet/vmxnet2/vmxnet3, Xen's
    // netfront, QEMU's e1000/e1000e/rtl8139/virtio, and pcnet as virtinst devices/interface.py writes it);
    // SCSI controller models (auto, buslogic, ibmvscsi, lsilogic, lsisas1068, lsisas1078, virtio-scsi, vmpvscsi).
    const NIC = new Set(['netfront', 'rtl8139', 'virtio', 'e1000', 'e1000e', 'vlance', 'vmxnet', 'vmxnet2', 'vmxnet3', 'pcnet']);
    const SCSI = new Set(['buslogic', 'lsilogic', 'lsisas1068', 'lsisas1078', 'virtio-scsi', 'vmpvscsi', 'ibmvscsi']);
    const nics = new Set<string>();
    const scsi = new Set<string>();
    for (const f of FIXTURES) {
      const vm = JSON.parse((await run(['inspect', join(FIX, f), '--json'])).stdout) as InspectedVm;
      for (const n of vm.nics) if (n.model) nics.add(n.model);
      for (const d of vm.disks) if (d.controllerModel) scsi.add(d.controllerModel);
    }
    expect([...nics].filter((m) => !NIC.has(m))).toEqual([]);
    expect([...scsi].filter((m) => !SCSI.has(m))).toEqual([]);
    expect(nics.size).toBeGreaterThanOrEqual(6);
    expect(scsi.size).toBeGreaterThanOrEqual(5);
  });

  it('JSON carries what the ESXi file says: firmware, Secure Boot, NVMe disk, NIC model and MAC, guest id', async () => {
    const vm = JSON.parse((await run(['inspect', join(FIX, 'vmx-esx-rhel9-efi-nvme.vmx'), '--json'])).stdout) as InspectedVm;
    expect(vm).toMatchObject({ firmware: 'uefi', secureBoot: true, memoryMiB: 2048, guest: { native: 'rhel9-64', id: 'rhel9-unknown' } });
    expect(vm.disks.map((d) => d.bus)).toEqual(['sata', 'nvme']);
    expect(vm.nics).toEqual([{ model: 'vmxnet3', mac: '00:50:56:a0:a6:7e', macSource: 'assigned', network: 'VM Network' }]);
  });

  it('the human output names the guest, its candidates, the devices, notes and uninterpreted keys', async () => {
    const r = await run(['inspect', join(FIX, 'ovf-esx-ubuntu1604.ovf')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/guest: +ubuntu64Guest → one of ubuntu14\.04, .*ubuntu22\.04/);
    expect(r.stdout).toMatch(/disk scsi lsilogic scsi0:0: 111390-Ubuntu-16\.04-64-Desktop-Open-VM-Tools-disk1\.vmdk \[vmdk\]/);
    expect(r.stdout).toMatch(/vmxnet3 \(no MAC\) on VM Network/);
    expect(r.stdout).toMatch(/not interpreted \(\d+\):[\s\S]*\n +\d+: vmw:Config cpuHotAddEnabled = false\n/);
  });

  it('reads a file by content when its name says nothing, and --format overrides the extension', async () => {
    const plain = join(tmp.dir, 'guest-config');
    copyFileSync(join(FIX, 'xl-libvirt-fullvirt-ovmf.cfg'), plain);
    expect(JSON.parse((await run(['inspect', plain, '--json'])).stdout).sourceFormat).toBe('xl');
    const vmxNamedXml = join(tmp.dir, 'vm.xml');
    copyFileSync(join(FIX, 'vmx-workstation-debian6.vmx'), vmxNamedXml);
    expect(JSON.parse((await run(['inspect', vmxNamedXml, '--json'])).stdout).sourceFormat).toBe('vmx');
    const appliance = join(tmp.dir, 'appliance.bin');
    copyFileSync(join(FIX, 'ova-vtpm-centos8-efi.ova'), appliance);
    const ova = JSON.parse((await run(['inspect', appliance, '--json'])).stdout) as InspectedVm;
    expect(ova).toMatchObject({
      sourceFormat: 'ovf',
      tpm: true,
      notes: expect.arrayContaining(['read vtpm-spec-with-nvram.ovf from the .ova archive']),
    });
    const r = await run(['inspect', join(FIX, 'vmx-workstation-debian6.vmx'), '--format', 'xl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[MALFORMED\] vmx-workstation-debian6\.vmx: line 1: /);
  });

  it('a malformed file exits 2 naming the file and line; with --json the error is JSON too', async () => {
    const bad = join(tmp.dir, 'broken.vmx');
    writeFileSync(bad, 'config.version = "8"\nmemsize = "512"\nscsi0.present "TRUE"\n');
    const r = await run(['inspect', bad, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`virtcompat inspect: [MALFORMED] broken.vmx: line 3: expected 'key = "value"', found 'scsi0.present "TRUE"'\n`);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'MALFORMED', message: expect.stringContaining('line 3'), format: 'vmx', line: 3, file: 'broken.vmx' },
    });
    const xml = join(tmp.dir, 'broken.xml');
    writeFileSync(xml, '<domain type="kvm">\n  <name>x</name>\n  <memory>1</memory>\n</domian>\n');
    const x = await run(['inspect', xml]);
    expect(x.code).toBe(2);
    expect(x.stderr).toMatch(/\[MALFORMED\] broken\.xml: line 4:\d+: not well-formed XML/);
  });

  it('usage errors exit 2: no FILE, a missing FILE, a bad --format, a folder, a file in no known format', async () => {
    const none = await run(['inspect']);
    expect([none.code, none.stderr]).toEqual([2, expect.stringMatching(/FILE is required[\s\S]*Usage: virtcompat inspect/)]);
    const missing = await run(['inspect', join(tmp.dir, 'nope.vmx')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/FILE .*nope\.vmx: no such file/)]);
    const fmt = await run(['inspect', join(FIX, 'xl-xlexample.hvm'), '--format', 'qcow2']);
    expect([fmt.code, fmt.stderr]).toEqual([2, expect.stringMatching(/--format must be one of vmx, ovf, libvirt, xl/)]);
    const dir = await run(['inspect', tmp.dir]);
    expect([dir.code, dir.stderr]).toEqual([2, expect.stringMatching(/\[UNREADABLE\] .*EISDIR/)]);
    const prose = join(tmp.dir, 'notes.txt');
    writeFileSync(prose, 'just some words\n');
    const unknown = await run(['inspect', prose]);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/\[UNKNOWN_FORMAT\] notes\.txt: not a \.vmx/)]);
  });

  it('touched no database on the way', () => {
    expect(readdirSync(tmp.dir)).not.toContain('data');
  });
});
