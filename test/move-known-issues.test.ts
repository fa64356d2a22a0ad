// Known issues are data: the curated ones seeded with their public sources, read by `knownIssues`, and
// submitted by vendors through publishKnownIssue, with typed input errors, ownership and the audit trail.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { seededApp, type TestApp } from './helpers/app.ts';
import { testTargets } from './helpers/db.ts';
import { vendorApp, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { move, vmwareVm } from './helpers/move.ts';
import { fetchMoveData } from '../src/hypervisor-runtime/move/index.ts';

const READ = `query ($from: String, $to: String) { knownIssues(fromHypervisor: $from, toHypervisor: $to) {
  key severity fromHypervisor toHypervisor fromDevice toDevice guestFamily condition evidenceUrl source } }`;
const PUBLISH = `mutation ($input: KnownIssueInput!) { publishKnownIssue(input: $input) {
  created changed inputErrors { path code message } knownIssue { id key severity toHypervisor toDevice source } } }`;

const issue = {
  key: 'kvmt-virtio-scsi-hang',
  title: 'virtio-scsi disks hang on KVM (test) 1.0 after a move from PVSCSI',
  severity: 'WARNING',
  toHypervisor: 'kvmt',
  fromDevice: 'pvscsi',
  toDevice: 'virtio-scsi',
  trigger: 'a SCSI disk moves from PVSCSI to virtio-scsi',
  workaround: 'use virtio-blk',
  evidenceUrl: 'https://example.org/kb/1',
};

for (const kind of testTargets()) {
  describe(`known issues (${kind})`, () => {
    let seeded: TestApp;
    let t: VendorTestApp;
    beforeAll(async () => {
      seeded = await seededApp(kind);
      t = await vendorApp(kind);
    });
    afterAll(async () => {
      await seeded?.close();
      await t?.close();
    });

    it('the curated issues are seeded, each with its public source, and filter by the move', async () => {
      const all = await seeded.gql(READ, {});
      assert.equal(all.errors, undefined, JSON.stringify(all.errors));
      assert.ok(all.data.knownIssues.length >= 8);
      for (const i of all.data.knownIssues) {
        assert.match(i.evidenceUrl, /^https:\/\//, i.key);
        assert.equal(i.source, 'curated');
      }
      const toKvm = (await seeded.gql(READ, { from: 'vmware', to: 'kvm' })).data.knownIssues.map((i: { key: string }) => i.key);
      assert.ok(toKvm.includes('linux-virtio-initramfs'));
      assert.ok(toKvm.includes('windows-boot-storage-0x7b'));
      assert.ok(!toKvm.includes('vmware-pvscsi-boot-driver'), 'an issue on the way to VMware is not one on the way to KVM');
    });

    it('a vendor submits one; the same again changes nothing; it is read back as the vendor’s', async () => {
      let r = await t.gql(PUBLISH, { input: issue }, t.keys.hvco);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.deepEqual(r.data.publishKnownIssue.inputErrors, []);
      assert.equal(r.data.publishKnownIssue.created, true);
      assert.deepEqual(r.data.publishKnownIssue.knownIssue, {
        id: 'http://virtcompat.org/known-issue/kvmt-virtio-scsi-hang',
        key: issue.key,
        severity: 'WARNING',
        toHypervisor: 'kvmt',
        toDevice: 'virtio-scsi',
        source: 'vendor:hvco',
      });
      r = await t.gql(PUBLISH, { input: issue }, t.keys.hvco);
      assert.equal(r.data.publishKnownIssue.changed, false);
      const read = await t.gql(READ, { to: 'kvmt' });
      assert.deepEqual(
        read.data.knownIssues.map((i: { key: string; source: string }) => [i.key, i.source]),
        [[issue.key, 'vendor:hvco']],
      );
      // another vendor cannot change it
      r = await t.gql(PUBLISH, { input: { ...issue, title: 'mine now' } }, t.keys.chipco);
      assert.equal(r.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    });

    it('bad input: typed input errors naming each field, nothing written', async () => {
      const r = await t.gql(
        PUBLISH,
        {
          input: {
            key: 'Bad Key',
            title: 't',
            severity: 'INFO',
            toHypervisor: 'nope',
            guest: 'no-such-guest',
            condition: 'raining',
            trigger: 't',
            workaround: 'w',
            evidenceUrl: 'not a url',
          },
        },
        t.keys.hvco,
      );
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const errs = r.data.publishKnownIssue.inputErrors.map((e: { path: string[]; code: string }) => `${e.path.join('.')} ${e.code}`);
      assert.deepEqual(errs, ['input.key INVALID_FORMAT']);
      const r2 = await t.gql(
        PUBLISH,
        { input: { ...issue, key: 'x2', toHypervisor: 'nope', guest: 'no-such-guest', condition: 'raining', evidenceUrl: 'not a url' } },
        t.keys.hvco,
      );
      const errs2 = r2.data.publishKnownIssue.inputErrors.map((e: { path: string[]; code: string }) => `${e.path.join('.')} ${e.code}`);
      assert.deepEqual(errs2.sort(), [
        'input.condition INVALID_FORMAT',
        'input.evidenceUrl INVALID_FORMAT',
        'input.guest UNKNOWN_REFERENCE',
        'input.toHypervisor UNKNOWN_REFERENCE',
      ]);
      assert.equal(r2.data.publishKnownIssue.knownIssue, null);
      const r3 = await t.gql(
        PUBLISH,
        { input: { ...issue, key: 'x3', toHypervisor: null, fromDevice: null, toDevice: null } },
        t.keys.hvco,
      );
      assert.match(r3.data.publishKnownIssue.inputErrors[0].message, /names a transition/);
      assert.equal((await t.gql(READ, {})).data.knownIssues.length, 1, 'nothing else written');
    });

    it("the runtime reads them over GraphQL (fetchMoveData): the move's pre-flight cites them", async () => {
      const fetchImpl = ((url: string, init: RequestInit) => seeded.app.yoga.fetch(url, init)) as unknown as typeof fetch;
      const data = await fetchMoveData({ service: 'http://test/graphql', from: 'vmware', to: 'kvm', fetchImpl });
      assert.ok(data.knownIssues.some((i) => i.key === 'linux-virtio-initramfs' && i.severity === 'blocker'));
      assert.ok(data.groups.some((g) => g.key === 'paravirtual-nic' && g.members.length >= 5));
      const m = move('debian11', vmwareVm(), 'kvm', { prepared: true, ...data });
      const it = m.preflight.find((p) => p.id === 'issue:linux-virtio-initramfs');
      assert.equal(it?.evidence[0]?.source, 'https://libguestfs.org/virt-v2v.1.html');
      assert.equal(m.mapping.find((x) => x.role === 'nic')?.group, 'paravirtual-nic');
    });

    it('movePlan: the same move as the CLI, over GraphQL, from a .vmx text', async () => {
      const vmx = [
        'displayName = "web01"',
        'guestOS = "debian11-64"',
        'numvcpus = "2"',
        'memSize = "2048"',
        'scsi0.present = "TRUE"',
        'scsi0.virtualDev = "pvscsi"',
        'scsi0:0.present = "TRUE"',
        'scsi0:0.fileName = "/vms/web01.vmdk"',
        'ethernet0.present = "TRUE"',
        'ethernet0.virtualDev = "vmxnet3"',
        'ethernet0.addressType = "static"',
        'ethernet0.address = "00:50:56:01:02:03"',
      ].join('\n');
      const Q = `query ($config: String!, $to: String!, $prepared: Boolean) { movePlan(config: $config, to: $to, prepared: $prepared) {
        ok guest fromHypervisor toHypervisor format configuration
        refusal { code requirement message preflight { id } }
        mapping { role source targetModel group mac }
        preflight { id kind severity bootCritical evidence { record rule source } } } }`;
      let r = await seeded.gql(Q, { config: vmx, to: 'hyperv', prepared: true });
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const m = r.data.movePlan;
      assert.equal(m.ok, true);
      assert.equal(m.guest, 'debian11');
      assert.equal(m.fromHypervisor, 'vmware');
      assert.equal(m.format, 'hyperv-ps');
      assert.match(m.configuration, /Add-VMNetworkAdapter -VMName \$vm -Name 'nic0' -StaticMacAddress '005056010203'/);
      assert.ok(m.preflight.some((p: { id: string }) => p.id === 'conversion:disk0'));
      assert.ok(
        m.preflight.some((p: { id: string; evidence: { source: string }[] }) => p.id === 'issue:linux-nic-rename' && p.evidence[0]?.source),
      );
      r = await seeded.gql(Q, { config: vmx, to: 'kvm' });
      assert.equal(r.data.movePlan.ok, false);
      assert.equal(r.data.movePlan.refusal.code, 'PREPARATION_REQUIRED');
      assert.ok(r.data.movePlan.refusal.preflight.length > 0);
      r = await seeded.gql(Q, { config: 'this is not a VM', to: 'kvm' });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      r = await seeded.gql(Q, { config: vmx, to: 'bhyve' });
      assert.match(r.errors?.[0]?.message ?? '', /to: one of kvm, xen/);
    });

    it('anonymous callers cannot submit', async () => {
      const r = await t.gql(PUBLISH, { input: { ...issue, key: 'anon' } }, null);
      assert.equal(r.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    });
  });
}
