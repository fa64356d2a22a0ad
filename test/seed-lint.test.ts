// Data lint of the curated seed (no database): the real files must be clean, and the lint must catch
// each kind of problem when fed a small broken seed.
import { describe, it } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SEED_DIR, loadCuratedSeedFiles, SeedValidationError, guestsInInheritanceOrder } from '../seed/load.ts';
import { formatProblem, lintSeed } from '../seed/lint.ts';
import { HypervisorReleaseSchema, RELEASE_LIMITS, type CuratedSeed, type Guest } from '../seed/format.ts';
import { at, captures } from '../src/util/must.ts';

const seed = await loadCuratedSeedFiles();
const allGuests = seed.guests.flatMap((f) => f.data.guests);
const guestById = new Map(allGuests.map((g) => [g.id, g]));

/** Effective device support of a guest, inheritance resolved (nearest answer wins). */
function effectiveDevices(id: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (let g: Guest | undefined = guestById.get(id); g; g = g.derivesFromId ? guestById.get(g.derivesFromId) : undefined) {
    for (const d of g.devices) if (!out.has(d.deviceId)) out.set(d.deviceId, d.supported);
  }
  return out;
}

describe('curated seed files', () => {
  it('validate and pass the data lint', () => {
    const problems = lintSeed(seed);
    assert.deepEqual(problems.map(formatProblem), []);
  });

  it('cover the catalogue the issues ask for', () => {
    assert.ok(allGuests.length >= 25, `${allGuests.length} guests`);
    const keys = seed.hypervisors.map((h) => h.data.hypervisor.key).sort();
    assert.deepEqual(keys, ['cloud-hypervisor', 'firecracker', 'hyperv', 'kvm', 'vmware', 'xen']);
    for (const h of seed.hypervisors) assert.ok(h.data.releases.length >= 2, `${h.data.hypervisor.key} has fewer than 2 releases`);
    for (const key of [
      'vmx',
      'svm',
      'ept',
      'npt',
      'vpid',
      'apicv',
      'avic',
      'x2apic',
      'invtsc',
      'vt-d',
      'amd-vi',
      'sr-iov',
      'sev',
      'sev-snp',
      'tdx',
    ]) {
      assert.ok(
        seed.hardwareFeatures.some((f) => f.key === key),
        `hardware feature ${key}`,
      );
    }
    for (const short of [
      'rhel9.2',
      'rhel8.0',
      'rhel7.0',
      'debian12',
      'ubuntu24.04',
      'alpinelinux3.19',
      'win11',
      'win2k22',
      'freebsd14.0',
      'centos-stream9',
    ]) {
      assert.ok(
        allGuests.some((g) => g.shortIds.includes(short)),
        `guest ${short}`,
      );
    }
    assert.ok(seed.compatibility.length >= 12);
    assert.ok(seed.compatibility.every((r) => r.reviewState === 'ACCEPTED'));
  });

  it('keeps the inheritance chains: rhel9.2 inherits virtio-net from rhel9.0; Ubuntu 22.04 removes virtio-gpu', () => {
    assert.equal(guestById.get('http://redhat.com/rhel/9.2')?.derivesFromId, 'http://redhat.com/rhel/9.1');
    assert.equal(effectiveDevices('http://redhat.com/rhel/9.2').get('http://pcisig.com/pci/1af4/1041'), true);
    assert.equal(effectiveDevices('http://ubuntu.com/ubuntu/21.10').get('http://pcisig.com/pci/1af4/1050'), true);
    assert.equal(effectiveDevices('http://ubuntu.com/ubuntu/22.04').get('http://pcisig.com/pci/1af4/1050'), false);
    const order = guestsInInheritanceOrder(seed).map((g) => g.id);
    for (const g of allGuests) {
      if (g.derivesFromId) assert.ok(order.indexOf(g.derivesFromId) < order.indexOf(g.id), `${g.id} before its parent`);
    }
  });

  it('has a legacy guest without virtio that drives emulated devices', () => {
    const eff = effectiveDevices('http://debian.org/debian/4');
    const supported = [...eff].filter(([, ok]) => ok).map(([id]) => id);
    assert.ok(supported.length > 0);
    const devices = new Map(seed.devices.map((d) => [d.id, d]));
    assert.ok(
      supported.every((id) => !devices.get(id)!.paravirtInterface.startsWith('VIRTIO')),
      supported.join(', '),
    );
    for (const id of ['http://pcisig.com/pci/8086/100e', 'http://pcisig.com/pci/10ec/8139', 'http://pcisig.com/pci/8086/7010']) {
      assert.equal(eff.get(id), true, id);
    }
    assert.equal(eff.get('http://pcisig.com/pci/1af4/1000'), false);
  });

  it('gives Windows virtio devices only as add-on drivers', () => {
    const win = allGuests.filter((g) => g.family === 'winnt').flatMap((g) => g.devices);
    const virtio = win.filter((d) => d.deviceId.startsWith('http://pcisig.com/pci/1af4/'));
    assert.ok(virtio.length > 0);
    assert.ok(virtio.every((d) => d.driverSource === 'ADDON'));
  });

  it('gives every release limit or says it is not published, and where that was looked for (issue 12, item 5)', () => {
    for (const h of seed.hypervisors)
      for (const r of h.data.releases)
        for (const field of RELEASE_LIMITS) {
          const listed = r.limitsNotPublished.find((l) => l.field === field);
          assert.ok((r[field] !== undefined) !== (listed !== undefined), `${r.id}: ${field} given or listed, not both, not neither`);
          if (listed) assert.ok(listed.looked.length > 0 && listed.note.length > 0, `${r.id}: ${field} names where it was looked for`);
        }
    // The KVM, Cloud Hypervisor and Firecracker releases publish no guest memory limit: said, with the documents searched.
    for (const key of ['kvm', 'cloud-hypervisor', 'firecracker'])
      for (const r of seed.hypervisors.find((h) => h.data.hypervisor.key === key)?.data.releases ?? [])
        assert.equal(r.limitsNotPublished.find((l) => l.field === 'maxMemoryMiB')?.status, 'NOT_PUBLISHED', r.id);
    // A release that neither gives a limit nor lists it is refused.
    const bare = {
      id: 'http://virtcompat.org/hypervisor/kvm/x',
      version: '1',
      versionOrder: 1,
      name: 'x',
      maxVcpus: 8,
      sourceRef: 'https://example.org/',
    };
    const res = HypervisorReleaseSchema.safeParse(bare);
    assert.equal(res.success, false);
    assert.match(res.error?.issues[0]?.message ?? '', /maxMemoryMiB is neither given nor listed under limitsNotPublished/);
  });

  it('cites a source for every hypervisor release and every fact it lists', () => {
    for (const { file, data } of seed.hypervisors) {
      for (const r of data.releases) {
        assert.match(r.sourceRef, /^https?:\/\//, `${file} ${r.id}`);
        for (const x of [...r.devices, ...r.paravirt, ...r.hostFeatures]) assert.match(x.sourceRef, /^https?:\/\//, `${file} ${r.id}`);
      }
    }
  });

  it('declares the Hyper-V enlightenment dependencies QEMU documents', () => {
    const dep = new Map(seed.paravirtFeatures.map((f) => [f.key, [...f.dependsOn].sort()]));
    assert.deepEqual(dep.get('hv-synic'), ['hv-vpindex']);
    assert.deepEqual(dep.get('hv-stimer'), ['hv-synic', 'hv-time', 'hv-vpindex']);
    assert.deepEqual(dep.get('hv-tlbflush'), ['hv-vpindex']);
    assert.deepEqual(dep.get('hv-ipi'), ['hv-vpindex']);
    assert.deepEqual(dep.get('hv-evmcs'), ['hv-vapic']);
  });

  // osinfo-db is the Debian package osinfo-db (installed data in /usr/share/osinfo).
  const OSINFO = '/usr/share/osinfo/os';
  it('uses osinfo-db ids, short ids and derives-from links where osinfo-db has the OS', {
    skip: skipWith(!existsSync(OSINFO) && 'osinfo-db not installed'),
  }, () => {
    const facts = new Map<string, { short: string[]; derives: string[] }>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.xml')) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(/<os id="([^"]+)">([\s\S]*?)<\/os>/g)) {
            const [id, body] = captures(m, 2);
            const short = [...body.matchAll(/<short-id>([^<]+)<\/short-id>/g)].map((x) => captures(x, 1)[0]);
            const derives = [...body.matchAll(/<derives-from id="([^"]+)"/g)].map((x) => captures(x, 1)[0]);
            if (short.length) facts.set(id, { short, derives });
          }
        }
      }
    };
    walk(OSINFO);
    let compared = 0;
    for (const g of allGuests) {
      const f = facts.get(g.id);
      if (!f) continue;
      compared++;
      assert.deepEqual(g.shortIds, f.short, `${g.id} short ids`);
      if (g.derivesFromId)
        assert.ok(f.derives.includes(g.derivesFromId), `${g.id} derives from ${g.derivesFromId}, osinfo-db says ${f.derives}`);
    }
    assert.ok(compared >= 30, `${compared} guests compared with osinfo-db`);
  });

  // pci.ids is the Debian package pci.ids.
  const PCI_IDS = '/usr/share/misc/pci.ids';
  it('uses PCI vendor and device ids that pci.ids knows (or QEMU documents)', {
    skip: skipWith(!existsSync(PCI_IDS) && 'pci.ids not installed'),
  }, () => {
    const known = new Set<string>();
    let vendor = '';
    for (const line of readFileSync(PCI_IDS, 'latin1').split('\n')) {
      if (line.startsWith('C ')) break;
      const v = /^([0-9a-f]{4})\s/.exec(line);
      if (v) {
        [vendor] = captures(v, 1);
        known.add(vendor);
        continue;
      }
      const d = /^\t([0-9a-f]{4})\s/.exec(line);
      if (d) known.add(`${vendor}:${d[1]}`);
    }
    // Ids pci.ids lacks, with the document that defines them.
    const documented = new Set(['1234:1111', '1b36:0011', '1af4:1057', '1af4:1058', '1af4:105b']);
    for (const d of seed.devices.filter((x) => x.bus === 'pci')) {
      const id = `${d.vendorId}:${d.productId}`;
      assert.ok(known.has(id) || documented.has(id), `${d.id} is not in pci.ids`);
      if (!documented.has(id)) assert.ok(known.has(d.vendorId!), `vendor ${d.vendorId}`);
    }
  });
});

