// Every `virtcompat plan --format` renders, out of the box (no spec: the CLI's default disk, the default NIC),
// for a modern Linux (debian11), an old Linux (rhel6.0) and a Windows guest (win10) with the shipped
// examples/hosts profile of each hypervisor, and what it renders is accepted by the format's own tool:
// virt-xml-validate for libvirt, qemu-system-x86_64 itself (started paused, asked over QMP, told to quit) for
// the QEMU argv, and for xl.cfg, .vmx, Cloud Hypervisor and Firecracker a parser of their documented syntax.
// Where a VMM cannot run the guest, the exact PlanError is asserted.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { main } from '../src/cli/main.ts';
import { writeSnapshotEntry } from '../src/hypervisor-runtime/client.ts';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import { loadHostProfile } from '../src/hypervisor-runtime/host.ts';
import { explainPlan } from '../src/hypervisor-runtime/explain.ts';
import { normalizeFacts } from '../src/hypervisor-runtime/facts.ts';
import { resolveSpecPaths } from '../src/hypervisor-runtime/plan-vm.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import { executePrepare } from '../src/hypervisor-runtime/prepare.ts';
import { renderText } from '../src/hypervisor-runtime/render/index.ts';
import { renderQemu } from '../src/hypervisor-runtime/render/qemu.ts';
import { renderVmx } from '../src/hypervisor-runtime/render/vmware.ts';
import { parseSpec } from '../src/hypervisor-runtime/spec.ts';
import { TYPICAL_HOSTS } from '../src/hypervisor-runtime/move/service.ts';
import { FIXED_PROVENANCE, hypervisorData, planningData, ROOT, tempDir } from './fixtures/runtime/load.ts';

const SERVICE = 'http://127.0.0.1:9/graphql';
const HOSTS = join(ROOT, 'examples', 'hosts');
const GUESTS = ['debian11', 'rhel6.0', 'win10'] as const;
const HVS = ['kvm', 'xen', 'vmware', 'hyperv', 'cloud-hypervisor', 'firecracker'] as const;
type Hv = (typeof HVS)[number];
const HOST_OF: Record<Hv, string> = TYPICAL_HOSTS;
const FORMATS_OF: Record<Hv, string[]> = {
  kvm: ['json', 'qemu', 'libvirt'],
  xen: ['json', 'xl'],
  vmware: ['json', 'vmx'],
  hyperv: ['json'],
  'cloud-hypervisor': ['json', 'cloud-hypervisor'],
  firecracker: ['json', 'firecracker'],
};
/** Guests a VMM cannot run, with the exact reason the plan gives. */
const REFUSED: Record<string, { code: string; message: string }> = {
  'rhel6.0/cloud-hypervisor': {
    code: 'NO_FIRMWARE',
    message: 'Cloud Hypervisor v38.0 boots a kernel (boot.kernel) or UEFI (CLOUDHV.fd); no record that rhel6.0 boots UEFI',
  },
  'win10/cloud-hypervisor': {
    code: 'NO_DEVICE_PATH',
    message:
      'disk0: no disk device fits: Cloud Hypervisor v38.0 offers disk; win10 drives none of them. Considered: disk (needs the add-on driver virtio-win; the spec does not say it is installed (drivers.addon: false))',
  },
  'rhel6.0/firecracker': {
    code: 'NO_DEVICE_PATH',
    message:
      'drive0: no disk device fits: Firecracker v1.7 offers virtio-block; rhel6.0 drives none of them. Considered: virtio-block (the virtio-mmio transport needs Linux 3.2; rhel6.0 ships 2.6.32)',
  },
  'win10/firecracker': {
    code: 'NO_BACKEND',
    message: 'Firecracker v1.7 runs Linux guests only (virtio-mmio, kernel boot); win10 is winnt',
  },
  'rhel6.0/hyperv': {
    code: 'NO_DEVICE_PATH',
    message:
      'nic0: no nic device fits: Hyper-V (Windows Server 2022), configuration 10.0 offers Network Adapter, Legacy Network Adapter; rhel6.0 drives none of them. Considered: Network Adapter (no record that rhel6.0 drives it); Legacy Network Adapter (no record that rhel6.0 drives it)',
  },
};

