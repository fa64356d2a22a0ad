// Reference check (seven guests from fixtures; bench/plan-virtinstall.ts measures every osinfo-db x86 guest
// against the imported catalogue): for KVM x86_64 guests the plan's choices match what virt-install picks from the same
// osinfo data, unless the plan says why it differs (Because.differsFrom names virt-install's answer).
//
// Runs when virt-install and a libvirtd serving qemu:///system are present. Setup on Debian (as .ci/run does):
//   apt-get install -y virtinst libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 ovmf swtpm
//   printf 'user = "root"\ngroup = "root"\n' > /etc/libvirt/qemu.conf; useradd --system libvirt-qemu
//   mkdir -p /var/log/libvirt /var/lib/libvirt /var/cache/libvirt /run/libvirt; libvirtd -d
// The guest fixtures must come from the installed osinfo-db (test/fixtures/runtime/gen-guest-facts.py).
import { describe, it, beforeAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXED_PROVENANCE, guestData, loadFacts, tempDir } from './fixtures/runtime/load.ts';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import type { HostProfile } from '../src/hypervisor-runtime/host.ts';
import { probeHost } from '../src/hypervisor-runtime/probe.ts';
import { parseSpec } from '../src/hypervisor-runtime/spec.ts';
import { compare, theirChoices, virtInstallUnavailable } from './fixtures/runtime/virt-install.ts';

const GUESTS = ['debian11', 'rhel9.0', 'rhel6.0', 'winxp', 'win10', 'win11', 'freebsd13.0'];

function skipReason(): string | false {
  const missing = virtInstallUnavailable();
  if (missing) return missing;
  let installed = '';
  try {
    installed = readFileSync('/usr/share/osinfo/VERSION', 'utf8').trim();
  } catch {
    return 'osinfo-db is not installed';
  }
  const fixture = String(guestData('debian11').sourceVersion);
  if (installed !== fixture)
    return `guest fixtures come from osinfo-db ${fixture}, ${installed} is installed: regenerate them with test/fixtures/runtime/gen-guest-facts.py`;
  return false;
}

describe('choices match virt-install from the same osinfo data, or say why not', { skip: skipWith(skipReason()) }, () => {
  let host: HostProfile;
  let img: string;
  beforeAll(async () => {
    host = await probeHost({ timeoutMs: 8000 });
    const dir = tempDir('vc-vi-');
    img = join(dir, 'disk.img');
    closeSync(openSync(img, 'w'));
  });

  const summary: string[] = [];
  for (const guest of GUESTS) {
    it(guest, (t) => {
      const facts = loadFacts(guest, 'kvm');
      const minRam = facts.guest.resources.find((r) => r.kind === 'MINIMUM' && (r.arch === 'x86_64' || r.arch === 'all'))?.ramBytes ?? 0;
      const memoryMiB = Math.max(2048, Math.ceil(minRam / 1024 ** 2));
      const vi = spawnSync(
        'virt-install',
        [
          '--connect',
          'qemu:///system',
          '--print-xml',
          '--os-variant',
          guest,
          '--import',
          '--disk',
          `path=${img}`,
          '--memory',
          String(memoryMiB),
          '--network',
          'user',
          '--name',
          'x',
        ],
        { encoding: 'utf8', timeout: 120000 },
      );
      assert.equal(vi.status, 0, vi.stderr);
      const theirs = theirChoices(vi.stdout);
      const r = decide({
        facts,
        provenance: FIXED_PROVENANCE,
        host,
        spec: parseSpec({ name: 'x', memory: memoryMiB, disks: [{ path: img }] }),
      });
      if (!r.ok) assert.fail(`no plan for ${guest}: ${r.error.message}`);
      const c = compare(theirs, r.plan);
      const n = c.same.length + c.explained.length + c.unexplained.length;
      const rows = [
        ...c.explained.map((e) => `${e.decision}: virt-install ${e.theirs}, plan ${e.ours} — explained: ${e.why}`),
        ...c.unexplained.map((e) => `${e.decision}: virt-install ${e.theirs}, plan ${e.ours} — NOT EXPLAINED`),
      ];
      const unexplained = c.unexplained.map((e) => `${e.decision}: virt-install ${e.theirs}, plan ${e.ours} (${e.reason})`);
      t.annotate(`${guest}: ${c.same.length}/${n} choices equal${rows.length ? `; ${rows.join('; ')}` : ''}`);
      summary.push(`${guest}: ${c.same.length}/${n}`);
      assert.deepEqual(unexplained, [], `${guest}: choices that differ from virt-install without an explanation`);
    });
  }
  it('summary', (t) => t.annotate(summary.join(', ')));
});
