// Paravirt answers for every guest (issue 12 item 7): the curated seed and osinfo-db loaded, the
// derivation run by both; every guest's answer on each of the six hypervisors with its basis, the
// counts printed; derived rows never override curated ones; the planner takes hv-* flags for
// Windows 7 from derived rows (item 3); driver builds queryable (item 8).
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadCuratedSeedFiles } from '../seed/load.ts';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sink } from './helpers/sink.ts';
import { seededApp, type TestApp } from './helpers/app.ts';
import { skipWith } from './helpers/skip.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { applyParavirtBasis } from '../seed/paravirt.ts';
import { main } from '../src/cli/main.ts';
import { tempDir } from './fixtures/runtime/load.ts';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';

const OSINFO = '/usr/share/osinfo';
const KVM_HOST = join(import.meta.dirname, '..', 'examples', 'hosts', 'kvm-x86_64.json');
const XEN_HOST = join(import.meta.dirname, '..', 'examples', 'hosts', 'xen-x86_64.json');
const HYPERVISORS = ['cloud-hypervisor', 'firecracker', 'hyperv', 'kvm', 'vmware', 'xen'];
const FLOORS = { 'cloud-hypervisor': 658, firecracker: 551, hyperv: 607, kvm: 658, vmware: 536, xen: 599 };
/** An UNKNOWN answer's reason names the input that is missing (src/catalogue/paravirt-derive.ts missingInput). */
const MISSING =
  /no kernel version is curated|names no release version|names no numbered release|carries vendor backports|no rule covers the|rules \(.*\) do not decide|no Windows rule or driver build|no rule for .* applies/;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await main(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { HOME: tmpdir() } as NodeJS.ProcessEnv,
    cwd: process.cwd(),
  });
  return { code, out: out.text, err: err.text };
}

interface Answer {
  hypervisor: { key: string };
  status: 'PARAVIRTUAL' | 'NONE' | 'UNKNOWN';
  basis: 'RECORD' | 'CURATED' | 'DERIVED' | null;
  reason: string;
}
interface GuestAnswers {
  id: string;
  shortId: string | null;
  family: string | null;
  distro: string | null;
  version: string | null;
  paravirtAnswers: Answer[];
}

