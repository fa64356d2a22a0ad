// `virtcompat import osinfo`: the whole of an osinfo-db tree into the catalogue, in one transaction.
//
// Rules (README.md in this folder has the long form):
// - Rows this importer owns (source 'osinfo-db'; for devices also 'pci.ids', which osinfo refines
//   with a class) are created or updated. A curated row of an OS or device osinfo-db has, and a
//   curated fact of an OS under a key osinfo-db uses, become osinfo-db's, with the curated
//   corrections (and a device's curated additions) applied
//   (seed/provenance.ts: the seed does the same the other way round, so the order does not
//   matter). Other curated rows and vendor rows are never touched and counted as `kept`.
// - Facts of an OS the import contains (resources, firmware, device links) are made equal to the
//   source: osinfo-owned facts the release no longer has are deleted. Entities the release no
//   longer has (OS, device, platform) are kept: osinfo-db never retires ids, and other data may
//   point at them.
// - Nothing is written unless everything is: a failure or a kill leaves the database as it was.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CATALOGUE_FILE, divergedFiles, parseCatalogueXml, restoreCatalogue, treeDigests } from './catalogue-xml.ts';
import type { Database } from '../../../src/db/index.ts';
import type { Sql } from '../../../src/db/sql.ts';
import { readOsinfo } from './parse.ts';
import { buildRows, SOURCE, type OsinfoRows } from './rows.ts';
import { loadHwIds, type HwIds } from '../hwids.ts';
import { syncTable, type SyncCounts, type TableSpec } from '../sync.ts';
import {
  deviceSpec,
  ensureHypervisors,
  firmwareSpec,
  guestDeviceSpec,
  guestSpec,
  releaseDeviceSpec,
  releaseSpec,
  resourcesSpec,
} from '../tables.ts';
import { ImportError, runImport, type ImportProblem, type ImportSummary } from '../runs.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { applyParavirtBasis } from '../../paravirt.ts';
import { applyCorrections, byEntity, overruledValues, type StoredCorrection } from '../../provenance.ts';
import { CORRECTABLE_DEVICE_FIELDS } from '../../format.ts';

export const DEFAULT_OSINFO_PATH = '/usr/share/osinfo';
export const DEFAULT_PCI_IDS = '/usr/share/misc/pci.ids';
export const DEFAULT_USB_IDS = '/usr/share/misc/usb.ids';

export interface OsinfoImportOptions {
  path?: string;
  /** Fail (and write nothing) when any file is malformed or any value unusable. */
  strict?: boolean;
  /** pci.ids / usb.ids to name the devices osinfo refers to, as libosinfo does; null to skip. */
  pciIds?: string | null;
  usbIds?: string | null;
  progress?: Progress;
}

async function optionalHwIds(path: string | null | undefined, kind: 'pci' | 'usb', problems: ImportProblem[]): Promise<HwIds | null> {
  if (!path) return null;
  if (!existsSync(path)) {
    problems.push({ path, reason: `${kind}.ids not found; devices osinfo only refers to are named by their id`, severity: 'warning' });
    return null;
  }
  const ids = await loadHwIds(path, kind);
  for (const p of ids.problems) problems.push({ path, reason: `line ${p.line}: ${p.reason}`, severity: 'warning' });
  return ids;
}

