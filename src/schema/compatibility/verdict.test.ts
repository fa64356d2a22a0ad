import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import {
  deriveVerdict,
  diskPath,
  matchDevices,
  missingRequirements,
  type DeviceFact,
  type VerdictInput,
  type VerdictRecord,
} from './verdict.ts';
import { at } from '../../util/must.ts';

const VIRTIO_NET = { id: 'virtio-net', class: 'NETWORK', kind: 'PARAVIRTUAL' };
const E1000 = { id: 'e1000', class: 'NETWORK', kind: 'EMULATED' };
const VIRTIO_BLK = { id: 'virtio-blk', class: 'STORAGE', kind: 'PARAVIRTUAL' };
const IDE = { id: 'piix-ide', class: 'STORAGE', kind: 'EMULATED' };

function input(over: Partial<VerdictInput> = {}): VerdictInput {
  return {
    guest: { id: 'g2', name: 'Guest 2' },
    chain: [
      { id: 'g2', name: 'Guest 2' },
      { id: 'g1', name: 'Guest 1' },
    ],
    release: { id: 'r', name: 'QEMU 8.2' },
    records: [],
    hostFeatures: null,
    hostRequirements: [
      { key: 'vmx', requirement: 'REQUIRED', anyOf: 'cpu-virt' },
      { key: 'svm', requirement: 'REQUIRED', anyOf: 'cpu-virt' },
      { key: 'ept', requirement: 'USED_IF_PRESENT', anyOf: null },
    ],
    guestDevices: [VIRTIO_NET, E1000, VIRTIO_BLK, IDE],
    releaseDevices: [
      { ...VIRTIO_NET, model: 'virtio-net-pci' },
      { ...E1000, model: 'e1000' },
      { ...VIRTIO_BLK, model: 'virtio-blk-pci' },
      { ...IDE, model: 'ide-hd' },
    ],
    ...over,
  };
}

