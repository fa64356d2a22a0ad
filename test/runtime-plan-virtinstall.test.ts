// Reference check: for KVM x86_64 guests the plan's choices match what virt-install picks from the same
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
import { SaxesParser } from 'saxes';
import { FIXED_PROVENANCE, guestData, loadFacts, tempDir } from './fixtures/runtime/load.ts';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import { deviceKey } from '../src/hypervisor-runtime/devices.ts';
import type { HostProfile } from '../src/hypervisor-runtime/host.ts';
import type { Because, Plan } from '../src/hypervisor-runtime/plan.ts';
import { probeHost } from '../src/hypervisor-runtime/probe.ts';
import { parseSpec } from '../src/hypervisor-runtime/spec.ts';
import { at, must } from '../src/util/must.ts';

const GUESTS = ['debian11', 'rhel9.0', 'rhel6.0', 'winxp', 'win10', 'win11', 'freebsd13.0'];

function skipReason(): string | false {
  if (spawnSync('virt-install', ['--version']).status !== 0) return 'virt-install is not installed (Debian package virtinst)';
  const v = spawnSync('virsh', ['-c', 'qemu:///system', 'uri'], { encoding: 'utf8', timeout: 10000 });
  if (v.status !== 0)
    return `libvirtd does not answer at qemu:///system (${(v.stderr || v.error?.message || '').trim().split('\n')[0]}); see the setup at the top of this file`;
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

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}
function parseXml(xml: string): Node {
  const p = new SaxesParser();
  const root: Node = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  p.on('opentag', (t) => {
    const n: Node = { name: t.name, attrs: t.attributes as Record<string, string>, children: [], text: '' };
    at(stack, -1, 'the open element').children.push(n);
    stack.push(n);
  });
  p.on('text', (t) => {
    at(stack, -1, 'the open element').text += t;
  });
  p.on('closetag', () => stack.pop());
  p.write(xml).close();
  return at(root.children, 0, 'the document element');
}
const all = (n: Node, name: string): Node[] => n.children.filter((c) => c.name === name);
const first = (n: Node | undefined, name: string): Node | undefined => n?.children.find((c) => c.name === name);

/** The choices the issue lists, read from virt-install's XML. */
function theirChoices(xml: string): Record<string, string> {
  const d = parseXml(xml);
  const os = first(d, 'os')!;
  const devs = first(d, 'devices')!;
  const machine = must(first(os, 'type')?.attrs.machine, "virt-install's <os><type machine=...>");
  const disk = all(devs, 'disk').find((x) => x.attrs.device === 'disk');
  const usb = all(devs, 'controller').find((c) => c.attrs.type === 'usb');
  const hyperv = first(first(d, 'features'), 'hyperv');
  const clock = first(d, 'clock')!;
  const timers = all(clock, 'timer').map((t) => `${t.attrs.name}${t.attrs.present === 'no' ? '-off' : ''}`);
  return {
    machine: /q35/.test(machine) ? 'q35' : /i440fx|^pc$/.test(machine) ? 'pc' : machine,
    firmware: os.attrs.firmware === 'efi' || first(os, 'loader') ? 'uefi' : 'bios',
    'disk bus': first(disk, 'target')?.attrs.bus ?? 'none',
    nic: (first(first(devs, 'interface'), 'model')?.attrs.type ?? 'none').replace(/^virtio.*/, 'virtio'),
    video: first(first(devs, 'video'), 'model')?.attrs.type ?? 'none',
    input:
      all(devs, 'input')
        .map((i) => `${i.attrs.type}/${i.attrs.bus}`)
        .join(',') || 'none',
    usb: usb?.attrs.model ?? 'none',
    sound: first(devs, 'sound')?.attrs.model ?? 'none',
    rng: first(devs, 'rng') ? 'virtio' : 'none',
    balloon: first(devs, 'memballoon')?.attrs.model?.replace(/^virtio.*/, 'virtio') ?? 'none',
    'guest agent': all(devs, 'channel').some((c) => first(c, 'target')?.attrs.name === 'org.qemu.guest_agent.0') ? 'yes' : 'no',
    tpm: first(devs, 'tpm')?.attrs.model ?? 'none',
    'hyperv:relaxed': first(hyperv, 'relaxed') ? 'on' : 'off',
    'hyperv:vapic': first(hyperv, 'vapic') ? 'on' : 'off',
    'hyperv:spinlocks': first(hyperv, 'spinlocks') ? 'on' : 'off',
    'hyperv:time': timers.includes('hypervclock') ? 'on' : 'off',
    clock: `${clock.attrs.offset};${timers.filter((t) => t !== 'hypervclock').join(',')}`,
    cpu: first(d, 'cpu')?.attrs.mode ?? 'hypervisor default',
  };
}