describe.skipIf(skipWith(!existsSync(OSINFO) && `${OSINFO} is not installed (apt-get install osinfo-db)`))('paravirt answers', () => {
  let app: TestApp;
  let server: HttpServer;
  let url: string;
  const guests: GuestAnswers[] = [];

  beforeAll(async () => {
    app = await seededApp('pglite', { RATE_LIMIT_ENABLED: 'false' });
    await importOsinfo(app.db, { path: OSINFO, pciIds: null, usbIds: null });
    server = app.app.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
    let after: string | null = null;
    for (;;) {
      const r: {
        errors?: unknown;
        data?: { guestOSes: { nodes: GuestAnswers[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
      } = await app.gql<{ guestOSes: { nodes: GuestAnswers[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
        `query($after: String) { guestOSes(first: 100, after: $after) {
           nodes { id shortId family distro version paravirtAnswers { hypervisor { key } status basis reason } }
           pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const page = r.data?.guestOSes;
      assert.ok(page);
      guests.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
  }, 600_000);
  afterAll(async () => {
    server?.close();
    await app?.close();
  });

  it('gives every guest an answer on each of the six hypervisors, with its basis; prints the counts', () => {
    assert.ok(guests.length > 700, `${guests.length} guests`);
    const counts: Record<string, Record<string, number>> = {};
    for (const g of guests) {
      const keys = g.paravirtAnswers.map((a) => a.hypervisor.key).sort();
      for (const h of HYPERVISORS) assert.ok(keys.includes(h), `${g.id} has no answer for ${h}`);
      for (const a of g.paravirtAnswers) {
        // a decided answer names its basis; an unknown one has none
        assert.equal(a.basis === null, a.status === 'UNKNOWN', `${g.id} on ${a.hypervisor.key}: ${a.status} with basis ${a.basis}`);
        counts[a.hypervisor.key] ??= {};
        const c = counts[a.hypervisor.key] ?? {};
        const k = a.status === 'UNKNOWN' ? 'UNKNOWN' : `${a.status}/${a.basis}`;
        c[k] = (c[k] ?? 0) + 1;
      }
    }
    console.log(`paravirt answers for ${guests.length} guests, per hypervisor (status/basis):`);
    for (const h of HYPERVISORS) {
      const c = counts[h] ?? {};
      const known = guests.length - (c.UNKNOWN ?? 0);
      console.log(
        `  ${h.padEnd(17)} answered ${known}/${guests.length}: ${Object.entries(c)
          .sort()
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
      );
    }
    // Every Windows NT release from XP on, and every Linux release with a curated kernel, is
    // answered on every hypervisor.
    const covered = guests.filter(
      (g) =>
        (g.family === 'winnt' && g.version && Number.parseFloat(g.version) >= 5.1) ||
        (g.family === 'linux' && ['ubuntu', 'debian', 'fedora', 'opensuse'].includes(g.distro ?? '') && /^\d/.test(g.version ?? '')),
    );
    assert.ok(covered.length > 120, `${covered.length} covered guests`);
    const unanswered = covered.flatMap((g) =>
      g.paravirtAnswers.filter((a) => a.status === 'UNKNOWN').map((a) => `${g.shortId ?? g.id} on ${a.hypervisor.key}`),
    );
    assert.deepEqual(unanswered, []);
    // Counts with the full osinfo-db (801 guests) when this test was written; a floor, so a newer
    // osinfo-db with more guests does not fail it, but a rule or kernel that stops answering does.
    const floor: Record<string, number> = FLOORS;
    for (const h of HYPERVISORS) {
      const known = guests.filter((g) => g.paravirtAnswers.some((a) => a.hypervisor.key === h && a.status !== 'UNKNOWN')).length;
      assert.ok(known >= (floor[h] ?? 0), `${h}: ${known} guests answered, fewer than ${floor[h]}`);
    }
  });

  it('says for every UNKNOWN answer which input is missing', () => {
    const vague = guests.flatMap((g) =>
      g.paravirtAnswers
        .filter((a) => a.status === 'UNKNOWN' && !MISSING.test(a.reason))
        .map((a) => `${g.shortId ?? g.id} on ${a.hypervisor.key}: ${a.reason}`),
    );
    assert.deepEqual(vague.slice(0, 5), []);
    const byShortId = new Map(guests.map((g) => [g.shortId, g]));
    const on = (shortId: string, h: string) => byShortId.get(shortId)?.paravirtAnswers.find((a) => a.hypervisor.key === h);
    assert.match(on('archlinux', 'kvm')?.reason ?? '', /names no release version/);
    assert.match(on('haikur1beta3', 'kvm')?.reason ?? '', /no rule covers the haiku family/);
    assert.match(on('rhel6.5', 'firecracker')?.reason ?? '', /carries vendor backports.*virtio-mmio/);
  });

  it('answers RHEL and its rebuilds from Red Hat and Microsoft guides where backports hide the kernel version', () => {
    const byShortId = new Map(guests.map((g) => [g.shortId, g]));
    const on = (shortId: string, h: string) => {
      const a = byShortId.get(shortId)?.paravirtAnswers.find((x) => x.hypervisor.key === h);
      return a ? `${a.status}/${a.basis}` : 'missing';
    };
    // virtio ships from RHEL 5.3: 5.0-5.2 have none, 5.3 on do
    for (const g of ['rhel5.0', 'centos5.2', 'scientificlinux5.1']) assert.equal(on(g, 'kvm'), 'NONE/DERIVED', g);
    for (const g of ['rhel5.3', 'centos5.11', 'rhel4.8', 'oel5.4']) assert.equal(on(g, 'kvm'), 'PARAVIRTUAL/DERIVED', g);
    // no virtio, so no virtio-mmio: Firecracker has no path
    assert.equal(on('centos5.0', 'firecracker'), 'NONE/DERIVED');
    // Hyper-V: LIS for 5.2-5.8 and 6.0-6.3, built in from 5.9 and 6.4; nothing before 5.2
    for (const g of ['rhel6.2', 'centos6.10', 'rhel5.9']) assert.equal(on(g, 'hyperv'), 'PARAVIRTUAL/DERIVED', g);
    for (const g of ['rhel4.9', 'centos5.1']) assert.equal(on(g, 'hyperv'), 'NONE/DERIVED', g);
    // Windows 9x and 3.x: no paravirtual driver for any hypervisor
    for (const h of HYPERVISORS) assert.equal(on('win98', h), 'NONE/DERIVED', `win98 on ${h}`);
  });

  it('never lets an old release\'s derived "no" stand for a newer release that derives from it', () => {
    const byShortId = new Map(guests.map((g) => [g.shortId, g]));
    const on = (shortId: string, h: string) => byShortId.get(shortId)?.paravirtAnswers.find((x) => x.hypervisor.key === h);
    // ALT Linux derives from Mandrake 7.2 and it from Red Hat Linux 5.1, neither with virtio: ALT
    // Linux 1.0 has no curated kernel and says UNKNOWN, not NONE; Mageia (same lineage through
    // Mandriva) answers from its own kernel
    assert.equal(on('mandrake7.2', 'kvm')?.status, 'NONE');
    assert.equal(on('altlinux1.0', 'kvm')?.status, 'UNKNOWN');
    assert.equal(on('mageia8', 'kvm')?.status, 'PARAVIRTUAL');
    // OpenBSD 5.2 lacks virtio and so virtio-mmio; OpenBSD 7.0, which derives from it, is not thereby NONE on Firecracker
    assert.equal(on('openbsd5.2', 'firecracker')?.status, 'NONE');
    assert.equal(on('openbsd7.0', 'firecracker')?.status, 'UNKNOWN');
  });

  it('answers the BSDs from their manual pages, SLES 11 SP3+ on Hyper-V from Microsoft, CirrOS from its kernel', () => {
    const byShortId = new Map(guests.map((g) => [g.shortId, g]));
    const on = (shortId: string, h: string) => {
      const a = byShortId.get(shortId)?.paravirtAnswers.find((x) => x.hypervisor.key === h);
      return a ? `${a.status}/${a.basis}` : 'missing';
    };
    // vmx(4) was ported for NetBSD 7.0
    assert.equal(on('netbsd6.1', 'vmware'), 'NONE/DERIVED');
    assert.equal(on('netbsd7.0', 'vmware'), 'PARAVIRTUAL/DERIVED');
    // x86 FreeBSD before 14, NetBSD before 10 and OpenBSD up to 6.6 have no virtio-mmio: no path on Firecracker
    for (const g of ['freebsd9.0', 'freebsd13.1', 'netbsd9.0', 'openbsd6.6']) assert.equal(on(g, 'firecracker'), 'NONE/DERIVED', g);
    // absent-only rules say nothing at or above their version
    for (const g of ['freebsd14.0', 'openbsd7.0']) assert.equal(on(g, 'firecracker'), 'UNKNOWN/null', g);
    // FreeBSD's Xen support came with 8.x: older releases have none, 8.0 on is not decided here
    assert.equal(on('freebsd7.4', 'xen'), 'NONE/DERIVED');
    assert.equal(on('freebsd8.0', 'xen'), 'UNKNOWN/null');
    // Microsoft: Hyper-V drivers built into SLES 11 SP3 and SP4
    for (const g of ['sles11sp3', 'sles11sp4']) assert.equal(on(g, 'hyperv'), 'PARAVIRTUAL/DERIVED', g);
    // CirrOS 0.3.x runs Ubuntu 12.04's 3.2 kernel, which has the virtio-mmio transport (3.2)
    assert.equal(on('cirros0.3.4', 'firecracker'), 'PARAVIRTUAL/DERIVED');
  });

  it('plans RHEL 5 rebuilds as classic Xen PV guests', async () => {
    for (const guest of ['centos5.11', 'rhel5.0', 'scientificlinux5.4']) {
      const { code, out, err } = await cli([
        'plan',
        '--guest',
        guest,
        '--hypervisor',
        'xen',
        '--host',
        XEN_HOST,
        '--service',
        url,
        '--snapshot-dir',
        tempDir('vc-pv-'),
        '--format',
        'json',
      ]);
      assert.equal(code, 0, err);
      const plan = JSON.parse(out);
      assert.equal(plan.backend.key, 'xen-pv', `${guest}: ${JSON.stringify(plan.backend)}`);
    }
  });

  it('derives what nothing else says, with the rule and its inputs as the reason', async () => {
    const r = await app.gql(
      `{ guestOS(shortId: "ubuntu22.04") {
           xen: paravirt(family: XEN) { feature { key } supported basis rule reason inputs source }
           clock: paravirt(family: KVM) { feature { key } basis inherited }
           paravirtAnswers(hypervisor: "xen") { status basis reason } } }`,
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const g = r.data.guestOS;
    const pvh = g.xen.find((x: { feature: { key: string } }) => x.feature.key === 'xen-pvh');
    assert.deepEqual(
      {
        supported: pvh.supported,
        basis: pvh.basis,
        rule: pvh.rule,
        source: pvh.source,
        kernel: pvh.inputs.kernel,
        min: pvh.inputs.minKernel,
      },
      { supported: true, basis: 'DERIVED', rule: 'paravirt.kernel-min', source: 'derived', kernel: '5.15', min: '4.11' },
    );
    assert.match(pvh.reason, /^kernel 5\.15 \(Ubuntu 22\.04 LTS\) ≥ xen-pvh minimum 4\.11/);
    // kvm-clock is curated on Ubuntu 20.04, which 22.04 inherits: the curated answer stands
    const clock = g.clock.find((x: { feature: { key: string } }) => x.feature.key === 'kvm-clock');
    assert.deepEqual(clock, { feature: { key: 'kvm-clock' }, basis: 'CURATED', inherited: true });
    const [xen] = g.paravirtAnswers;
    assert.equal(xen.status, 'PARAVIRTUAL');
    assert.match(xen.reason, /xen-pvh \(derived\)/);
  });

  it('never writes a derived row where a curated answer exists, and a second run writes nothing', async () => {
    const [clash] = await app.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "GuestParavirtSupport" d
         JOIN "GuestOSAncestor" a ON a."guestId" = d."guestId"
         JOIN "GuestParavirtSupport" c ON c."guestId" = a."ancestorId" AND c."featureId" = d."featureId" AND c.basis <> 'DERIVED'
        WHERE d.basis = 'DERIVED'`,
    );
    assert.equal(clash?.n, 0);
    const again = await app.db.sql.transaction((tx) => applyParavirtBasis(tx));
    assert.deepEqual({ ...again.derived, unchanged: 0 }, { created: 0, updated: 0, deleted: 0, unchanged: 0 });
    assert.ok(again.derived.unchanged > 3000, `${again.derived.unchanged} derived rows`);
  });

  it('plans hv-* enlightenments for Windows 7 on KVM from derived rows', async () => {
    const dir = tempDir('vc-pv-');
    const spec = join(dir, 'win7.yaml');
    writeFileSync(
      spec,
      'name: w7\nguest: win7\nhypervisor: kvm\nmemory: 2GiB\ndisks:\n  - path: /tmp/w7.img\n    format: raw\nnics:\n  - {}\n',
    );
    const { code, out, err } = await cli([
      'plan',
      '--spec',
      spec,
      '--host',
      KVM_HOST,
      '--service',
      url,
      '--snapshot-dir',
      dir,
      '--format',
      'json',
    ]);
    assert.equal(code, 0, err);
    const plan = JSON.parse(out);
    const hv = (plan.paravirt as { key: string; enabled: boolean; because: { rule: string } }[]).filter((p) => p.key.startsWith('hv-'));
    const on = hv.filter((p) => p.enabled).map((p) => p.key);
    for (const k of ['hv-relaxed', 'hv-vapic', 'hv-spinlocks', 'hv-time']) assert.ok(on.includes(k), `${k} is off: ${JSON.stringify(hv)}`);
    assert.ok(hv.filter((p) => p.enabled).every((p) => p.because.rule === 'paravirt.both-support'));
  });

  it('answers which driver builds support or break a release, newest first', async () => {
    const r = await app.gql(
      `{ drivers(guest: "win7", hypervisor: "kvm") { build { version package { key } } guest { shortId } arch status reason }
         xen: drivers(guest: "win7", hypervisor: "xen") { build { package { key } } } }`,
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const rows = r.data.drivers as {
      build: { version: string; package: { key: string } };
      arch: string;
      status: string;
      reason: string | null;
    }[];
    assert.ok(rows.every((x) => x.build.package.key === 'virtio-win'));
    assert.deepEqual(
      rows.map((x) => `${x.build.version} ${x.arch} ${x.status}`),
      ['0.1.185 x86_64 BROKEN', '0.1.173 i686 SUPPORTED', '0.1.173 x86_64 SUPPORTED'],
    );
    assert.match(rows[0]?.reason ?? '', /SHA-256/);
    assert.deepEqual([...new Set(r.data.xen.map((x: { build: { package: { key: string } } }) => x.build.package.key))], ['xen-win-pv']);
    const bad = await app.gql(`{ drivers(guest: "win77") { arch } }`);
    assert.equal(bad.errors?.[0]?.extensions?.code, 'GUEST_OS_NOT_FOUND');
  });

  it("takes a vendor's driver build with typed input errors, and re-derives the guests' answers", async () => {
    const { key } = await createApiKey({ db: app.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'redhat', label: 'driver test' });
    const PUBLISH = `mutation($input: DriverBuildInput!) { publishDriverBuild(input: $input) {
      created changed inputErrors { path code message } driverBuild { id source guests { guestId arch status } } } }`;
    const auth = { authorization: `Bearer ${key}` };
    const bad = await app.gql(
      PUBLISH,
      {
        input: {
          package: 'virtio-win',
          version: '0.1.999',
          guests: [
            { guest: 'win77', arch: 'x86_64' },
            { guest: 'win2k8r2', arch: 'x86_64', status: 'BROKEN' },
          ],
        },
      },
      auth,
    );
    assert.equal(bad.errors, undefined, JSON.stringify(bad.errors));
    assert.deepEqual(
      bad.data.publishDriverBuild.inputErrors.map((e: { path: string[]; code: string }) => `${e.path.join('.')} ${e.code}`),
      ['input.guests.0.guest UNKNOWN_REFERENCE', 'input.guests.1.reason REQUIRED'],
    );
    const before = await app.gql(`{ guestOS(shortId: "win2k8") { paravirt(family: GENERIC) { feature { key } supported basis reason } } }`);
    const v0 = before.data.guestOS.paravirt.find((x: { feature: { key: string } }) => x.feature.key === 'virtio');
    assert.equal(v0.supported, true);
    const ok = await app.gql(
      PUBLISH,
      {
        input: {
          package: 'virtio-win',
          version: '0.1.999',
          sourceRef: 'https://example.org/rn',
          guests: [{ guest: 'win2k8', arch: 'x86_64' }],
        },
      },
      auth,
    );
    assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
    assert.deepEqual(
      {
        created: ok.data.publishDriverBuild.created,
        source: ok.data.publishDriverBuild.driverBuild.source,
        errors: ok.data.publishDriverBuild.inputErrors,
      },
      { created: true, source: 'vendor:redhat', errors: [] },
    );
    const after = await app.gql(`{ guestOS(shortId: "win2k8") { paravirt(family: GENERIC) { feature { key } basis reason } } }`);
    const v1 = after.data.guestOS.paravirt.find((x: { feature: { key: string } }) => x.feature.key === 'virtio');
    assert.equal(v1.basis, 'DERIVED');
    assert.match(v1.reason, /0\.1\.999/);
    // a curated build is the curators': a vendor cannot rewrite it
    const curated = await app.gql(PUBLISH, { input: { package: 'virtio-win', version: '0.1.173', guests: [] } }, auth);
    assert.equal(curated.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('answers old guests truly: VMI on ESX 3.5 for the kernels that had it, Xen PV on XenLinux kernels', async () => {
    const q = async (shortId: string) => {
      const r = await app.gql(`query($s: String!) { guestOS(shortId: $s) { paravirt { feature { key } supported rule reason } } }`, {
        s: shortId,
      });
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      return new Map(
        (r.data.guestOS.paravirt as { feature: { key: string }; supported: boolean; rule: string; reason: string }[]).map((x) => [
          x.feature.key,
          x,
        ]),
      );
    };
    const u704 = await q('ubuntu7.04');
    assert.equal(u704.get('vmware-vmi')?.supported, true);
    assert.equal(u704.get('vmware-vmi')?.rule, 'paravirt.distro-kernel-feature');
    const lenny = await q('debian5'); // 2.6.26: inside VMI's 2.6.21 .. 2.6.37
    assert.equal(lenny.get('vmware-vmi')?.supported, true);
    // Ubuntu 22.04 is x86_64 only (no VMI rule applies to its 5.15 kernel): the derived "yes" of
    // an older i686 release it descends from is that release's own, not passed down
    const jammy = await q('ubuntu22.04');
    assert.notEqual(jammy.get('vmware-vmi')?.supported, true, JSON.stringify(jammy.get('vmware-vmi')));
    const precise = await q('ubuntu12.04'); // 3.2: VMI gone
    assert.equal(precise.get('vmware-vmi')?.supported, false);
    assert.match(precise.get('vmware-vmi')?.reason ?? '', /removed/);
    const sles10 = await q('sles10');
    assert.equal(sles10.get('xen-pv')?.rule, 'paravirt.distro-xen-kernel');
    const r = await app.gql(`{ hypervisor(key: "vmware") { releases { version paravirt { feature { key } supported } } } }`);
    const esx35 = r.data.hypervisor.releases.find((x: { version: string }) => x.version === '3.5');
    assert.deepEqual(
      esx35.paravirt.map((p: { feature: { key: string }; supported: boolean }) => `${p.feature.key} ${p.supported}`).sort(),
      ['vmware-pv false', 'vmware-vmi true'],
    );
  });

  it('keeps derived rows when a vendor publishes its guest, except for the features the vendor states', async () => {
    const { key } = await createApiKey({ db: app.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'microsoft', label: 'guest test' });
    const rows = async () =>
      new Map(
        (
          await app.db.sql.query<{ key: string; basis: string; supported: boolean }>(
            `SELECT f.key, p.basis::text AS basis, p.supported FROM "GuestParavirtSupport" p JOIN "ParavirtFeature" f ON f.id = p."featureId"
              WHERE p."guestId" = 'http://microsoft.com/win/2k16'`,
          )
        ).map((r) => [r.key, r]),
      );
    const before = await rows();
    assert.equal(before.get('virtio-mmio')?.basis, 'DERIVED');
    assert.equal(before.get('hv-relaxed')?.basis, 'CURATED');
    const publish = async (paravirt: unknown[]) => {
      const r = await app.gql(
        `mutation($input: GuestOSInput!) { publishGuestOS(input: $input) { changed inputErrors { path message } } }`,
        { input: { id: 'http://microsoft.com/win/2k16', name: 'Microsoft Windows Server 2016', paravirt } },
        { authorization: `Bearer ${key}` },
      );
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.deepEqual(r.data.publishGuestOS, { changed: true, inputErrors: [] });
      return rows();
    };
    // the vendor states hv-relaxed only: its row is a record, the derived virtio-mmio row stays
    const first = await publish([{ feature: 'hv-relaxed' }]);
    assert.equal(first.get('hv-relaxed')?.basis, 'RECORD');
    assert.equal(first.get('virtio-mmio')?.basis, 'DERIVED');
    // the vendor states virtio-mmio too: its record replaces the derived row
    const second = await publish([{ feature: 'hv-relaxed' }, { feature: 'virtio-mmio', supported: false, notes: 'no MMIO transport' }]);
    assert.deepEqual(second.get('virtio-mmio'), { key: 'virtio-mmio', basis: 'RECORD', supported: false });
  });
});

describe('history.yaml', () => {
  it('dates every event in order, cites a source and names only catalogued features and releases', async () => {
    const seed = await loadCuratedSeedFiles();
    const features = new Set(seed.paravirtFeatures.map((f) => f.key));
    const releases = new Set(seed.hypervisors.flatMap((h) => h.data.releases.map((r) => r.id)));
    const doc = parse(readFileSync(join(import.meta.dirname, '..', 'seed', 'curated', 'history.yaml'), 'utf8')) as {
      events: { date: string; event: string; sourceRef: string; features?: string[]; releases?: string[] }[];
    };
    assert.ok(doc.events.length >= 8);
    let last = '';
    for (const e of doc.events) {
      assert.match(e.date, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(e.date >= last, `${e.date} comes after ${last}`);
      last = e.date;
      assert.match(e.sourceRef, /^https?:\/\//, e.event);
      for (const f of e.features ?? []) assert.ok(features.has(f), `unknown feature ${f}`);
      for (const r of e.releases ?? []) assert.ok(releases.has(r), `unknown release ${r}`);
    }
  });
});