describe('deriveVerdict', () => {
  it('prefers paravirtual devices both sides support', () => {
    const m = matchDevices(input().guestDevices, input().releaseDevices);
    assert.deepEqual(
      m.find((d) => d.class === 'NETWORK'),
      { class: 'NETWORK', deviceId: 'virtio-net', model: 'virtio-net-pci', paravirtual: true },
    );
    const legacy = matchDevices([E1000, IDE], input().releaseDevices);
    assert.equal(legacy.find((d) => d.class === 'NETWORK')?.model, 'e1000');
    assert.equal(legacy.find((d) => d.class === 'STORAGE')?.paravirtual, false);
  });

  it("prefers the hypervisor's own paravirt family, then inbox drivers, then virtio 1.0", () => {
    const vmxnet3 = { id: 'vmxnet3', class: 'NETWORK', kind: 'PARAVIRTUAL', paravirtInterface: 'VMWARE_PV' };
    const vnet1 = { id: 'virtio-net-1.0', class: 'NETWORK', kind: 'PARAVIRTUAL', paravirtInterface: 'VIRTIO_1_0' };
    const vnetT = { id: 'virtio-net-t', class: 'NETWORK', kind: 'PARAVIRTUAL', paravirtInterface: 'VIRTIO_TRANSITIONAL' };
    const vblk = { id: 'virtio-blk', class: 'STORAGE', kind: 'PARAVIRTUAL', paravirtInterface: 'VIRTIO_1_0' };
    const kvm = [vmxnet3, vnet1, vnetT, vblk].map((d) => ({ ...d, model: d.id }));
    const net = (guest: DeviceFact[]) => matchDevices(guest, kvm).find((d) => d.class === 'NETWORK')!.deviceId;
    assert.equal(net([vmxnet3, vnetT, vnet1]), 'virtio-net-1.0', 'KVM presents mostly virtio: its own family wins over vmxnet3');
    assert.equal(net([vmxnet3, vnetT]), 'virtio-net-t');
    assert.equal(net([vmxnet3, { ...vnet1, driverSource: 'ADDON' }]), 'virtio-net-1.0', 'the native family even with an add-on driver');
    assert.equal(
      net([{ ...vnet1, driverSource: 'ADDON' }, vnetT]),
      'virtio-net-t',
      'within the family an inbox driver beats an add-on one',
    );
  });

  it('treats anyOf requirements as alternatives', () => {
    const reqs = input().hostRequirements;
    assert.deepEqual(missingRequirements(reqs, ['svm']), []);
    assert.deepEqual(missingRequirements(reqs, ['ept']), [['vmx', 'svm']]);
    assert.deepEqual(missingRequirements(reqs, null), []);
  });

  it('says LIKELY from the catalogue when there is no record, with its reasons', () => {
    const v = deriveVerdict(input());
    assert.equal(v.verdict, 'LIKELY');
    assert.equal(v.basis, 'CATALOGUE');
    assert.match(v.reasons.join('\n'), /no accepted record for Guest 2 or its ancestors on QEMU 8.2/);
    assert.match(v.reasons.join('\n'), /virtio-blk-pci \(storage, paravirtual\) and virtio-net-pci \(network, paravirtual\)/);
  });

  it('downgrades to PARTIAL and names the missing feature when the host lacks a requirement', () => {
    const v = deriveVerdict(input({ hostFeatures: ['ept'] }));
    assert.equal(v.verdict, 'PARTIAL');
    assert.deepEqual(v.missingHostFeatures, ['vmx|svm']);
    assert.match(at(v.reasons, 0), /QEMU 8.2 requires vmx or svm for hardware-assisted operation; the host has none of them/);
  });

  it('is UNKNOWN when no storage device is shared', () => {
    const v = deriveVerdict(input({ guestDevices: [VIRTIO_NET] }));
    assert.equal(v.verdict, 'UNKNOWN');
    assert.match(v.reasons.at(-1)!, /no storage device/);
  });

  it('uses records of the release itself before inherited ones', () => {
    const v = deriveVerdict(
      input({
        records: [
          { id: 'a', guestId: 'g1', status: 'BROKEN', submitter: 'x', hostFeatureKey: null, evidenceDate: null },
          { id: 'b', guestId: 'g2', status: 'WORKS', submitter: 'x', hostFeatureKey: null, evidenceDate: null },
        ],
      }),
    );
    assert.equal(v.verdict, 'WORKS');
    assert.equal(v.basis, 'RECORDS');
    assert.deepEqual(v.recordIds, ['b']);
  });

  it('inherits an ancestor release record and says so', () => {
    const v = deriveVerdict(
      input({
        records: [{ id: 'a', guestId: 'g1', status: 'CERTIFIED', submitter: 'redhat', hostFeatureKey: null, evidenceDate: '2024-01-01' }],
      }),
    );
    assert.equal(v.verdict, 'CERTIFIED');
    assert.equal(v.basis, 'INHERITED_RECORDS');
    assert.match(v.reasons.join('\n'), /ancestor Guest 1/);
  });

  it('shows a conflict between vendors instead of picking one', () => {
    const v = deriveVerdict(
      input({
        records: [
          { id: 'a', guestId: 'g2', status: 'CERTIFIED', submitter: 'osvendor', hostFeatureKey: null, evidenceDate: null },
          { id: 'b', guestId: 'g2', status: 'BROKEN', submitter: 'hvvendor', hostFeatureKey: null, evidenceDate: null },
        ],
      }),
    );
    assert.equal(v.verdict, 'CONFLICT');
    assert.deepEqual(v.conflicts, [{ a: 'a', b: 'b', reason: 'osvendor says CERTIFIED, hvvendor says BROKEN' }]);
  });

  it('agreeing vendors are no conflict: the strongest status wins', () => {
    const v = deriveVerdict(
      input({
        records: [
          { id: 'a', guestId: 'g2', status: 'WORKS', submitter: 'x', hostFeatureKey: null, evidenceDate: null },
          { id: 'b', guestId: 'g2', status: 'CERTIFIED', submitter: 'y', hostFeatureKey: null, evidenceDate: null },
        ],
      }),
    );
    assert.equal(v.verdict, 'CERTIFIED');
    assert.deepEqual(v.conflicts, []);
  });

  it('leaves out records that need a host feature the host lacks', () => {
    const v = deriveVerdict(
      input({
        hostFeatures: ['vmx'],
        records: [{ id: 'a', guestId: 'g2', status: 'WORKS', submitter: 'x', hostFeatureKey: 'sev', evidenceDate: null }],
      }),
    );
    assert.equal(v.basis, 'CATALOGUE');
    assert.match(v.reasons.join('\n'), /1 record\(s\) left out/);
  });
});

