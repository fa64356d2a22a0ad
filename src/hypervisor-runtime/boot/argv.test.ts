import { test } from 'vitest';
import assert from 'node:assert/strict';
import { acceleratorOf, machineOf, optionValues, splitArgv, splitOptionValue, toTcg, withDirectKernel, withManagement } from './argv.ts';

test('binary and options', () => {
  assert.deepEqual(splitArgv(['/usr/bin/qemu-system-x86_64', '-m', '512']), { binary: '/usr/bin/qemu-system-x86_64', args: ['-m', '512'] });
  assert.deepEqual(splitArgv(['-m', '512']), { binary: 'qemu-system-x86_64', args: ['-m', '512'] });
});

test('accelerator from -accel, -machine accel= and -enable-kvm; TCG by default', () => {
  assert.equal(acceleratorOf(['-accel', 'kvm']), 'kvm');
  assert.equal(acceleratorOf(['-accel', 'tcg,thread=multi']), 'tcg');
  assert.equal(acceleratorOf(['-machine', 'q35,accel=kvm:tcg']), 'kvm');
  assert.equal(acceleratorOf(['-enable-kvm']), 'kvm');
  assert.equal(acceleratorOf(['-m', '512']), 'tcg');
  assert.equal(machineOf(['-machine', 'pc-q35-7.2,smm=on']), 'pc-q35-7.2');
  assert.equal(machineOf(['-machine', 'type=pc,accel=kvm']), 'pc');
  assert.equal(machineOf([]), null);
});

test('option values keep escaped commas', () => {
  assert.deepEqual(splitOptionValue('file=/a,,b.img,if=ide'), ['file=/a,b.img', 'if=ide']);
});

test('direct kernel boot replaces what the plan had', () => {
  const a = withDirectKernel(['-m', '512', '-kernel', '/old', '-append', 'x'], { kernel: '/k', initrd: '/i', append: 'console=ttyS0' });
  assert.deepEqual(a, ['-m', '512', '-kernel', '/k', '-initrd', '/i', '-append', 'console=ttyS0']);
});

test('management: QMP socket, serial on stdout, no stdio monitor, no reboot', () => {
  const a = withManagement(
    [
      '-machine',
      'q35',
      '-nographic',
      '-serial',
      'pty',
      '-qmp',
      'tcp:1:2',
      '-chardev',
      'stdio,id=con0',
      '-mon',
      'chardev=con0,mode=readline',
      '-device',
      'virtio-net-pci,id=net0',
    ],
    '/tmp/x,y/qmp.sock',
  );
  assert.deepEqual(a, [
    '-machine',
    'q35',
    '-device',
    'virtio-net-pci,id=net0',
    '-display',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    '-qmp',
    'unix:/tmp/x,,y/qmp.sock,server=on,wait=off',
    '-chardev',
    'stdio,id=vcserial0,signal=off',
    '-serial',
    'chardev:vcserial0',
  ]);
  // a VNC display the plan asked for stays
  assert.deepEqual(optionValues(withManagement(['-vnc', ':1'], '/q'), '-display'), []);
});

test('TCG rewrite of a KVM argv', () => {
  const a = toTcg([
    '-accel',
    'kvm',
    '-machine',
    'pc-q35-7.2,accel=kvm,kernel-irqchip=split,smm=on',
    '-cpu',
    'host,migratable=on,kvm-pv-eoi=on,hv-relaxed=on,+avx2',
    '-global',
    'kvm-pit.lost_tick_policy=delay',
    '-m',
    '512',
  ]);
  assert.deepEqual(a, ['-accel', 'tcg', '-machine', 'pc-q35-7.2,smm=on', '-cpu', 'max,+avx2', '-m', '512']);
  assert.deepEqual(toTcg(['-enable-kvm', '-m', '1']), ['-accel', 'tcg', '-m', '1']);
  assert.equal(acceleratorOf(toTcg(['-machine', 'q35,accel=kvm'])), 'tcg');
});