describe('seed validation errors', () => {
  function withEditedCopy(edit: (dir: string) => void, fn: (dir: string) => Promise<void>) {
    const dir = mkdtempSync(join(tmpdir(), 'vc-seed-'));
    cpSync(DEFAULT_SEED_DIR, dir, { recursive: true });
    edit(dir);
    return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
  }

  it('rejects an unknown key, naming file, path and message', () =>
    withEditedCopy(
      (dir) => {
        const p = join(dir, 'devices.yaml');
        writeFileSync(
          p,
          readFileSync(p, 'utf8').replace(
            '    name: Virtio network device (legacy/transitional)\n',
            '    name: Virtio network device (legacy/transitional)\n    colour: red\n',
          ),
        );
      },
      async (dir) => {
        await assert.rejects(loadCuratedSeedFiles(dir), (err: unknown) => {
          assert.ok(err instanceof SeedValidationError);
          assert.equal(err.problems.length, 1);
          const problem = at(err.problems, 0);
          assert.equal(problem.file, 'devices.yaml');
          assert.equal(problem.path, 'devices[0] (http://pcisig.com/pci/1af4/1000)');
          assert.match(problem.message, /colour/);
          return true;
        });
      },
    ));

  it('rejects a dangling reference across files', () =>
    withEditedCopy(
      (dir) => {
        const p = join(dir, 'guests', 'debian.yaml');
        writeFileSync(
          p,
          readFileSync(p, 'utf8').replace('deviceId: http://pcisig.com/pci/10ec/8139', 'deviceId: http://pcisig.com/pci/10ec/8168'),
        );
      },
      async (dir) => {
        await assert.rejects(loadCuratedSeedFiles(dir), (err: unknown) => {
          assert.ok(err instanceof SeedValidationError);
          assert.match(
            err.message,
            /guests\/debian\.yaml: guests\[0\] \(http:\/\/debian\.org\/debian\/4\)\.devices\[1\] \(http:\/\/pcisig\.com\/pci\/10ec\/8168\)\.deviceId: unknown device/,
          );
          return true;
        });
      },
    ));

  it('reports YAML syntax errors with their line', () =>
    withEditedCopy(
      (dir) => writeFileSync(join(dir, 'vendors.yaml'), 'vendors:\n  - id: a\n    id: b\n'),
      async (dir) => {
        await assert.rejects(loadCuratedSeedFiles(dir), /vendors\.yaml: line \d+: Map keys must be unique/);
      },
    ));
});