describe('deriveVerdict: storage controllers, backends and evidence', () => {
  const PVSCSI = { id: 'pvscsi', class: 'STORAGE_CONTROLLER', kind: 'PARAVIRTUAL', paravirtInterface: 'VMWARE_PV' };
  const LSI = { id: 'lsi', class: 'STORAGE_CONTROLLER', kind: 'EMULATED' };
  const VMXNET3 = { id: 'vmxnet3', class: 'NETWORK', kind: 'PARAVIRTUAL', paravirtInterface: 'VMWARE_PV' };
  const rec = (over: Partial<VerdictRecord> & { id: string }): VerdictRecord => ({
    guestId: 'g2',
    status: 'SUPPORTED',
    submitter: 'x',
    hostFeatureKey: null,
    evidenceDate: null,
    ...over,
  });

  it('a storage controller both sides support is a disk path (pvscsi on ESXi, storvsc on Hyper-V)', () => {
    const v = deriveVerdict(
      input({
        hostRequirements: [],
        guestDevices: [VMXNET3, { ...PVSCSI, driverSource: 'ADDON' }, LSI],
        releaseDevices: [
          { ...VMXNET3, model: 'vmxnet3' },
          { ...PVSCSI, model: 'pvscsi' },
          { ...LSI, model: 'lsisas1068' },
        ],
      }),
    );
    assert.equal(v.verdict, 'LIKELY');
    assert.match(v.reasons.join('\n'), /pvscsi \(storage controller, paravirtual\) and vmxnet3 \(network, paravirtual\)/);
    assert.equal(diskPath(v.devices)?.deviceId, 'pvscsi', 'paravirtual controller before the emulated one');
  });

  it('gives a level per backend and never hides an UNSUPPORTED one', () => {
    const v = deriveVerdict(
      input({
        releaseBackends: ['hyperv-gen1', 'hyperv-gen2'],
        records: [
          rec({ id: 'g2-gen2', backend: 'hyperv-gen2', status: 'SUPPORTED', evidenceLevel: 'VENDOR_CERTIFIED' }),
          rec({ id: 'g2-gen1', backend: 'hyperv-gen1', status: 'UNSUPPORTED', evidenceLevel: 'VENDOR_CERTIFIED' }),
        ],
      }),
    );
    assert.equal(v.verdict, 'SUPPORTED');
    assert.deepEqual(
      v.backends.map((b) => [b.backend, b.level, b.cellBasis, b.evidenceLevel, b.recordIds]),
      [
        ['hyperv-gen1', 'UNSUPPORTED', 'RECORD', 'VENDOR_CERTIFIED', ['g2-gen1']],
        ['hyperv-gen2', 'SUPPORTED', 'RECORD', 'VENDOR_CERTIFIED', ['g2-gen2']],
      ],
    );
    assert.equal(
      at(v.reasons, 0),
      'backends differ: SUPPORTED as hyperv-gen2; UNSUPPORTED as hyperv-gen1 (use hyperv-gen2, not hyperv-gen1)',
    );
  });

  it('a record without a backend applies to every backend; a cooperative backend without a guest answer is UNKNOWN', () => {
    const v = deriveVerdict(
      input({
        releaseBackends: ['xen-hvm', 'xen-pv', 'xen-pvh'],
        guestBackends: [{ key: 'xen-pvh', supported: false }],
      }),
    );
    assert.deepEqual(
      v.backends.map((b) => [b.backend, b.level, b.cellBasis]),
      [
        ['xen-hvm', 'LIKELY', 'DERIVED'],
        ['xen-pv', 'UNKNOWN', 'UNKNOWN'],
        ['xen-pvh', 'UNSUPPORTED', 'DERIVED'],
      ],
    );
    assert.equal(v.verdict, 'LIKELY');
    assert.match(at(v.reasons, 0), /LIKELY as xen-hvm; UNKNOWN as xen-pv; UNSUPPORTED as xen-pvh \(use xen-hvm, not xen-pvh\)/);
    const all = deriveVerdict(input({ releaseBackends: ['xen-hvm', 'xen-pv'], records: [rec({ id: 'any', status: 'WORKS' })] }));
    assert.deepEqual(
      all.backends.map((b) => b.level),
      ['WORKS', 'WORKS'],
    );
  });

  it('ranks conflicting records by evidence level: the hypervisor vendor outranks a user report', () => {
    const v = deriveVerdict(
      input({
        records: [
          rec({ id: 'user', submitter: 'someone', status: 'BROKEN', evidenceLevel: 'USER_REPORTED', evidenceDate: '2025-01-01' }),
          rec({ id: 'vendor', submitter: 'hvco', status: 'SUPPORTED', evidenceLevel: 'VENDOR_CERTIFIED', evidenceDate: '2020-01-01' }),
        ],
      }),
    );
    assert.equal(v.verdict, 'SUPPORTED');
    assert.equal(v.evidenceLevel, 'VENDOR_CERTIFIED');
    assert.deepEqual(v.recordIds, ['vendor', 'user'], 'strongest evidence first, whatever the date');
    assert.equal(v.conflicts.length, 1, 'the disagreement is still shown');
    assert.match(
      v.reasons.join('\n'),
      /someone \(USER_REPORTED, 2025-01-01\) says BROKEN: outranked by hvco \(VENDOR_CERTIFIED, 2020-01-01\)/,
    );
  });

  it('records at the same evidence level that disagree are a CONFLICT; the newer comes first', () => {
    const v = deriveVerdict(
      input({
        records: [
          rec({ id: 'old', submitter: 'a', status: 'SUPPORTED', evidenceLevel: 'GUEST_VENDOR_TESTED', evidenceDate: '2020-01-01' }),
          rec({ id: 'new', submitter: 'b', status: 'BROKEN', evidenceLevel: 'GUEST_VENDOR_TESTED', evidenceDate: '2024-01-01' }),
        ],
      }),
    );
    assert.equal(v.verdict, 'CONFLICT');
    assert.equal(v.cellBasis, 'RECORD');
    assert.deepEqual(v.recordIds, ['new', 'old']);
  });

  it('a record about one device does not decide the level: a negative one takes the device out of the match', () => {
    const v = deriveVerdict(
      input({
        hostRequirements: [],
        records: [rec({ id: 'no-virtio', status: 'UNSUPPORTED', deviceId: 'virtio-net', evidenceLevel: 'DERIVED' })],
      }),
    );
    assert.equal(v.verdict, 'LIKELY', 'the guest still runs, on e1000');
    assert.equal(v.devices.find((d) => d.class === 'NETWORK')?.deviceId, 'e1000');
    assert.deepEqual(v.recordIds, ['no-virtio']);
    assert.match(
      at(v.reasons, 0),
      /record no-virtio by x \(DERIVED\): UNSUPPORTED with device virtio-net, so it is left out of the device match/,
    );
  });
});