async function run(args: string[], cwd: string) {
  let out = '';
  let err = '';
  const mk = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(args, { stdout: mk((s) => (out += s)), stderr: mk((s) => (err += s)), env: { HOME: tempDir('vc-home-') }, cwd });
  return { code, out, err };
}

// ---- parsers of the documented syntaxes ----

/** xl.cfg(5): `KEY = VALUE` lines, `#` comments; VALUE a number, a "string" / 'string', or a [ list ] of those. */
function parseXl(text: string): Record<string, number | string | (number | string)[]> {
  const out: Record<string, number | string | (number | string)[]> = {};
  let i = 0;
  const s = text;
  const ws = () => {
    while (i < s.length && /[ \t]/.test(s[i] ?? '')) i++;
  };
  const value = (): number | string | (number | string)[] => {
    ws();
    const ch = s[i];
    if (ch === '"' || ch === "'") {
      i++;
      let v = '';
      while (i < s.length && s[i] !== ch) {
        if (s[i] === '\n') throw new Error(`unterminated string at ${i}`);
        if (s[i] === '\\') i++;
        v += s[i++];
      }
      if (s[i] !== ch) throw new Error('unterminated string');
      i++;
      return v;
    }
    if (ch === '[') {
      i++;
      const list: (number | string)[] = [];
      for (;;) {
        while (i < s.length && /[\s]/.test(s[i] ?? '')) i++;
        if (s[i] === ']') {
          i++;
          return list;
        }
        const v = value();
        if (Array.isArray(v)) throw new Error('nested list');
        list.push(v);
        while (i < s.length && /[\s]/.test(s[i] ?? '')) i++;
        if (s[i] === ',') i++;
        else if (s[i] !== ']') throw new Error(`expected , or ] at ${i}: ${s.slice(i, i + 20)}`);
      }
    }
    const m = /^(0x[0-9a-fA-F]+|\d+)/.exec(s.slice(i));
    if (!m) throw new Error(`bad value at ${i}: ${s.slice(i, i + 30)}`);
    i += m[0].length;
    return Number(m[0]);
  };
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++;
    if (i >= s.length) break;
    if (s[i] === '#') {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    const k = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (!k) throw new Error(`bad key at ${i}: ${s.slice(i, i + 30)}`);
    i += k[0].length;
    ws();
    if (s[i] !== '=') throw new Error(`expected = after ${k[0]}`);
    i++;
    if (k[0] in out) throw new Error(`duplicate key ${k[0]}`);
    out[k[0]] = value();
    ws();
    if (s[i] === '#') while (i < s.length && s[i] !== '\n') i++;
    if (i < s.length && s[i] !== '\n') throw new Error(`trailing text after ${k[0]}: ${s.slice(i, i + 30)}`);
  }
  return out;
}

/** An xl disk spec string (xl-disk-configuration(5)): comma-separated key=value, target last. */
function checkXlDisk(d: string) {
  const parts = d.split(/,\s*/);
  const target = parts.findIndex((p) => p.startsWith('target='));
  assert.equal(target, parts.length - 1, `target= must come last: ${d}`);
  for (const p of parts) {
    const [k, v] = p.split('=', 2);
    assert.ok(['format', 'vdev', 'access', 'devtype', 'target', 'backendtype'].includes(k ?? ''), `disk key ${k}`);
    if (k === 'format') assert.ok(['raw', 'qcow', 'qcow2', 'vhd', 'qed'].includes(v ?? ''), `disk format ${v}`);
    if (k === 'vdev') assert.match(v ?? '', /^(xvd|hd|sd)[a-z]+$/);
    if (k === 'access') assert.ok(['ro', 'rw', 'r', 'w'].includes(v ?? ''));
    if (k === 'target') assert.ok((v ?? '').startsWith('/'), `absolute target: ${v}`);
  }
}