// ── lint unit tests on a small seed built in memory ──

function tinySeed(): CuratedSeed {
  const src = 'https://example.org/doc';
  return {
    dir: '/nowhere',
    knownIssues: [],
    vendors: [{ id: 'acme', name: 'Acme', kinds: ['OS'] }],
    hardwareFeatures: [
      {
        id: 'http://virtcompat.org/hw/vmx',
        key: 'vmx',
        name: 'VT-x',
        architectures: ['x86_64'],
        category: 'CPU_VIRTUALIZATION',
        detectionMethod: 'CPUINFO_FLAG',
        detectionValue: 'vmx',
        requires: [],
        sourceRef: src,
      },
      {
        id: 'http://virtcompat.org/hw/ept',
        key: 'ept',
        name: 'EPT',
        architectures: ['x86_64'],
        category: 'MEMORY_VIRTUALIZATION',
        detectionMethod: 'CPUINFO_FLAG',
        detectionValue: 'ept',
        requires: ['vmx'],
        sourceRef: src,
      },
    ],
    paravirtFeatures: [
      {
        id: 'http://virtcompat.org/paravirt/kvm/kvm',
        key: 'kvm',
        name: 'KVM',
        family: 'KVM',
        kind: 'BACKEND',
        dependsOn: [],
        sourceRef: src,
      },
      {
        id: 'http://virtcompat.org/paravirt/hyperv/hv-vpindex',
        key: 'hv-vpindex',
        name: 'vpindex',
        family: 'HYPERV',
        kind: 'ENLIGHTENMENT',
        dependsOn: [],
        sourceRef: src,
      },
      {
        id: 'http://virtcompat.org/paravirt/hyperv/hv-synic',
        key: 'hv-synic',
        name: 'synic',
        family: 'HYPERV',
        kind: 'ENLIGHTENMENT',
        dependsOn: ['hv-vpindex'],
        sourceRef: src,
      },
    ],
    devices: [
      {
        id: 'http://pcisig.com/pci/1af4/1041',
        name: 'virtio-net',
        bus: 'pci',
        vendorId: '1af4',
        productId: '1041',
        class: 'NETWORK',
        kind: 'PARAVIRTUAL',
        paravirtInterface: 'VIRTIO_1_0',
        sourceRef: src,
        corrections: [],
      },
    ],
    hypervisors: [
      {
        file: 'hypervisors/kvm.yaml',
        data: {
          hypervisor: { id: 'http://virtcompat.org/hypervisor/kvm', key: 'kvm', name: 'KVM', family: 'KVM' },
          releases: [
            {
              id: 'http://virtcompat.org/hypervisor/kvm/qemu-1',
              version: '1',
              versionOrder: 1,
              name: 'QEMU 1',
              limitsNotPublished: [],
              machineTypes: [],
              firmware: [],
              vfio: false,
              sriov: false,
              sourceRef: src,
              devices: [{ deviceId: 'http://pcisig.com/pci/1af4/1041', model: 'virtio-net-pci', supported: true, sourceRef: src }],
              paravirt: [
                { featureKey: 'kvm', supported: true, sourceRef: src },
                { featureKey: 'hv-vpindex', supported: true, sourceRef: src },
                { featureKey: 'hv-synic', supported: true, sourceRef: src },
              ],
              hostFeatures: [{ featureKey: 'vmx', requirement: 'REQUIRED', sourceRef: src }],
            },
          ],
        },
      },
    ],
    guests: [
      {
        file: 'guests/acme.yaml',
        data: {
          vendor: 'acme',
          idPrefix: 'http://acme.example/',
          guests: [
            {
              id: 'http://acme.example/os/1',
              shortIds: ['acme1'],
              name: 'Acme 1',
              vendor: 'Acme',
              family: 'linux',
              distro: 'acme',
              version: '1',
              architectures: ['x86_64'],
              releaseStatus: 'RELEASED',
              sourceRef: src,
              resources: [],
              firmware: [],
              devices: [{ deviceId: 'http://pcisig.com/pci/1af4/1041', supported: true, driverSource: 'INBOX' }],
              paravirt: [],
              corrections: [],
            },
            {
              id: 'http://acme.example/os/2',
              shortIds: ['acme2'],
              name: 'Acme 2',
              vendor: 'Acme',
              family: 'linux',
              distro: 'acme',
              version: '2',
              architectures: ['x86_64'],
              releaseStatus: 'RELEASED',
              derivesFromId: 'http://acme.example/os/1',
              sourceRef: src,
              resources: [],
              firmware: [],
              devices: [],
              paravirt: [],
              corrections: [],
            },
          ],
        },
      },
    ],
    compatibility: [
      {
        key: 'acme2/kvm',
        guestId: 'http://acme.example/os/2',
        hypervisorReleaseId: 'http://virtcompat.org/hypervisor/kvm/qemu-1',
        status: 'WORKS',
        backend: 'kvm',
        testedDevices: [],
        evidenceNotes: 'n',
        evidenceUrl: src,
        reviewState: 'ACCEPTED',
      },
    ],
    equivalence: [],
  };
}

