// Table specifications the importers synchronise through syncTable (sync.ts): columns with their
// SQL types, the columns whose change counts as an update, who owns a row, and which change-feed
// entity a row belongs to. `sourceVersion` is written along with a change but is not itself a
// change: it records the release a fact was last taken from, so a newer release that repeats a
// fact leaves the row (and its updatedAt) alone.
import type { TableSpec, ColumnSpec } from './sync.ts';
import type { DeviceRow, FirmwareRow, GuestDeviceRow, GuestOSRow, ReleaseDeviceRow, ReleaseRow, ResourcesRow } from './osinfo/rows.ts';

const get = <R>(row: R, c: string) => (row as Record<string, unknown>)[c];
const cols = (spec: [string, ColumnSpec['type']][]): ColumnSpec[] => spec.map(([name, type]) => ({ name, type }));
const OWNED_BY_SOURCE = 't."source" = ANY($OWN)';

/** The Device columns an import writes (the curated seed writes these and the owning vendor). */
export const DEVICE_COLUMNS: readonly [string, ColumnSpec['type']][] = [
  ['id', 'text'],
  ['name', 'text'],
  ['vendorName', 'text'],
  ['bus', 'text'],
  ['vendorId', 'text'],
  ['productId', 'text'],
  ['subsystemVendorId', 'text'],
  ['subsystemId', 'text'],
  ['class', { enum: 'DeviceClass' }],
  ['rawClass', 'text'],
  ['kind', { enum: 'DeviceKind' }],
  ['paravirtInterface', { enum: 'ParavirtInterface' }],
  ['description', 'text'],
  ['source', 'text'],
  ['sourceVersion', 'text'],
  ['sourceRef', 'text'],
];

export function deviceSpec(own: readonly string[]): TableSpec<DeviceRow> {
  const columns = cols([...DEVICE_COLUMNS]);
  return {
    table: 'Device',
    key: ['id'],
    columns,
    compare: columns.map((c) => c.name).filter((c) => c !== 'id' && c !== 'sourceVersion'),
    updatedAt: true,
    owned: OWNED_BY_SOURCE,
    own,
    change: { entityType: 'Device', entityId: '"id"' },
    get,
  };
}

export function guestSpec(own: readonly string[]): TableSpec<GuestOSRow> {
  const columns = cols([
    ['id', 'text'],
    ['shortIds', 'text[]'],
    ['name', 'text'],
    ['vendor', 'text'],
    ['family', 'text'],
    ['distro', 'text'],
    ['version', 'text'],
    ['codename', 'text'],
    ['architectures', 'text[]'],
    ['releaseStatus', { enum: 'ReleaseStatus' }],
    ['releaseDate', 'date'],
    ['eolDate', 'date'],
    ['derivesFromId', 'text'],
    ['clonedFromId', 'text'],
    ['upgradesId', 'text'],
    ['extraDerivesFromIds', 'text[]'],
    ['extraClonedFromIds', 'text[]'],
    ['cloudInit', 'bool'],
    ['media', 'jsonb'],
    ['source', 'text'],
    ['sourceVersion', 'text'],
    ['sourceRef', 'text'],
  ]);
  return {
    table: 'GuestOS',
    key: ['id'],
    columns,
    compare: columns.map((c) => c.name).filter((c) => c !== 'id' && c !== 'sourceVersion'),
    updatedAt: true,
    owned: OWNED_BY_SOURCE,
    own,
    change: { entityType: 'GuestOS', entityId: '"id"' },
    get,
  };
}

export function resourcesSpec(own: readonly string[], scope: readonly string[], prunable?: string): TableSpec<ResourcesRow> {
  return {
    table: 'GuestOSResources',
    key: ['guestId', 'arch', 'kind'],
    columns: cols([
      ['guestId', 'text'],
      ['arch', 'text'],
      ['kind', { enum: 'ResourceKind' }],
      ['cpus', 'int4'],
      ['cpuHz', 'int8'],
      ['ramBytes', 'int8'],
      ['storageBytes', 'int8'],
      ['source', 'text'],
    ]),
    compare: ['cpus', 'cpuHz', 'ramBytes', 'storageBytes', 'source'],
    owned: OWNED_BY_SOURCE,
    own,
    prunable,
    scope: { column: 'guestId', values: scope },
    change: { entityType: 'GuestOS', entityId: '"guestId"' },
    get,
  };
}

export function firmwareSpec(own: readonly string[], scope: readonly string[], prunable?: string): TableSpec<FirmwareRow> {
  return {
    table: 'GuestOSFirmware',
    key: ['guestId', 'arch', 'type'],
    columns: cols([
      ['guestId', 'text'],
      ['arch', 'text'],
      ['type', { enum: 'FirmwareType' }],
      ['supported', 'bool'],
      ['secureBoot', 'bool'],
      ['source', 'text'],
    ]),
    compare: ['supported', 'secureBoot', 'source'],
    owned: OWNED_BY_SOURCE,
    own,
    prunable,
    scope: { column: 'guestId', values: scope },
    change: { entityType: 'GuestOS', entityId: '"guestId"' },
    get,
  };
}