const VMX_GUEST_OS = new Set([
  'winxppro',
  'winxppro-64',
  'windows7-64',
  'windows8-64',
  'windows9-64',
  'windows11-64',
  'windows2019srv-64',
  'windows2019srvnext-64',
  'debian10-64',
  'debian11-64',
  'debian12-64',
  'rhel6-64',
  'rhel7-64',
  'rhel8-64',
  'rhel9-64',
  'centos7-64',
  'centos8-64',
  'ubuntu-64',
  'freebsd13-64',
  'other5xlinux-64',
  'other4xlinux-64',
  'other3xlinux-64',
  'other26xlinux-64',
  'other-64',
]);

/** .vmx: `key = "value"` lines (# comments), keys with a known device prefix and values valid for them. */
function parseVmx(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [n, line] of text.split('\n').entries()) {
    if (line === '' || line.startsWith('#')) continue;
    const kv = /^([A-Za-z_.][A-Za-z0-9_.:]*) = "([^"]*)"$/.exec(line);
    assert.ok(kv, `line ${n + 1} is not key = "value": ${line}`);
    const [, k = '', v = ''] = kv;
    assert.ok(!m.has(k), `duplicate key ${k}`);
    m.set(k, v);
  }
  const bool = (k: string) => assert.ok(['TRUE', 'FALSE'].includes(m.get(k) ?? ''), `${k} = ${m.get(k)}`);
  for (const [k, v] of m) {
    const dev = /^(scsi|sata|ide|nvme)(\d+)(?::(\d+))?\.(\w+)$/.exec(k);
    const eth = /^ethernet(\d+)\.(\w+)$/.exec(k);
    if (k.endsWith('.present')) bool(k);
    if (dev) {
      const [, bus, ctl, unit, prop] = dev;
      assert.ok(m.get(`${bus}${ctl}.present`) === 'TRUE', `${k}: controller ${bus}${ctl} is not present`);
      if (unit === undefined) {
        assert.ok(['present', 'virtualDev', 'pciSlotNumber'].includes(prop ?? ''), k);
        if (prop === 'virtualDev') assert.ok(['lsilogic', 'lsisas1068', 'pvscsi', 'buslogic'].includes(v), `${k} = ${v}`);
      } else {
        assert.ok(
          bus === 'ide' ? Number(ctl) <= 1 && Number(unit) <= 1 : Number(unit) <= (bus === 'sata' ? 29 : 15),
          `${k}: slot out of range`,
        );
        assert.ok(['present', 'fileName', 'deviceType', 'mode', 'startConnected'].includes(prop ?? ''), k);
        if (prop === 'deviceType') assert.ok(['disk', 'cdrom-image', 'atapi-cdrom', 'cdrom-raw'].includes(v), `${k} = ${v}`);
        if (prop === 'fileName' && m.get(`${bus}${ctl}:${unit}.deviceType`) === undefined)
          assert.match(v, /\.vmdk$/, `${k}: a VMware disk is a .vmdk`);
      }
    } else if (eth) {
      const [, , prop] = eth;
      assert.ok(
        ['present', 'virtualDev', 'connectionType', 'networkName', 'addressType', 'address', 'generatedAddress'].includes(prop ?? ''),
        k,
      );
      if (prop === 'virtualDev') assert.ok(['e1000', 'e1000e', 'vmxnet3', 'vlance', 'vmxnet'].includes(v), `${k} = ${v}`);
      if (prop === 'connectionType') assert.ok(['bridged', 'nat', 'hostonly', 'custom'].includes(v), `${k} = ${v}`);
      if (prop === 'addressType') assert.ok(['static', 'generated', 'vpx'].includes(v));
      if (prop === 'address')
        assert.match(v, /^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/i, `${k}: VMware static MACs are 00:50:56:00-3F`);
    } else {
      const known = [
        '.encoding',
        'config.version',
        'virtualHW.version',
        'displayName',
        'guestOS',
        'firmware',
        'uefi.secureBoot.enabled',
        'numvcpus',
        'cpuid.coresPerSocket',
        'memSize',
        'vtpm.present',
        'svga.present',
        'usb_xhci.present',
        'tools.syncTime',
      ];
      assert.ok(known.includes(k) || /^pciPassthru\d+\.(present|id)$/.test(k), `unknown .vmx key ${k}`);
    }
  }
  assert.ok(VMX_GUEST_OS.has(m.get('guestOS') ?? ''), `guestOS ${m.get('guestOS')}`);
  assert.ok(['bios', 'efi'].includes(m.get('firmware') ?? ''));
  assert.match(m.get('virtualHW.version') ?? '', /^\d+$/);
  assert.match(m.get('memSize') ?? '', /^\d+$/);
  return m;
}

