import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes, loadSpecFile, parseSize, parseSpec, SpecError } from './spec.ts';

describe('VM spec', () => {
  it('parses sizes with units; a bare memory number is MiB', () => {
    assert.equal(parseSize('2GiB'), 2 * 1024 ** 3);
    assert.equal(parseSize('512 MiB'), 512 * 1024 ** 2);
    assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('10GB'), 10 * 1000 ** 3);
    assert.equal(parseSize('12parsecs'), null);
    const s = parseSpec({ memory: 2048 });
    assert.equal(s.memory, 2048 * 1024 ** 2);
    assert.equal(formatBytes(4 * 1024 ** 3), '4 GiB');
    assert.equal(formatBytes(512 * 1024 ** 2), '512 MiB');
  });

  it('fills defaults', () => {
    const s = parseSpec({ guest: 'debian11', hypervisor: 'kvm', disks: [{ path: 'a.qcow2' }], nics: [{}] });
    assert.equal(s.firmware, 'auto');
    assert.equal(s.disks?.[0]?.device, 'disk');
    assert.equal(s.disks?.[0]?.bus, 'auto');
    assert.equal(s.nics?.[0]?.backend, 'user');
    assert.deepEqual(s.constraints.migrateAcross, []);
    assert.equal(s.drivers.addon, false);
  });

  it('rejects unknown keys and names the path', () => {
    assert.throws(
      () => parseSpec({ guest: 'x', memroy: '2GiB' }),
      (e: Error) => e instanceof SpecError && /\(top level\): unknown key 'memroy'/.test(e.message),
    );
    assert.throws(
      () => parseSpec({ disks: [{ path: 'a' }, { path: 'b', buss: 'virtio' }] }),
      (e: Error) => /disks\[1\]: unknown key 'buss'/.test(e.message),
    );
    assert.throws(
      () => parseSpec({ constraints: { noEmulated: true } }),
      (e: Error) => /constraints: unknown key 'noEmulated'/.test(e.message),
    );
  });

  it('rejects bad values with the path and the value', () => {
    assert.throws(
      () => parseSpec({ memory: 'lots' }),
      (e: Error) => /memory: .*"lots"/.test(e.message),
    );
    assert.throws(
      () => parseSpec({ hypervisor: 'virtualbox' }),
      (e: Error) => /hypervisor:/.test(e.message),
    );
    assert.throws(
      () => parseSpec({ nics: [{ backend: 'bridge' }] }),
      (e: Error) => /nics\[0\]\.bridge: backend bridge needs/.test(e.message),
    );
    assert.throws(
      () => parseSpec({ nics: [{ prefer: 'passthrough' }] }),
      (e: Error) => /nics\[0\]\.passthrough:/.test(e.message),
    );
    assert.throws(
      () => parseSpec({ nics: [{ passthrough: { host: 'eth0' } }] }),
      (e: Error) => /nics\[0\]\.passthrough\.host: PCI address/.test(e.message),
    );
    assert.throws(
      () => parseSpec({ vcpus: 0 }),
      (e: Error) => /vcpus:/.test(e.message),
    );
  });

  it('loads YAML and JSON files, with duplicate YAML keys an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-spec-'));
    writeFileSync(join(dir, 'a.yaml'), 'guest: debian11\nhypervisor: kvm\nmemory: 2GiB\ndisks:\n  - path: root.qcow2\n');
    const { spec, dir: d } = await loadSpecFile(join(dir, 'a.yaml'));
    assert.equal(spec.guest, 'debian11');
    assert.equal(spec.memory, 2 * 1024 ** 3);
    assert.equal(d, dir);
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ guest: 'win11', vcpus: 4 }));
    assert.equal((await loadSpecFile(join(dir, 'b.json'))).spec.vcpus, 4);
    writeFileSync(join(dir, 'c.yaml'), 'guest: a\nguest: b\n');
    await assert.rejects(loadSpecFile(join(dir, 'c.yaml')), /not valid YAML/);
    writeFileSync(join(dir, 'd.yaml'), 'guest: a\ncolour: blue\n');
    await assert.rejects(loadSpecFile(join(dir, 'd.yaml')), /d\.yaml: \(top level\): unknown key 'colour'/);
  });
});