export async function importOsinfo(db: Database, opts: OsinfoImportOptions = {}): Promise<ImportSummary> {
  const progress = opts.progress ?? silentProgress;
  const path = opts.path ?? DEFAULT_OSINFO_PATH;
  return runImport(db.sql, { source: 'osinfo-db', path, strict: opts.strict, progress }, async () => {
    progress.phase('reading files');
    const data = await readOsinfo(path, (done, total, entities) => progress.tick(done, total, `${entities} entities`));
    const problems: ImportProblem[] = [...data.problems];
    const hw = {
      pci: await optionalHwIds(opts.pciIds === undefined ? DEFAULT_PCI_IDS : opts.pciIds, 'pci', problems),
      usb: await optionalHwIds(opts.usbIds === undefined ? DEFAULT_USB_IDS : opts.usbIds, 'usb', problems),
    };
    const rows = buildRows(data, hw);
    // With virtcompat/catalogue.xml the elements are not mapped (below): their mapping's warnings do not apply.
    const catalogueFile = join(data.root, CATALOGUE_FILE);
    const catalogue = existsSync(catalogueFile) ? parseCatalogueXml(await readFile(catalogueFile, 'utf8'), catalogueFile) : null;
    if (!catalogue) problems.push(...rows.problems);
    // A tree edited after its export: the catalogue comes back from virtcompat/catalogue.xml, so an
    // edit of an osinfo element would be lost without a word. Each edited, added or removed file is a
    // problem (a warning; under --strict nothing is imported): to apply such edits, import the tree
    // without virtcompat/catalogue.xml, so its elements are read as osinfo-db data.
    if (catalogue?.files) {
      const d = divergedFiles(catalogue.files, await treeDigests(data.root));
      const why = `not applied: the catalogue is restored from ${CATALOGUE_FILE} (import the tree without it to read the elements as osinfo-db data)`;
      for (const rel of d.edited)
        problems.push({ path: join(data.root, rel), reason: `${rel} was changed after the export; ${why}`, severity: 'warning' });
      for (const rel of d.added)
        problems.push({ path: join(data.root, rel), reason: `${rel} was added after the export; ${why}`, severity: 'warning' });
      for (const rel of d.removed)
        problems.push({ path: join(data.root, rel), reason: `${rel} was removed after the export; ${why}`, severity: 'warning' });
    }
    if (data.oses.size === 0 && data.devices.size === 0 && data.platforms.size === 0) {
      throw new ImportError(`${data.root}: no OS, device or platform found`, problems, 'IMPORT_EMPTY');
    }
    // An export of a virtcompat catalogue carries the whole catalogue in virtcompat/catalogue.xml:
    // then that is what is written (the osinfo elements beside it say the same for libosinfo, with
    // less), so export and re-import give back the catalogue as it was.
    const notImported: Record<string, number> = { ...data.notImported };
    for (const [k, v] of Object.entries(data.unknownElements)) notImported[`unknown element <${k}>`] = v;
    return {
      sourceVersion: data.version,
      path: data.root,
      files: { read: data.files - data.filesSkipped, skipped: data.filesSkipped },
      problems,
      notImported,
      write: async (tx, counts, changed) => {
        if (!catalogue) return writeRows(tx, rows, counts, changed, problems, progress);
        progress.phase(`restoring ${CATALOGUE_FILE}`);
        Object.assign(counts, await restoreCatalogue(tx, catalogue.tables, changed));
      },
    };
  });
}