export function guestDeviceSpec(own: readonly string[], scope: readonly string[], prunable?: string): TableSpec<GuestDeviceRow> {
  return {
    table: 'GuestOSDevice',
    key: ['guestId', 'deviceId'],
    columns: cols([
      ['guestId', 'text'],
      ['deviceId', 'text'],
      ['supported', 'bool'],
      ['driverSource', { enum: 'DriverSource' }],
      ['driverName', 'text'],
      ['notes', 'text'],
      ['source', 'text'],
      ['sourceVersion', 'text'],
    ]),
    compare: ['supported', 'driverSource', 'driverName', 'notes', 'source'],
    owned: OWNED_BY_SOURCE,
    own,
    prunable,
    scope: { column: 'guestId', values: scope },
    change: { entityType: 'GuestOS', entityId: '"guestId"' },
    get,
  };
}

export function releaseSpec(own: readonly string[]): TableSpec<ReleaseRow> {
  const columns = cols([
    ['id', 'text'],
    ['hypervisorId', 'text'],
    ['version', 'text'],
    ['versionOrder', 'int4'],
    ['name', 'text'],
    ['releaseDate', 'date'],
    ['eolDate', 'date'],
    ['machineTypes', 'text[]'],
    ['firmware', 'text[]'],
    ['vfio', 'bool'],
    ['sriov', 'bool'],
    ['notes', 'text'],
    ['source', 'text'],
    ['sourceRef', 'text'],
  ]);
  return {
    table: 'HypervisorRelease',
    key: ['id'],
    columns,
    compare: columns.map((c) => c.name).filter((c) => c !== 'id'),
    updatedAt: true,
    owned: OWNED_BY_SOURCE,
    own,
    change: { entityType: 'HypervisorRelease', entityId: '"id"' },
    get,
  };
}

export function releaseDeviceSpec(own: readonly string[], scope: readonly string[]): TableSpec<ReleaseDeviceRow> {
  return {
    table: 'HypervisorReleaseDevice',
    key: ['releaseId', 'deviceId'],
    columns: cols([
      ['releaseId', 'text'],
      ['deviceId', 'text'],
      ['model', 'text'],
      ['supported', 'bool'],
      ['notes', 'text'],
      ['sourceRef', 'text'],
    ]),
    compare: ['model', 'supported', 'notes', 'sourceRef'],
    // The row has no source of its own: it belongs to whoever owns the release.
    owned: `EXISTS (SELECT 1 FROM "HypervisorRelease" r WHERE r.id = t."releaseId" AND r.source = ANY($OWN))`,
    own,
    scope: { column: 'releaseId', values: scope },
    change: { entityType: 'HypervisorRelease', entityId: '"releaseId"' },
    get,
  };
}

/** Hypervisors an importer needs; created when missing (as seed/curated/hypervisors/*.yaml has them, without the owner), never updated. */
export const KNOWN_HYPERVISORS: Readonly<
  Record<string, { id: string; name: string; family: string; vendor: string | null; homepage: string }>
> = {
  kvm: {
    id: 'http://virtcompat.org/hypervisor/kvm',
    name: 'QEMU/KVM',
    family: 'KVM',
    vendor: 'QEMU Project and Linux KVM',
    homepage: 'https://www.qemu.org',
  },
  xen: {
    id: 'http://virtcompat.org/hypervisor/xen',
    name: 'Xen',
    family: 'XEN',
    vendor: 'Xen Project',
    homepage: 'https://xenproject.org',
  },
};

/** Returns key -> hypervisor id, inserting the missing ones; the inserted ones go to `changed`. */
export async function ensureHypervisors(
  tx: import('../../src/db/sql.ts').Sql,
  keys: Iterable<string>,
  changed: Set<string>,
): Promise<{ ids: Map<string, string>; created: number }> {
  const want = [...new Set(keys)];
  const ids = new Map<string, string>();
  let created = 0;
  if (want.length === 0) return { ids, created };
  const rows = await tx.query<{ id: string; key: string }>(`SELECT id, key FROM "Hypervisor" WHERE key = ANY($1::text[])`, [want]);
  for (const r of rows) ids.set(r.key, r.id);
  for (const key of want) {
    if (ids.has(key)) continue;
    const h = KNOWN_HYPERVISORS[key];
    if (!h) throw new Error(`no hypervisor '${key}' in the database and no default for it`);
    await tx.query(
      `INSERT INTO "Hypervisor" (id, key, name, family, vendor, homepage, "updatedAt")
       VALUES ($1, $2, $3, $4::"HypervisorFamily", $5, $6, now())`,
      [h.id, key, h.name, h.family, h.vendor, h.homepage],
    );
    ids.set(key, h.id);
    changed.add(`Hypervisor\u0000${h.id}`);
    created++;
  }
  return { ids, created };
}