/** The same choices from the plan, each with the Because a difference must carry. */
function ourChoices(p: Plan): Record<string, { value: string; because: Because | undefined }> {
  const dev = (role: string) => p.devices.find((d) => d.role === role);
  const omitted = (role: string) => p.omitted.find((o) => o.role === role)?.because;
  const disk = dev('disk')!;
  const nic = dev('nic')!;
  const video = dev('display');
  const usb = dev('usb');
  const sound = dev('sound');
  const hv = (k: string) => p.paravirt.find((x) => x.key === k);
  const VIDEO: Record<string, string> = { 'virtio-gpu': 'virtio', qxl: 'qxl', vga: 'vga', cirrus: 'cirrus' };
  const SOUND: Record<string, string> = { 'ich9-hda': 'ich9', ich6: 'ich6', ac97: 'ac97' };
  const USB: Record<string, string> = { 'qemu-xhci': 'qemu-xhci', ehci: 'ich9-ehci1' };
  return {
    machine: { value: p.machine.type, because: p.machine.because },
    firmware: { value: p.firmware.type, because: p.firmware.because },
    'disk bus': { value: disk.bus, because: disk.because },
    nic: { value: nic.paravirtInterface.startsWith('VIRTIO') ? 'virtio' : (deviceKey(nic.deviceId) ?? nic.model), because: nic.because },
    video: { value: video ? (VIDEO[deviceKey(video.deviceId) ?? ''] ?? video.model) : 'none', because: video?.because },
    input: {
      value:
        p.devices
          .filter((d) => d.role === 'input')
          .map((d) => `tablet/${d.bus}`)
          .join(',') || 'none',
      because: dev('input')?.because,
    },
    usb: {
      value: usb ? (USB[deviceKey(usb.deviceId) ?? (usb.model === 'ich9-usb-ehci1' ? 'ehci' : '')] ?? usb.model) : 'none',
      because: usb?.because,
    },
    sound: { value: sound ? (SOUND[deviceKey(sound.deviceId) ?? ''] ?? sound.model) : 'none', because: sound?.because ?? omitted('sound') },
    rng: { value: dev('rng') ? 'virtio' : 'none', because: dev('rng')?.because ?? omitted('rng') },
    balloon: { value: dev('balloon') ? 'virtio' : 'none', because: dev('balloon')?.because ?? omitted('balloon') },
    'guest agent': { value: dev('guest-agent') ? 'yes' : 'no', because: dev('guest-agent')?.because ?? omitted('guest-agent') },
    tpm: { value: p.tpm.present ? p.tpm.model! : 'none', because: p.tpm.because },
    'hyperv:relaxed': { value: hv('hv-relaxed')?.enabled ? 'on' : 'off', because: hv('hv-relaxed')?.because },
    'hyperv:vapic': { value: hv('hv-vapic')?.enabled ? 'on' : 'off', because: hv('hv-vapic')?.because },
    'hyperv:spinlocks': { value: hv('hv-spinlocks')?.enabled ? 'on' : 'off', because: hv('hv-spinlocks')?.because },
    'hyperv:time': { value: hv('hv-time')?.enabled ? 'on' : 'off', because: hv('hv-time')?.because },
    clock: {
      value: `${p.clock.offset};${p.clock.timers
        .filter((t) => t.name !== 'hypervclock')
        .map((t) => `${t.name}${t.present === false ? '-off' : ''}`)
        .join(',')}`,
      because: p.clock.because,
    },
    cpu: { value: p.cpu.mode === 'max' ? 'hypervisor default' : p.cpu.mode, because: p.cpu.because },
  };
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
      const ours = ourChoices(r.plan);
      const rows: string[] = [];
      let same = 0;
      const unexplained: string[] = [];
      for (const [aspect, their] of Object.entries(theirs)) {
        const o = must(ours[aspect], `our choice for ${aspect}`);
        if (o.value === their) {
          same++;
          continue;
        }
        const d = o.because?.differsFrom;
        const explained = !!d && d.why.length > 0;
        rows.push(`${aspect}: virt-install ${their}, plan ${o.value} — ${explained ? `explained: ${d!.why}` : 'NOT EXPLAINED'}`);
        if (!explained) unexplained.push(`${aspect}: virt-install ${their}, plan ${o.value}${o.because ? ` (${o.because.reason})` : ''}`);
      }
      t.annotate(`${guest}: ${same}/${Object.keys(theirs).length} choices equal${rows.length ? `; ${rows.join('; ')}` : ''}`);
      summary.push(`${guest}: ${same}/${Object.keys(theirs).length}`);
      assert.deepEqual(unexplained, [], `${guest}: choices that differ from virt-install without an explanation`);
    });
  }
  it('summary', (t) => t.annotate(summary.join(', ')));
});
