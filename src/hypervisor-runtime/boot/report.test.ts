import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ReportParseError,
  extractReport,
  hypervisorFromDmesg,
  parseGuestReport,
  pciById,
  summarizeReport,
  unexpectedModuleFailures,
  virtioOfType,
  virtioPciGeneration,
} from './report.ts';
import { at } from '../../util/must.ts';

// Serial captures of the real test guest under QEMU 7.2 / TCG (see test/fixtures/boot/README.md).
const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/boot/${name}.serial.txt`, import.meta.url), 'utf8');

test('q35 with virtio devices behind PCIe root ports: virtio 1.0 functions, drivers bound', () => {
  const r = parseGuestReport(fixture('q35-virtio-tcg'));
  assert.equal(r.version, 1);
  assert.match(r.kernel, /^6\.1\.0-\d+-amd64$/);
  assert.equal(r.cpus, 2);
  assert.equal(r.dmi.product_name, 'Standard PC (Q35 + ICH9, 2009)');
  assert.equal(r.firmware.uefi, false);
  assert.equal(r.firmware.secureBoot, null);
  assert.equal(r.hypervisor.detected, null, 'TCG exposes no hypervisor signature');
  assert.equal(r.cpu.hypervisorFlag, true);

  for (const [type, driver, id] of [
    ['net', 'virtio_net', '1041'],
    ['block', 'virtio_blk', '1042'],
    ['rng', 'virtio_rng', '1044'],
    ['balloon', 'virtio_balloon', '1045'],
  ] as const) {
    const [v] = virtioOfType(r, type);
    assert.ok(v, `a virtio ${type} device`);
    assert.equal(v.driver, driver);
    assert.ok(v.pci, `${type} sits on a PCI function`);
    assert.equal(v.pci.device, id);
    assert.equal(v.pci.driver, 'virtio-pci');
    assert.equal(virtioPciGeneration(v.pci.vendor, v.pci.device), 'modern');
  }
  assert.deepEqual(
    r.block.map((b) => [b.name, b.bus, b.controllerDriver]),
    [['vda', 'virtio', 'virtio-pci']],
  );
  assert.deepEqual(
    r.net.map((n) => [n.name, n.bus, n.driver]),
    [['eth0', 'virtio', 'virtio_net']],
  );
  assert.equal(pciById(r, '8086', '2922')[0]?.driver, 'ahci', 'q35 built-in AHCI bound');
  assert.deepEqual(unexpectedModuleFailures(r), []);
  assert.ok(
    r.modules.some((m) => m.name === 'hv_vmbus' && m.status === 'failed'),
    'Hyper-V bus refuses to load off Hyper-V',
  );
  assert.ok(r.modules.some((m) => m.name === 'hv_netvsc' && m.status === 'skipped'));
});

test('pc (i440FX) with e1000 and an IDE disk', () => {
  const r = parseGuestReport(fixture('pc-e1000-ide-tcg'));
  assert.equal(r.dmi.product_name, 'Standard PC (i440FX + PIIX, 1996)');
  assert.equal(r.dmi.bios_vendor, 'SeaBIOS');
  assert.deepEqual(r.virtio, []);
  assert.equal(pciById(r, '8086', '100e')[0]?.driver, 'e1000');
  assert.deepEqual(
    r.net.map((n) => [n.bus, n.driver]),
    [['pci', 'e1000']],
  );
  const disk = at(r.block, 0, 'a block device');
  assert.equal(disk.bus, 'ata');
  assert.equal(disk.controllerDriver, 'ata_piix');
  assert.equal(disk.sectors, 131072);
  const ide = r.pci.find((p) => p.address === disk.controller);
  assert.equal(ide?.class.slice(0, 4), '0101', 'the controller is an IDE interface');
});

test('UEFI with Secure Boot and a TPM 2.0 on CRB', () => {
  const r = parseGuestReport(fixture('q35-uefi-sb-tpm-tcg'));
  assert.equal(r.firmware.uefi, true);
  assert.equal(r.firmware.platformSize, 64);
  assert.equal(r.firmware.secureBoot, 'on');
  assert.match(r.dmi.bios_vendor ?? '(none)', /OVMF/);
  assert.deepEqual(
    r.tpm.map((t) => [t.driver, t.versionMajor]),
    [['tpm_crb', 2]],
  );
  assert.match(r.cmdline, /console=ttyS0/);
});

test('serial noise: OVMF escape sequences, CRLF, kernel lines inside the report', () => {
  const body = fixture('pc-e1000-ide-tcg').replace(/\n/g, '\r\n');
  const lines = body.split('\r\n');
  const at = lines.findIndex((l) => l.includes('"kind":"pci"'));
  lines.splice(at, 0, '[    5.123456] random: crng init done');
  const r = parseGuestReport('\x1b[2J\x1b[01;01H' + lines.join('\r\n'));
  assert.deepEqual(r.skipped, ['[    5.123456] random: crng init done']);
  assert.equal(r.pci.length, parseGuestReport(fixture('pc-e1000-ide-tcg')).pci.length);
});

test('no report, cut-off report and unknown version are errors', () => {
  assert.throws(() => parseGuestReport('[    0.0] Linux version 6.1\n'), ReportParseError);
  const cut = at(fixture('pc-e1000-ide-tcg').split('VIRTCOMPAT-REPORT-END'), 0);
  assert.equal(extractReport(cut), null);
  assert.throws(() => parseGuestReport(cut), /no complete guest report/);
  const v2 = fixture('pc-e1000-ide-tcg').replace('"version":1', '"version":2');
  assert.throws(() => parseGuestReport(v2), /version 2/);
});

test('hypervisor detection from the kernel log', () => {
  const h = hypervisorFromDmesg([
    '[    0.000000] Hypervisor detected: KVM',
    '[    0.000000] kvm-clock: Using msrs 4b564d01 and 4b564d00',
    '[    0.000000] kvm-clock: using sched offset of 2516345874 cycles',
    '[    0.034121] Booting paravirtualized kernel on KVM',
    '[    0.051337] kvm-guest: PV spinlocks enabled',
    '[    0.700000] e1000: Intel(R) PRO/1000 Network Driver',
  ]);
  assert.equal(h.detected, 'KVM');
  assert.equal(h.paravirtLines.length, 5);
  assert.equal(hypervisorFromDmesg(['[    0.060877] Booting paravirtualized kernel on bare hardware']).detected, null);
});

test('virtio PCI generations', () => {
  assert.equal(virtioPciGeneration('1af4', '1000'), 'transitional');
  assert.equal(virtioPciGeneration('1af4', '1041'), 'modern');
  assert.equal(virtioPciGeneration('1AF4', '1110'), null);
  assert.equal(virtioPciGeneration('8086', '100e'), null);
});

test('summary names machine, firmware, devices and drivers', () => {
  const s = summarizeReport(parseGuestReport(fixture('q35-virtio-tcg')));
  assert.match(s, /Q35/);
  assert.match(s, /1af4:1041 class 020000 virtio-modern → virtio-pci/);
  assert.match(s, /disk vda: virtio/);
});
