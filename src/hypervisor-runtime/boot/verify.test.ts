import { test } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Plan, PlannedDevice } from '../plan.ts';
import { parseGuestReport } from './report.ts';
import { expectedPciId, formatVerification, verifyPlanInGuest } from './verify.ts';
import { at } from '../../util/must.ts';

// Real plans (decide() on the osinfo fixtures for the tcg-x86_64 host profile) and the serial
// console of the test guest booted with them (see test/fixtures/boot/README.md).
const dir = new URL('../../../test/fixtures/boot/', import.meta.url);
const load = (name: string) => ({
  plan: JSON.parse(readFileSync(new URL(`plan-${name}.json`, dir), 'utf8')) as Plan,
  report: parseGuestReport(readFileSync(new URL(`plan-${name}.serial.txt`, dir), 'utf8')),
});
const DISK = { disk0: 64 << 20 };

function failed(plan: Plan, report: ReturnType<typeof parseGuestReport>, accel: 'kvm' | 'tcg' = 'tcg') {
  const v = verifyPlanInGuest(plan, report, { accel, diskSizes: DISK });
  return v.checks.filter((c) => !c.ok).map((c) => c.subject);
}
const withDevice = (plan: Plan, id: string, change: Partial<PlannedDevice>): Plan => ({
  ...plan,
  devices: plan.devices.map((d) => (d.id === id ? { ...d, ...change } : d)),
});

test('modern Linux plan: every check passes against the guest that booted it', () => {
  const { plan, report } = load('debian11');
  const v = verifyPlanInGuest(plan, report, { accel: 'tcg', diskSizes: DISK });
  assert.ok(v.ok, formatVerification(v));
  for (const id of ['net0', 'disk0', 'rng0', 'balloon0'])
    assert.ok(
      v.checks.some((c) => c.subject.startsWith(`${id} (`) && c.ok),
      id,
    );
  assert.ok(v.notChecked.some((n) => n.subject.startsWith('serial0')));
});

test('UEFI plan: firmware, Secure Boot and TPM are judged too', () => {
  const { plan, report } = load('win11');
  const v = verifyPlanInGuest(plan, report, { accel: 'tcg', diskSizes: DISK });
  assert.ok(v.ok, formatVerification(v));
  assert.ok(v.checks.some((c) => c.subject === 'firmware' && c.expected === 'UEFI'));
  assert.ok(v.checks.some((c) => c.subject === 'secure boot' && c.observed === 'on'));
  assert.ok(v.checks.some((c) => c.subject === 'tpm' && /tpm_crb, TPM 2/.test(c.observed)));
});

test('a plan the guest did not see fails, naming what differs', () => {
  const { plan, report } = load('debian11');
  // promised a transitional NIC, the guest has a virtio 1.0 one
  assert.deepEqual(
    failed(
      withDevice(plan, 'net0', {
        paravirtInterface: 'VIRTIO_TRANSITIONAL',
        deviceId: 'http://pcisig.com/pci/1af4/1000',
        model: 'virtio-net-pci-transitional',
      }),
      report,
    ),
    ['net0 (nic, virtio-net-pci-transitional)'],
  );
  // promised an e1000e: missing in the guest, and the virtio NIC it has is unplanned
  const e1000e = failed(
    withDevice(plan, 'net0', { paravirtInterface: 'NONE', model: 'e1000e', deviceId: 'http://pcisig.com/pci/8086/10d3' }),
    report,
  );
  assert.ok(e1000e.includes('net0 (nic, e1000e)'));
  assert.ok(e1000e.includes('net0 interface'));
  assert.ok(e1000e.some((s) => s.startsWith('unplanned ')));
  // a device the plan does not have shows up as unplanned
  const noRng = failed({ ...plan, devices: plan.devices.filter((d) => d.id !== 'rng0') }, report);
  assert.deepEqual(noRng.length, 1);
  assert.match(at(noRng, 0), /^unplanned /);
  // another MAC
  assert.deepEqual(
    failed({ ...plan, devices: plan.devices.map((d) => (d.nic ? { ...d, nic: { ...d.nic, mac: '52:54:00:99:99:99' } } : d)) }, report),
    ['net0 interface'],
  );
});

test('machine, firmware, TPM, vCPUs, memory and acceleration are checked', () => {
  const { plan, report } = load('debian11');
  const asPc = failed({ ...plan, machine: { ...plan.machine, type: 'pc' } }, report);
  assert.equal(asPc[0], 'machine');
  assert.ok(asPc.includes('unplanned 0000:00:1f.2'), 'the Q35 chipset AHCI is not part of a pc machine');
  assert.deepEqual(failed({ ...plan, firmware: { ...plan.firmware, type: 'uefi', secureBoot: false } }, report), [
    'firmware',
    'secure boot',
  ]);
  assert.deepEqual(failed({ ...plan, tpm: { ...plan.tpm, present: true, model: 'tpm-crb', version: '2.0' } }, report), ['tpm']);
  assert.deepEqual(failed({ ...plan, cpu: { ...plan.cpu, vcpus: 4 } }, report), ['vcpus']);
  assert.deepEqual(failed({ ...plan, memory: { ...plan.memory, mib: 4096 } }, report), ['memory']);
  assert.deepEqual(failed(plan, report, 'kvm'), ['acceleration'], 'a TCG guest does not pass for KVM');
  const { plan: w, report: wr } = load('win11');
  assert.deepEqual(failed({ ...w, tpm: { ...w.tpm, present: false } }, wr), ['tpm']);
  assert.deepEqual(failed({ ...w, firmware: { ...w.firmware, secureBoot: false } }, wr), ['secure boot']);
});

test('disk size and bus come from the guest', () => {
  const { plan, report } = load('debian11');
  const v = verifyPlanInGuest(plan, report, { accel: 'tcg', diskSizes: { disk0: 1 << 30 } });
  assert.deepEqual(
    v.checks.filter((c) => !c.ok).map((c) => c.subject),
    ['disk0 disk'],
  );
});

test('PCI identity: what QEMU exposes, else the catalogue id', () => {
  const dev = (model: string, deviceId: string | null) => ({ model, deviceId }) as PlannedDevice;
  assert.equal(
    expectedPciId(dev('qemu-xhci', 'http://pcisig.com/pci/1b36/0004')),
    '1b36:000d',
    'QEMU 7.2 gives qemu-xhci 1b36:000d whatever osinfo says',
  );
  assert.equal(expectedPciId(dev('virtio-net-pci-non-transitional', 'http://pcisig.com/pci/1af4/1041')), '1af4:1041');
  assert.equal(expectedPciId(dev('usb-tablet', 'http://usb.org/usb/0627/0001')), null);
});