/** Firecracker --config-file: the JSON schema's top-level objects and their fields (firecracker swagger). */
function checkFirecracker(text: string) {
  const cfg = JSON.parse(text) as Record<string, unknown>;
  const allowed = [
    'boot-source',
    'drives',
    'machine-config',
    'network-interfaces',
    'balloon',
    'entropy',
    'logger',
    'metrics',
    'vsock',
    'mmds-config',
    'cpu-config',
  ];
  for (const k of Object.keys(cfg)) assert.ok(allowed.includes(k), `unknown top-level key ${k}`);
  const bs = cfg['boot-source'] as Record<string, unknown>;
  assert.equal(typeof bs.kernel_image_path, 'string');
  assert.ok(String(bs.kernel_image_path).startsWith('/'), 'kernel path absolute');
  for (const k of Object.keys(bs)) assert.ok(['kernel_image_path', 'initrd_path', 'boot_args'].includes(k), `boot-source.${k}`);
  const drives = cfg.drives as Record<string, unknown>[];
  assert.ok(Array.isArray(drives) && drives.length >= 1);
  assert.equal(drives.filter((d) => d.is_root_device === true).length, 1, 'exactly one root device');
  for (const d of drives) {
    for (const k of Object.keys(d))
      assert.ok(
        ['drive_id', 'path_on_host', 'is_root_device', 'is_read_only', 'partuuid', 'cache_type', 'rate_limiter', 'io_engine'].includes(k),
        `drives.${k}`,
      );
    assert.match(String(d.drive_id), /^[A-Za-z0-9_]+$/);
    assert.match(String(d.path_on_host), /^\/.*\.(raw|ext4|img)$/, 'Firecracker reads raw images');
    assert.equal(typeof d.is_read_only, 'boolean');
  }
  const mc = cfg['machine-config'] as Record<string, unknown>;
  assert.ok(Number.isInteger(mc.vcpu_count) && (mc.vcpu_count as number) >= 1 && (mc.vcpu_count as number) <= 32);
  assert.ok(Number.isInteger(mc.mem_size_mib) && (mc.mem_size_mib as number) > 0);
  for (const n of cfg['network-interfaces'] as Record<string, unknown>[]) {
    assert.deepEqual(Object.keys(n).sort(), ['guest_mac', 'host_dev_name', 'iface_id']);
    assert.match(String(n.guest_mac), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.ok(String(n.host_dev_name).length > 0 && String(n.host_dev_name).length < 16, 'a Linux interface name');
  }
}

/** Cloud Hypervisor's command line: its documented options, each `key=value,...` with the keys its --help lists. */
function checkCloudHypervisor(text: string) {
  const words = [...text.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').filter((w) => w !== '\\');
  assert.equal(words[0], 'cloud-hypervisor');
  const KEYS: Record<string, string[]> = {
    '--api-socket': ['path', 'fd'],
    '--cpus': ['boot', 'max', 'topology', 'kvm_hyperv', 'max_phys_bits', 'affinity', 'features'],
    '--memory': ['size', 'mergeable', 'shared', 'hugepages', 'hugepage_size', 'hotplug_method', 'hotplug_size', 'prefault', 'thp'],
    '--disk': ['path', 'readonly', 'direct', 'iommu', 'num_queues', 'queue_size', 'vhost_user', 'socket', 'id', 'pci_segment', 'serial'],
    '--net': ['tap', 'ip', 'mask', 'mac', 'host_mac', 'mtu', 'iommu', 'num_queues', 'queue_size', 'id', 'vhost_user', 'socket', 'fd'],
    '--rng': ['src', 'iommu'],
    '--balloon': ['size', 'deflate_on_oom', 'free_page_reporting'],
    '--device': ['path', 'iommu', 'id', 'pci_segment'],
  };
  const free = ['--kernel', '--initramfs', '--cmdline', '--serial', '--console', '--firmware'];
  let sawKernel = false;
  for (let i = 1; i < words.length; i++) {
    const opt = words[i] ?? '';
    assert.ok(opt.startsWith('--'), `expected an option at ${opt}`);
    assert.ok(opt in KEYS || free.includes(opt), `unknown option ${opt}`);
    if (opt === '--kernel') sawKernel = true;
    // options taking several values (--disk, --net) consume words up to the next option
    while (i + 1 < words.length && !(words[i + 1] ?? '').startsWith('--')) {
      const v = words[++i] ?? '';
      if (opt in KEYS)
        for (const kv of v.split(',')) {
          const [k] = kv.split('=');
          assert.ok(KEYS[opt]?.includes(k ?? ''), `${opt}: unknown key ${k}`);
          if (k === 'path' && opt === '--disk') assert.ok(kv.slice(5).startsWith('/'), `absolute disk path ${kv}`);
        }
      if (opt === '--serial' || opt === '--console')
        assert.ok(['off', 'null', 'pty', 'tty'].includes(v) || /^(file|socket)=/.test(v), `${opt} ${v}`);
    }
  }
  assert.ok(sawKernel, '--kernel (or the firmware as kernel) is given');
}

const hasValidator = spawnSync('virt-xml-validate', ['--help']).error === undefined;
const hasQemu = spawnSync('qemu-system-x86_64', ['-version']).status === 0;

async function qmpQuit(path: string, exited: Promise<unknown>, phase: { quitting: boolean }, deadlineMs = 30000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const sock = await new Promise<Socket | null>((res) => {
      const s = connect(path, () => res(s));
      s.once('error', () => res(null));
    });
    if (sock) {
      let buf = '';
      const lines: Record<string, unknown>[] = [];
      let wake: (() => void) | null = null;
      sock.on('data', (d) => {
        buf += d;
        let k = buf.indexOf('\n');
        while (k >= 0) {
          const l = buf.slice(0, k).trim();
          buf = buf.slice(k + 1);
          if (l) {
            const msg = JSON.parse(l) as Record<string, unknown>;
            if (!('event' in msg)) lines.push(msg);
          }
          k = buf.indexOf('\n');
        }
        wake?.();
      });
      const next = async () => {
        while (!lines.length) await new Promise<void>((r) => (wake = r));
        return lines.shift() as Record<string, unknown>;
      };
      await next(); // greeting
      sock.write('{"execute":"qmp_capabilities"}\n');
      await next();
      sock.write('{"execute":"query-status"}\n');
      const status = (((await next()).return ?? {}) as { status?: string }).status ?? '';
      phase.quitting = true;
      sock.write('{"execute":"quit"}\n');
      await exited;
      sock.destroy();
      return status;
    }
    if (Date.now() - t0 > deadlineMs) throw new Error(`no QMP socket at ${path} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('every plan --format renders out of the box and its tool accepts it', () => {
  const snap = tempDir('vc-rv-snap-');
  const cwd = tempDir('vc-rv-cwd-');
  beforeAll(() => {
    const when = new Date();
    for (const g of [...GUESTS, 'winxp']) for (const hv of HVS) writeSnapshotEntry(snap, SERVICE, g, hv, planningData(g, hv), when);
  });
  const plan = (g: string, hv: Hv, format: string, host = HOST_OF[hv]) =>
    run(
      [
        'plan',
        '--guest',
        g,
        '--hypervisor',
        hv,
        '--host',
        join(HOSTS, `${host}.json`),
        '--service',
        SERVICE,
        '--snapshot-dir',
        snap,
        '--offline',
        '--format',
        format,
      ],
      cwd,
    );

  for (const g of GUESTS)
    for (const hv of HVS) {
      const refused = REFUSED[`${g}/${hv}`];
      if (refused) {
        it(`${g} on ${hv}: refused with the exact reason`, async () => {
          const r = await plan(g, hv, 'json');
          assert.equal(r.code, 1, r.err);
          const e = JSON.parse(r.out) as { error: string; message: string };
          assert.equal(e.error, refused.code);
          assert.equal(e.message, refused.message);
        });
        continue;
      }
      for (const f of FORMATS_OF[hv])
        it(`${g} on ${hv} (examples/hosts/${HOST_OF[hv]}.json) → ${f}`, async (ctx) => {
          const r = await plan(g, hv, f);
          assert.equal(r.code, 0, r.err);
          const text = r.out;
          const file = join(cwd, `${g}-${hv}.${f}`);
          writeFileSync(file, text);
          if (f === 'json') {
            const p = JSON.parse(text) as Plan;
            for (const d of p.devices.filter((x) => x.disk))
              assert.ok(d.disk?.source.startsWith('/'), `${d.id}: ${d.disk?.source} is absolute`);
            // the CLI's default disk is <name>.qcow2 in the working directory
            const disk0 = p.devices.find((d) => d.role === 'disk');
            assert.equal(disk0?.disk?.convertFrom?.path ?? disk0?.disk?.source, join(cwd, `${g}.qcow2`));
            // each hypervisor's disk format: VMware VMDK, Hyper-V VHDX, Firecracker raw (converted from the qcow2)
            const want = { vmware: 'vmdk', hyperv: 'vhdx', firecracker: 'raw' }[hv as string] ?? 'qcow2';
            assert.equal(disk0?.disk?.format, want);
            if (want !== 'qcow2')
              assert.deepEqual(disk0?.disk?.convertFrom?.argv.slice(0, 6), ['qemu-img', 'convert', '-f', 'qcow2', '-O', want]);
          } else if (f === 'libvirt') {
            if (!hasValidator) return ctx.skip('virt-xml-validate not installed (Debian package libvirt-clients)');
            const v = spawnSync('virt-xml-validate', [file, 'domain'], { encoding: 'utf8' });
            assert.equal(v.status, 0, `${v.stderr}${v.stdout}`);
          } else if (f === 'qemu') {
            assert.match(text, new RegExp(`file,filename=${join(cwd, g)}\\.qcow2`));
          } else if (f === 'xl') {
            const cfg = parseXl(text);
            assert.equal(cfg.name, g);
            assert.ok(['hvm', 'pvh', 'pv'].includes(String(cfg.type)));
            assert.equal(typeof cfg.memory, 'number');
            const disks = cfg.disk;
            assert.ok(Array.isArray(disks) && disks.length >= 1);
            for (const d of disks) checkXlDisk(String(d));
            for (const v of (cfg.vif ?? []) as string[]) assert.match(v, /^mac=([0-9a-f]{2}:){5}[0-9a-f]{2}, (bridge|vifname)=/);
          } else if (f === 'vmx') {
            const m = parseVmx(text);
            assert.equal(m.get('scsi0:0.fileName') ?? m.get('sata0:0.fileName') ?? m.get('ide0:0.fileName'), join(cwd, `${g}.vmdk`));
            assert.match(
              text,
              new RegExp(
                `# disk0: convert the image first: qemu-img convert -f qcow2 -O vmdk ${join(cwd, g)}\\.qcow2 ${join(cwd, g)}\\.vmdk`,
              ),
            );
          } else if (f === 'cloud-hypervisor') checkCloudHypervisor(text);
          else if (f === 'firecracker') {
            checkFirecracker(text);
            const cfg = JSON.parse(text) as { 'boot-source': { kernel_image_path: string }; drives: { path_on_host: string }[] };
            assert.equal(cfg['boot-source'].kernel_image_path, join(cwd, 'vmlinux'));
            assert.equal(cfg.drives[0]?.path_on_host, join(cwd, `${g}.raw`));
            assert.match(r.err, /boot\.kernel not given: the plan boots .*vmlinux, to provide: an uncompressed Linux kernel/);
            const ex = await plan(g, hv, 'json');
            const fcPlan = JSON.parse(ex.out) as Plan;
            assert.equal(fcPlan.boot?.toProvide?.startsWith('an uncompressed Linux kernel (vmlinux)'), true);
            assert.match(explainPlan(fcPlan), /Direct kernel boot: .*vmlinux \(to provide: an uncompressed Linux kernel/);
          }
        });
    }

  it.skipIf(!hasQemu)(
    'QEMU starts each guest paused from the rendered argv (examples/hosts/tcg-x86_64.json) and quits when told',
    async () => {
      for (const g of GUESTS) {
        const r = await plan(g, 'kvm', 'json', 'tcg-x86_64');
        assert.equal(r.code, 0, r.err);
        const p = JSON.parse(r.out) as Plan;
        const img = join(cwd, `${g}.qcow2`);
        const mk = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '1G'], { encoding: 'utf8' });
        assert.equal(mk.status, 0, mk.stderr);
        const run = tempDir('vc-rv-run-');
        const qmp = join(run, 'qmp.sock');
        const cmd = renderQemu(p, {
          runDir: join(run, 'r'),
          qmpSocket: qmp,
          paused: true,
          display: 'none',
          serial: { kind: 'file', path: join(run, 'serial.log') },
        });
        const prepared = await executePrepare(cmd.prepare);
        const child = spawn(cmd.binary, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
        const phase = { quitting: false };
        try {
          const status = await Promise.race([
            qmpQuit(qmp, exited, phase),
            // QEMU gone before it was told to quit: it refused the argv
            exited.then((c) => {
              if (phase.quitting) return new Promise<string>(() => {});
              throw new Error(`${g}: QEMU refused the argv (exit ${c}): ${stderr}`);
            }),
          ]);
          assert.equal(status, 'prelaunch', g);
          assert.equal(await exited, 0, stderr);
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
          await prepared.cleanup();
        }
      }
    },
    180_000,
  );

  it('winxp plans for VMware as for KVM and Xen, on the E1000 the catalogue lists for ESXi (8086:100f)', async () => {
    for (const hv of ['kvm', 'xen', 'vmware'] as const) {
      const r = await plan('winxp', hv, 'json');
      assert.equal(r.code, 0, `${hv}: ${r.err}`);
    }
    // the curated seed lists VMware's E1000 as the 82545EM, 8086:100f; osinfo-db records winxp's PRO/1000 as 8086:100e
    const seed = parseYaml(readFileSync(join(ROOT, 'seed', 'curated', 'hypervisors', 'vmware.yaml'), 'utf8')) as {
      releases: { devices: { deviceId: string; model: string }[] }[];
    };
    const e1000 = seed.releases[0]?.devices.find((d) => d.model === 'E1000');
    assert.equal(e1000?.deviceId, 'http://pcisig.com/pci/8086/100f');
    // the VMware release devices as the seed has them; the guest keeps its own record for 100e
    const vmware = JSON.parse(
      JSON.stringify(hypervisorData('vmware')).replaceAll('http://pcisig.com/pci/8086/100e', e1000.deviceId),
    ) as Record<string, unknown>;
    assert.ok(JSON.stringify(vmware).includes(e1000.deviceId));
    const d = decide({
      facts: normalizeFacts({ ...planningData('winxp', 'vmware'), hypervisor: vmware }),
      provenance: FIXED_PROVENANCE,
      host: loadHostProfile(join(HOSTS, 'esxi-x86_64.json')),
      spec: parseSpec({ name: 'xp', disks: [{ path: '/vmfs/volumes/ds1/xp/xp.vmdk' }] }),
    });
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    const nic = d.plan.devices.find((x) => x.role === 'nic');
    assert.equal(nic?.deviceId, 'http://pcisig.com/pci/8086/100f');
    assert.match(nic?.because.reason ?? '', /82545EM and 82540EM share one driver/);
    const m = parseVmx(renderVmx(d.plan));
    assert.equal(m.get('ethernet0.virtualDev'), 'e1000');
    assert.equal(m.get('guestOS'), 'winxppro');
  });

  it('paths already absolute in their own way are kept: /…, a VMware datastore, a Windows drive or share', () => {
    const spec = parseSpec({
      disks: [
        { path: '/srv/a.qcow2' },
        { path: '[datastore1] vm/vm.vmdk' },
        { path: 'D:\\VMs\\a.vhdx' },
        { path: '\\\\srv\\vms\\b.vhdx' },
        { path: 'rel/c.raw' },
      ],
      boot: { kernel: 'k/vmlinux', initrd: 'k/initrd' },
    });
    const r = resolveSpecPaths(spec, '/base');
    assert.deepEqual(
      r.disks?.map((d) => d.path),
      ['/srv/a.qcow2', '[datastore1] vm/vm.vmdk', 'D:\\VMs\\a.vhdx', '\\\\srv\\vms\\b.vhdx', '/base/rel/c.raw'],
    );
    assert.equal(r.boot?.kernel, '/base/k/vmlinux');
    assert.equal(r.boot?.initrd, '/base/k/initrd');
  });

  it('a spec with relative paths plans them against its own folder (libvirt validates)', async () => {
    const dir = tempDir('vc-rv-spec-');
    writeFileSync(join(dir, 'vm.yaml'), 'name: rel\ndisks:\n  - path: images/rel.qcow2\n  - path: iso/install.iso\n    device: cdrom\n');
    const r = await run(
      [
        'plan',
        '--guest',
        'debian11',
        '--hypervisor',
        'kvm',
        '--host',
        join(HOSTS, 'kvm-x86_64.json'),
        '--spec',
        join(dir, 'vm.yaml'),
        '--service',
        SERVICE,
        '--snapshot-dir',
        snap,
        '--offline',
        '--format',
        'libvirt',
      ],
      cwd,
    );
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes(`<source file="${join(dir, 'images', 'rel.qcow2')}"/>`), r.out);
    assert.ok(r.out.includes(`<source file="${join(dir, 'iso', 'install.iso')}"/>`));
    if (hasValidator) {
      writeFileSync(join(dir, 'rel.xml'), r.out);
      const v = spawnSync('virt-xml-validate', [join(dir, 'rel.xml'), 'domain'], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stderr);
    }
    // what the runtime renders from the plan alone is as the plan says: no renderer invents a relative path
    const again = renderText(
      JSON.parse(
        (
          await run(
            [
              'plan',
              '--guest',
              'debian11',
              '--hypervisor',
              'kvm',
              '--host',
              join(HOSTS, 'kvm-x86_64.json'),
              '--spec',
              join(dir, 'vm.yaml'),
              '--service',
              SERVICE,
              '--snapshot-dir',
              snap,
              '--offline',
            ],
            cwd,
          )
        ).out,
      ) as Plan,
      'libvirt',
    );
    assert.equal(again, r.out);
  });
});
