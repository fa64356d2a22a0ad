// `import qemu` against the installed qemu-system-x86_64: its help output parsed, the model ->
// PCI id table checked against the running emulator (QMP query-pci), and the release recorded.
import { describe, it, beforeAll, afterAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import type { Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { importQemu, probeQemu, releaseIdFor, parseMachines, parseVersion, type QemuFacts } from '../seed/importers/qemu.ts';
import { QEMU_DEVICE_MODELS } from '../seed/importers/qemu-models.ts';
import { identityFromUri } from '../seed/importers/devices.ts';
import { fingerprint, idsForShortIds, osinfoSubset } from './import-support.ts';
import { at, must } from '../src/util/must.ts';

const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync(QEMU, ['--version'], { stdio: 'ignore' }).status === 0;

/** Starts a paused, device-only VM and returns "vendor:device" per qdev id from QMP query-pci. */
function queryPci(machine: string, devices: { id: string; model: string }[]): Promise<Map<string, string>> {
  const args = ['-machine', machine, '-accel', 'tcg', '-S', '-nodefaults', '-display', 'none', '-qmp', 'stdio'];
  let n = 0;
  for (const d of devices) {
    let opts = `${d.model},id=${d.id}`;
    if (d.model.startsWith('virtio-blk-pci')) {
      args.push('-blockdev', `driver=null-co,node-name=nb${n}`);
      opts += `,drive=nb${n}`;
    } else if (d.model.startsWith('virtio-9p-pci')) {
      args.push('-fsdev', `local,id=fs${n},path=/tmp,security_model=none`);
      opts += `,fsdev=fs${n},mount_tag=t${n}`;
    } else if (d.model === 'nvme') opts += ',serial=vc';
    else if (d.model === 'pci-bridge') opts += `,chassis_nr=${n + 1}`;
    args.push('-device', opts);
    n++;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const found = new Map<string, string>();
      for (const line of out.split('\n')) {
        if (!line.includes('"return": [')) continue;
        const buses = JSON.parse(line).return as { devices: { qdev_id?: string; id: { vendor: number; device: number } }[] }[];
        for (const bus of buses) {
          for (const dev of bus.devices) {
            if (dev.qdev_id)
              found.set(dev.qdev_id, `${dev.id.vendor.toString(16).padStart(4, '0')}:${dev.id.device.toString(16).padStart(4, '0')}`);
          }
        }
      }
      if (found.size === 0) reject(new Error(`QEMU gave no PCI devices: ${err.trim()}`));
      else resolve(found);
    });
    child.stdin.end('{"execute":"qmp_capabilities"}\n{"execute":"query-pci"}\n{"execute":"quit"}\n');
  });
}

describe('QEMU help output', { skip: skipWith(!haveQemu && `${QEMU} not installed`) }, () => {
  it('parses version, machines, CPU models and device models of the installed binary', () => {
    const f = probeQemu(QEMU);
    assert.match(f.version.version, /^\d+\.\d+\.\d+$/);
    assert.equal(f.arch, 'x86_64');
    const names = f.machines.map((m) => m.name);
    for (const m of ['pc', 'q35', 'isapc']) assert.ok(names.includes(m), m);
    assert.ok(f.machines.find((m) => m.name === 'q35')?.aliasOf?.startsWith('pc-q35-'));
    assert.equal(f.machines.filter((m) => m.isDefault).length, 1);
    assert.ok(f.cpus.some((c) => c.name === 'host') && f.cpus.some((c) => c.name === 'qemu64'));
    const e1000 = f.devices.find((d) => d.name === 'e1000')!;
    assert.equal(e1000.bus, 'PCI');
    assert.equal(e1000.category, 'Network');
  });

  it('reads help texts of other versions', () => {
    assert.deepEqual(parseVersion('QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)\nCopyright'), {
      version: '8.2.2',
      package: 'Debian 1:8.2.2+ds-0ubuntu1',
      raw: 'QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)',
    });
    assert.deepEqual(parseVersion('QEMU emulator version 9.1.0\n').package, null);
    assert.deepEqual(
      parseMachines(
        'Supported machines are:\nq35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-9.1)\npc-q35-9.1           Standard PC (Q35 + ICH9, 2009) (default)\n',
      ),
      [
        { name: 'q35', description: 'Standard PC (Q35 + ICH9, 2009)', aliasOf: 'pc-q35-9.1' },
        { name: 'pc-q35-9.1', description: 'Standard PC (Q35 + ICH9, 2009)', isDefault: true },
      ],
    );
  });

  it('every checked model presents the PCI ids the table says (QMP query-pci)', async () => {
    const offered = new Set(probeQemu(QEMU).devices.map((d) => d.name));
    const checks: { model: string; expected: string; machine: string }[] = [];
    for (const m of QEMU_DEVICE_MODELS.filter((x) => x.checked)) {
      const ident = identityFromUri(m.deviceId)!;
      for (const model of m.models.filter((x) => offered.has(x)).slice(0, 1)) {
        checks.push({ model, expected: `${ident.vendorId}:${ident.productId}`, machine: model === 'virtio-iommu-pci' ? 'q35' : 'pc' });
      }
    }
    assert.ok(checks.length >= 40, `${checks.length} checks`);
    // batches that fit one PCI bus, never two of one family (one balloon, one primary VGA per VM)
    const familyOf = (model: string) =>
      ['VGA', 'qxl-vga', 'cirrus-vga', 'vmware-svga', 'virtio-vga'].includes(model) ? 'vga' : model.replace(/-pci.*$/, '');
    const batches: { machine: string; items: typeof checks }[] = [];
    for (const c of checks) {
      const family = familyOf(c.model);
      let b = batches.find((x) => x.machine === c.machine && x.items.length < 12 && !x.items.some((i) => familyOf(i.model) === family));
      if (!b) {
        b = { machine: c.machine, items: [] };
        batches.push(b);
      }
      b.items.push(c);
    }
    const wrong: string[] = [];
    for (const b of batches) {
      const found = await queryPci(
        b.machine,
        b.items.map((c, i) => ({ id: `d${i}`, model: c.model })),
      );
      b.items.forEach((c, i) => {
        if (found.get(`d${i}`) !== c.expected) wrong.push(`${c.model}: table ${c.expected}, QEMU ${found.get(`d${i}`) ?? 'nothing'}`);
      });
    }
    assert.deepEqual(wrong, []);
  });
});

