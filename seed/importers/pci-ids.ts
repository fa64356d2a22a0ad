// `virtcompat import pci-ids`: the PCI ID Repository (pci.ids) into PciVendor, Device (bus pci) and
// PciSubsystem, in one transaction.
//
// Devices get the same URI as osinfo's (http://pcisig.com/pci/<vendor>/<device>), so both sources
// describe one row. Precedence: pci.ids only writes Device rows it owns (source 'pci.ids'); a row
// that osinfo-db, the curated seed, QEMU facts or a vendor wrote keeps its name, class and kind
// (counted as `kept`). osinfo-db in turn takes over pci.ids rows, since it adds the device class.
// Vendors, devices and subsystems that a newer pci.ids drops are kept, like osinfo's entities.
import { existsSync } from 'node:fs';
import type { Database } from '../../src/db/index.ts';
import { loadHwIds } from './hwids.ts';
import { classify, kindOf, pciDeviceUri } from './devices.ts';
import type { DeviceRow } from './osinfo/rows.ts';
import { syncTable, type TableSpec } from './sync.ts';
import { deviceSpec } from './tables.ts';
import { ImportError, runImport, type ImportProblem, type ImportSummary } from './runs.ts';
import { silentProgress, type Progress } from './progress.ts';

export const SOURCE = 'pci.ids';
export const DEFAULT_PCI_IDS_PATH = '/usr/share/misc/pci.ids';

export interface PciVendorRow {
  id: string;
  name: string;
}

export interface PciSubsystemRow {
  vendorId: string;
  productId: string;
  subsystemVendorId: string;
  subsystemId: string;
  name: string;
}

const get = <R>(row: R, c: string) => (row as Record<string, unknown>)[c];

const vendorSpec: TableSpec<PciVendorRow> = {
  table: 'PciVendor',
  key: ['id'],
  columns: [
    { name: 'id', type: 'text' },
    { name: 'name', type: 'text' },
  ],
  compare: ['name'],
  owned: 'true',
  own: [SOURCE],
  change: { entityType: 'PciVendor', entityId: '"id"' },
  get,
};

const subsystemSpec: TableSpec<PciSubsystemRow> = {
  table: 'PciSubsystem',
  key: ['vendorId', 'productId', 'subsystemVendorId', 'subsystemId'],
  columns: [
    { name: 'vendorId', type: 'text' },
    { name: 'productId', type: 'text' },
    { name: 'subsystemVendorId', type: 'text' },
    { name: 'subsystemId', type: 'text' },
    { name: 'name', type: 'text' },
  ],
  compare: ['name'],
  owned: 'true',
  own: [SOURCE],
  change: {
    entityType: 'PciSubsystem',
    entityId: `"vendorId" || ':' || "productId" || ':' || "subsystemVendorId" || ':' || "subsystemId"`,
  },
  get,
};

export interface PciIdsImportOptions {
  path?: string;
  strict?: boolean;
  progress?: Progress;
}

export async function importPciIds(db: Database, opts: PciIdsImportOptions = {}): Promise<ImportSummary> {
  const progress = opts.progress ?? silentProgress;
  const path = opts.path ?? DEFAULT_PCI_IDS_PATH;
  return runImport(db.sql, { source: 'pci.ids', path, strict: opts.strict, progress }, async () => {
    if (!existsSync(path)) throw new ImportError(`${path}: no such file`, [], 'IMPORT_NOT_FOUND');
    progress.phase('reading pci.ids');
    const ids = await loadHwIds(path, 'pci');
    const problems: ImportProblem[] = ids.problems.map((p) => ({
      path,
      reason: `line ${p.line}: ${p.reason}`,
      severity: 'error' as const,
    }));
    if (ids.vendors.size === 0) throw new ImportError(`${path}: no vendors found; not a pci.ids file?`, problems, 'IMPORT_EMPTY');
    const version = ids.version ?? ids.date;
    const vendors: PciVendorRow[] = [];
    const devices: DeviceRow[] = [];
    const subsystems: PciSubsystemRow[] = [];
    for (const v of ids.vendors.values()) {
      vendors.push({ id: v.id, name: v.name });
      for (const d of v.devices.values()) {
        const ident = { bus: 'pci', vendorId: v.id, productId: d.id };
        const { kind, paravirtInterface } = kindOf(ident, false);
        devices.push({
          id: pciDeviceUri(v.id, d.id),
          name: d.name,
          vendorName: v.name,
          bus: 'pci',
          vendorId: v.id,
          productId: d.id,
          subsystemVendorId: null,
          subsystemId: null,
          class: classify(null, ident),
          rawClass: null,
          kind,
          paravirtInterface,
          description: null,
          source: SOURCE,
          sourceVersion: version,
          sourceRef: `https://pci-ids.ucw.cz/read/PC/${v.id}/${d.id}`,
        });
        const seen = new Set<string>();
        for (const s of d.subsystems) {
          const k = `${s.subsystemVendorId}:${s.subsystemId}`;
          if (seen.has(k)) {
            problems.push({
              path,
              reason: `device ${v.id}:${d.id} lists subsystem ${k} twice; the first name is kept`,
              severity: 'warning',
            });
            continue;
          }
          seen.add(k);
          subsystems.push({
            vendorId: v.id,
            productId: d.id,
            subsystemVendorId: s.subsystemVendorId,
            subsystemId: s.subsystemId,
            name: s.name,
          });
        }
      }
    }
    progress.line(`${vendors.length} vendors, ${devices.length} devices, ${subsystems.length} subsystems`);
    return {
      sourceVersion: version,
      path,
      files: { read: 1, skipped: 0 },
      problems,
      notImported: {},
      async write(tx, counts, changed) {
        const steps: [string, TableSpec<never>, unknown[]][] = [
          ['PciVendor', vendorSpec as TableSpec<never>, vendors],
          ['Device', deviceSpec([SOURCE]) as TableSpec<never>, devices],
          ['PciSubsystem', subsystemSpec as TableSpec<never>, subsystems],
        ];
        const total = steps.reduce((n, s) => n + s[2].length, 0);
        let done = 0;
        progress.phase('writing', total);
        for (const [name, spec, rows] of steps) {
          progress.step(`writing ${name}: ${rows.length} rows`);
          const res = await syncTable(tx, spec, rows as never[]);
          counts[name] = res.counts;
          for (const c of res.changed) changed.add(c);
          done += rows.length;
          progress.tick(done, total, name);
        }
      },
    };
  });
}