async function writeRows(
  tx: Sql,
  rows: OsinfoRows,
  counts: Record<string, SyncCounts>,
  changed: Set<string>,
  problems: ImportProblem[],
  progress: Progress,
) {
  const own = [SOURCE];
  const guestIds = rows.guests.map((g) => g.id);

  // Platforms: their hypervisor, and no clash with a release someone else already has.
  const { ids: hypervisors, created: hvCreated } = await ensureHypervisors(
    tx,
    rows.releases.map((r) => r.hypervisorKey),
    changed,
  );
  if (rows.releases.length)
    counts.Hypervisor = { created: hvCreated, updated: 0, unchanged: hypervisors.size - hvCreated, deleted: 0, kept: 0 };
  for (const r of rows.releases) r.hypervisorId = hypervisors.get(r.hypervisorKey)!;
  const clashes = await tx.query<{ id: string; hypervisorId: string; version: string }>(
    `SELECT r.id, r."hypervisorId", r.version FROM "HypervisorRelease" r
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS s(id, hid, version) ON r."hypervisorId" = s.hid AND r.version = s.version
      WHERE r.id <> s.id`,
    [rows.releases.map((r) => r.id), rows.releases.map((r) => r.hypervisorId), rows.releases.map((r) => r.version)],
  );
  if (clashes.length) {
    const skip = new Set<string>();
    for (const c of clashes) {
      const mine = rows.releases.find((r) => r.hypervisorId === c.hypervisorId && r.version === c.version)!;
      skip.add(mine.id);
      problems.push({
        path: mine.sourceRef ?? mine.id,
        reason: `${mine.id}: release ${c.version} already exists as ${c.id}; kept that one`,
        severity: 'warning',
      });
    }
    rows.releases = rows.releases.filter((r) => !skip.has(r.id));
    rows.releaseDevices = rows.releaseDevices.filter((r) => !skip.has(r.releaseId));
  }
  const releaseIds = rows.releases.map((r) => r.id);

  // The curated seed's corrections of osinfo-db guests, applied as the seed applies them
  // (seed/provenance.ts), so the order of seed and import does not matter.
  // Devices too: a curated device osinfo-db also has becomes osinfo-db's row, corrected and added to.
  const corrections = byEntity(
    await tx.query<StoredCorrection>(
      `SELECT "entityType", "entityId", field, value, replaces, reason, "sourceRef", source
         FROM "CatalogueCorrection"
        WHERE ("entityType" = 'GuestOS' AND "entityId" = ANY($1::text[])) OR ("entityType" = 'Device' AND "entityId" = ANY($2::text[]))
        ORDER BY "entityType", "entityId", field`,
      [guestIds, rows.devices.map((d) => d.id)],
    ),
  );
  const correct = (entityType: string, row: { id: string; sourceRef: string | null }) => {
    const list = corrections.get(row.id)?.filter((c) => c.entityType === entityType);
    if (!list?.length) return;
    const out = applyCorrections(row as unknown as Record<string, unknown>, list);
    for (const st of out.stale)
      problems.push({
        path: row.sourceRef ?? row.id,
        reason: `${row.id}: the ${st.correction.source} correction of ${st.correction.field} replaces ${JSON.stringify(st.correction.replaces)}, but osinfo-db says ${JSON.stringify(st.now)}; osinfo-db's value stands`,
        severity: 'warning',
      });
  };
  for (const g of rows.guests) correct('GuestOS', g);
  // A curated device row taken over: its values no correction states give way to osinfo-db's, said.
  const curatedDevices = new Map(
    (
      await tx.query<Record<string, unknown> & { id: string }>(
        `SELECT id, ${CORRECTABLE_DEVICE_FIELDS.map((c) => `to_jsonb("${c}") AS "${c}"`).join(', ')}
           FROM "Device" WHERE id = ANY($1::text[]) AND source = 'curated'`,
        [rows.devices.map((d) => d.id)],
      )
    ).map((r) => [r.id, r]),
  );
  for (const d of rows.devices) {
    correct('Device', d);
    const before = curatedDevices.get(d.id);
    if (!before) continue;
    const list = (corrections.get(d.id) ?? []).filter((c) => c.entityType === 'Device');
    for (const o of overruledValues(d as unknown as Record<string, unknown>, before, CORRECTABLE_DEVICE_FIELDS, list))
      problems.push({
        path: d.sourceRef ?? d.id,
        reason: `${d.id}: the curated row gives ${o.field} ${JSON.stringify(o.value)}, osinfo-db ${JSON.stringify(o.now)}, and no correction says why; osinfo-db's value stands`,
        severity: 'warning',
      });
  }
  // A guest osinfo-db has is osinfo-db's row, even when the curated seed wrote it first; facts
  // under the same key are osinfo-db's too; facts the seed added under other keys stay.
  const takeOver = [SOURCE, 'curated'];
  const prunable = `t."source" = '${SOURCE}'`;
  const steps: [string, TableSpec<never>, unknown[]][] = [
    ['Device', deviceSpec([SOURCE, 'pci.ids', 'curated']) as TableSpec<never>, rows.devices],
    ['GuestOS', guestSpec(takeOver) as TableSpec<never>, rows.guests],
    ['GuestOSResources', resourcesSpec(takeOver, guestIds, prunable) as TableSpec<never>, rows.resources],
    ['GuestOSFirmware', firmwareSpec(takeOver, guestIds, prunable) as TableSpec<never>, rows.firmware],
    ['GuestOSDevice', guestDeviceSpec(takeOver, guestIds, prunable) as TableSpec<never>, rows.guestDevices],
    ['HypervisorRelease', releaseSpec(own) as TableSpec<never>, rows.releases],
    ['HypervisorReleaseDevice', releaseDeviceSpec(own, releaseIds) as TableSpec<never>, rows.releaseDevices],
  ];
  const totalRows = steps.reduce((n, s) => n + s[2].length, 0);
  let done = 0;
  progress.phase('writing', totalRows);
  for (const [name, spec, list] of steps) {
    progress.step(`writing ${name}: ${list.length} rows`);
    const res = await syncTable(tx, spec, list as never[]);
    counts[name] = res.counts;
    for (const c of res.changed) changed.add(c);
    done += list.length;
    progress.tick(done, totalRows, name);
  }
  // Paravirt answers for the guests just written (seed/paravirt.ts; idempotent).
  const pv = await applyParavirtBasis(tx);
  counts.GuestParavirtSupportDerived = { ...pv.derived, kept: 0 };
}