// What the mutations below edit in tinySeed(); `at` fails clearly if the fixture changes shape.
const guest = (s: CuratedSeed, i: number) => at(at(s.guests, 0).data.guests, i);
const release = (s: CuratedSeed) => at(at(s.hypervisors, 0).data.releases, 0);

function problemsAfter(mutate: (s: CuratedSeed) => void): string[] {
  const s = structuredClone(tinySeed());
  mutate(s);
  return lintSeed(s).map(formatProblem);
}

describe('lintSeed', () => {
  it('finds nothing wrong in a consistent seed', () => {
    assert.deepEqual(lintSeed(tinySeed()).map(formatProblem), []);
  });

  const cases: Array<[string, (s: CuratedSeed) => void, RegExp]> = [
    [
      'a dangling device in a guest',
      (s) => (at(guest(s, 0).devices, 0).deviceId = 'http://pcisig.com/pci/dead/beef'),
      /guests\/acme\.yaml: guests\[0\].*devices\[0\].*unknown device http:\/\/pcisig\.com\/pci\/dead\/beef/,
    ],
    [
      'a dangling parent guest',
      (s) => (guest(s, 1).derivesFromId = 'http://acme.example/os/9'),
      /derivesFromId: unknown guest http:\/\/acme\.example\/os\/9/,
    ],
    [
      'an inheritance cycle',
      (s) => (guest(s, 0).derivesFromId = 'http://acme.example/os/2'),
      /inheritance cycle: .*os\/1 -> .*os\/2 -> .*os\/1|inheritance cycle: .*os\/2 -> .*os\/1 -> .*os\/2/,
    ],
    ['a duplicate guest id', (s) => (guest(s, 1).id = 'http://acme.example/os/1'), /duplicate guest id http:\/\/acme\.example\/os\/1/],
    ['a duplicate short id', (s) => (guest(s, 1).shortIds = ['acme1']), /duplicate short id acme1/],
    ['a duplicate device id', (s) => s.devices.push({ ...at(s.devices, 0) }), /devices\.yaml: devices\[1\].*duplicate device id/],
    [
      'a guest id outside the file prefix',
      (s) => (guest(s, 0).id = 'http://other.example/os/1'),
      /guest ids in this file start with http:\/\/acme\.example\//,
    ],
    ['a guest owned by another vendor', (s) => (guest(s, 0).ownerVendorId = 'other'), /is owned by acme, not other/],
    [
      'a guests file named after another vendor',
      (s) => (at(s.guests, 0).file = 'guests/other.yaml'),
      /guests of vendor acme belong in guests\/acme\.yaml/,
    ],
    [
      'a hypervisor file named after another key',
      (s) => (at(s.hypervisors, 0).file = 'hypervisors/xen.yaml'),
      /hypervisor kvm belongs in hypervisors\/kvm\.yaml/,
    ],
    [
      'a release without a source',
      (s) => (release(s).sourceRef = ''),
      /releases\[0\].*sourceRef: a hypervisor release needs a public source/,
    ],
    [
      'a release device without a source',
      (s) => (at(release(s).devices, 0).sourceRef = ''),
      /devices\[0\].*sourceRef: every device a release presents needs a public source/,
    ],
    [
      'a release host feature without a source',
      (s) => (at(release(s).hostFeatures, 0).sourceRef = ''),
      /hostFeatures\[0\].*every host feature requirement needs a public source/,
    ],
    [
      'an enlightenment offered without its dependency',
      (s) => (release(s).paravirt = release(s).paravirt.filter((p) => p.featureKey !== 'hv-vpindex')),
      /hv-synic needs hv-vpindex, which this release does not offer/,
    ],
    [
      'an unknown dependsOn key',
      (s) => (at(s.paravirtFeatures, 2).dependsOn = ['hv-vpindex', 'hv-nope']),
      /paravirt-features\.yaml: features\[2\] \(hv-synic\)\.dependsOn: unknown paravirt feature hv-nope/,
    ],
    ['a dependsOn cycle', (s) => (at(s.paravirtFeatures, 1).dependsOn = ['hv-synic']), /dependsOn cycle/],
    ['an unknown hardware requirement', (s) => (at(s.hardwareFeatures, 1).requires = ['vmxx']), /requires: unknown hardware feature vmxx/],
    [
      'a hardware feature id that does not match its key',
      (s) => (at(s.hardwareFeatures, 0).id = 'http://virtcompat.org/hw/vt-x'),
      /id must be http:\/\/virtcompat\.org\/hw\/vmx/,
    ],
    ['an unknown host feature in a release', (s) => (at(release(s).hostFeatures, 0).featureKey = 'svm'), /unknown hardware feature svm/],
    ['a single-member anyOf group', (s) => (at(release(s).hostFeatures, 0).anyOf = 'hw-virt'), /anyOf group hw-virt has a single member/],
    ['an unknown vendor', (s) => (at(s.devices, 0).ownerVendorId = 'nobody'), /ownerVendorId: unknown vendor nobody/],
    [
      'a compatibility record on an unknown release',
      (s) => (at(s.compatibility, 0).hypervisorReleaseId = 'http://virtcompat.org/hypervisor/kvm/qemu-2'),
      /unknown hypervisor release/,
    ],
    [
      'a compatibility backend that is not a backend',
      (s) => (at(s.compatibility, 0).backend = 'hv-synic'),
      /hv-synic is a ENLIGHTENMENT, not a BACKEND/,
    ],
    [
      'two records for the same claim',
      (s) => s.compatibility.push({ ...at(s.compatibility, 0), key: 'again' }),
      /same claim as acme2\/kvm/,
    ],
    [
      'an equivalence member that is not a device',
      (s) =>
        s.equivalence.push({
          key: 'g',
          class: 'NETWORK',
          description: 'd',
          members: [{ deviceId: 'http://pcisig.com/pci/1af4/1041' }, { deviceId: 'http://nope/x' }],
        }),
      /equivalence\.yaml: groups\[0\].*members\[1\].*unknown device http:\/\/nope\/x/,
    ],
  ];
  for (const [what, mutate, expected] of cases) {
    it(`reports ${what}`, () => {
      const problems = problemsAfter(mutate);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `expected ${expected} in:\n${problems.join('\n')}`,
      );
    });
  }
});