for (const kind of testTargets()) {
  describe(`import qemu on ${kind}`, { skip: skipWith(!haveQemu && `${QEMU} not installed`) }, () => {
    let t: TestDatabase;
    let db: Database;
    let facts: QemuFacts;
    beforeAll(async () => {
      t = await freshDatabase(kind);
      db = await t.open();
      await migrate(db);
      facts = probeQemu(QEMU);
    });
    afterAll(async () => {
      await db?.close();
      await t?.drop();
    });

    it('records a kvm release for the installed version, creating the kvm hypervisor when missing', async () => {
      const s = await importQemu(db, { facts });
      assert.equal(must(s.counts.Hypervisor, 'Hypervisor counts').created, 1);
      assert.equal(must(s.counts.HypervisorRelease, 'HypervisorRelease counts').created, 1);
      assert.equal(
        must(s.counts.HypervisorReleaseDevice, 'HypervisorReleaseDevice counts').created,
        0,
        'no catalogue devices yet: nothing invented',
      );
      assert.ok((s.notImported['device models whose catalogue device is missing (import osinfo / pci-ids first)'] ?? 0) > 30);
      const rel = at(
        await db.sql.query<{ id: string; hid: string; version: string; machineTypes: string[]; source: string; vfio: boolean }>(
          `SELECT r.id, h.id AS hid, r.version, r."machineTypes", r.source, r.vfio FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId"`,
        ),
        0,
        'rel',
      );
      assert.equal(rel.id, releaseIdFor(facts));
      assert.equal(rel.hid, 'http://virtcompat.org/hypervisor/kvm');
      assert.equal(rel.version, facts.version.version);
      assert.ok(rel.machineTypes.includes('q35') && rel.machineTypes.includes('pc'));
      assert.equal(rel.source, 'qemu');
      assert.equal(rel.vfio, true);
    });

    it('maps device models to the catalogue devices once they exist; a second import changes nothing', async () => {
      const subset = await osinfoSubset(await idsForShortIds(['win11', 'debian11']));
      try {
        await importOsinfo(db, { path: subset.dir, pciIds: null, usbIds: null });
      } finally {
        subset.cleanup();
      }
      const s = await importQemu(db, { facts });
      assert.ok(must(s.counts.HypervisorReleaseDevice, 'HypervisorReleaseDevice counts').created >= 30, JSON.stringify(s.counts));
      const rows = await db.sql.query<{ deviceId: string; model: string }>(
        `SELECT "deviceId", model FROM "HypervisorReleaseDevice" WHERE "releaseId" = $1 ORDER BY 1`,
        [releaseIdFor(facts)],
      );
      const model = (id: string) => rows.find((r) => r.deviceId === id)?.model;
      assert.equal(model('http://pcisig.com/pci/1af4/1041'), 'virtio-net-pci-non-transitional');
      assert.equal(model('http://pcisig.com/pci/1af4/1000'), 'virtio-net-pci');
      assert.equal(model('http://pcisig.com/pci/8086/100e'), 'e1000');
      assert.equal(model('http://qemu.org/chipset/x86/q35'), 'q35');
      assert.equal(model('http://ibm.com/ps2/keyboard'), 'i8042');

      const before = await fingerprint(db.sql);
      const again = await importQemu(db, { facts });
      for (const [table, c] of Object.entries(again.counts)) assert.equal(c.created + c.updated + c.deleted, 0, table);
      const after = await fingerprint(db.sql);
      for (const table of Object.keys(before)) if (table !== 'ImportRun') assert.equal(after[table], before[table], table);
    });

    it('refuses to shadow a release someone else recorded for the same version', async () => {
      await db.sql.query(`DELETE FROM "HypervisorRelease" WHERE id = $1`, [releaseIdFor(facts)]);
      await db.sql.query(
        `INSERT INTO "HypervisorRelease" (id, "hypervisorId", version, name, source, "updatedAt")
         VALUES ('http://virtcompat.org/hypervisor/kvm/curated-same', 'http://virtcompat.org/hypervisor/kvm', $1, 'curated', 'curated', now())`,
        [facts.version.version],
      );
      const before = await fingerprint(db.sql);
      await assert.rejects(importQemu(db, { facts }), (e: Error & { code?: string }) => e.code === 'IMPORT_CONFLICT');
      const after = await fingerprint(db.sql);
      for (const table of Object.keys(before)) if (table !== 'ImportRun') assert.equal(after[table], before[table], table);
    });
  });
}
