// Hypervisor releases, published by the vendor of the hypervisor: limits, machine types, firmware,
// and the devices, paravirt features and host features the release presents, offers or needs.
// The steps every publish shares (ownership, merge, audit, change feed) are in engine.ts.
import type { Sql } from '../../db/sql.ts';
import type { WriteEnv } from '../authorize.ts';
import { date } from '../rows.ts';
import { int, list, Problems, RULES, text, unique, url, type TextRule } from '../validate.ts';
import { publish, merge, strings, lifecycle, checkReferences, replaced, type Owned, type PublishOutcome } from './engine.ts';

export interface HypervisorReleaseInput {
  hypervisor: string;
  version: string;
  id?: string | null;
  name: string;
  versionOrder?: number | null;
  releaseDate?: string | null;
  eolDate?: string | null;
  maxVcpus?: number | null;
  maxMemoryMiB?: number | null;
  machineTypes?: string[] | null;
  firmware?: string[] | null;
  virtualHardwareVersion?: number | null;
  vfio?: boolean | null;
  sriov?: boolean | null;
  notes?: string | null;
  sourceRef?: string | null;
  devices?: Array<{ device: string; model: string; supported?: boolean | null; notes?: string | null; sourceRef?: string | null }> | null;
  paravirt?: Array<{ feature: string; supported?: boolean | null; notes?: string | null; sourceRef?: string | null }> | null;
  hostFeatures?: Array<{
    feature: string;
    requirement: string;
    anyOf?: string | null;
    notes?: string | null;
    sourceRef?: string | null;
  }> | null;
}

export interface ReleaseSnapshot extends Owned {
  hypervisorId: string;
  version: string;
  name: string;
  versionOrder: number;
  releaseDate: string | null;
  eolDate: string | null;
  maxVcpus: number | null;
  maxMemoryMiB: number | null;
  machineTypes: string[];
  firmware: string[];
  virtualHardwareVersion: number | null;
  vfio: boolean;
  sriov: boolean;
  notes: string | null;
  sourceRef: string | null;
  devices: Array<{ device: string; model: string; supported: boolean; notes: string | null; sourceRef: string | null }>;
  paravirt: Array<{ feature: string; supported: boolean; notes: string | null; sourceRef: string | null }>;
  hostFeatures: Array<{ feature: string; requirement: string; anyOf: string | null; notes: string | null; sourceRef: string | null }>;
  source: string;
}

const FIRMWARE = new Set(['bios', 'uefi', 'uefi-secure-boot']);
const MODEL_RULE: TextRule = {
  max: 100,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._,=:+-]*$/,
  hint: 'a device model name (virtio-net-pci, e1000e ...)',
};
const MACHINE_RULE: TextRule = { max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, hint: 'a machine type (q35, pc-q35-8.2 ...)' };

async function loadRelease(tx: Sql, id: string): Promise<ReleaseSnapshot | null> {
  const [r] = await tx.query<Omit<ReleaseSnapshot, 'devices' | 'paravirt' | 'hostFeatures'>>(
    `SELECT r.id, r."hypervisorId", r.version, r.name, r."versionOrder", ${date('r."releaseDate"')} AS "releaseDate",
            ${date('r."eolDate"')} AS "eolDate", r."maxVcpus", r."maxMemoryMiB", coalesce(r."machineTypes", '{}') AS "machineTypes",
            coalesce(r.firmware, '{}') AS firmware, r."virtualHardwareVersion", r.vfio, r.sriov, r.notes, r."sourceRef",
            h."ownerVendorId", r.source
       FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId" WHERE r.id = $1 FOR UPDATE OF r`,
    [id],
  );
  if (!r) return null;
  const [devices, paravirt, hostFeatures] = await Promise.all([
    tx.query<ReleaseSnapshot['devices'][number]>(
      `SELECT "deviceId" AS device, model, supported, notes, "sourceRef" FROM "HypervisorReleaseDevice" WHERE "releaseId" = $1 ORDER BY "deviceId"`,
      [id],
    ),
    tx.query<ReleaseSnapshot['paravirt'][number]>(
      `SELECT p.key AS feature, x.supported, x.notes, x."sourceRef" FROM "HypervisorReleaseParavirt" x
         JOIN "ParavirtFeature" p ON p.id = x."featureId" WHERE x."releaseId" = $1 ORDER BY p.key`,
      [id],
    ),
    tx.query<ReleaseSnapshot['hostFeatures'][number]>(
      `SELECT f.key AS feature, x.requirement::text AS requirement, x."anyOf", x.notes, x."sourceRef" FROM "HypervisorReleaseHostFeature" x
         JOIN "HardwareFeature" f ON f.id = x."featureId" WHERE x."releaseId" = $1 ORDER BY f.key`,
      [id],
    ),
  ]);
  return { ...r, devices, paravirt, hostFeatures };
}

export async function publishHypervisorRelease(env: WriteEnv, input: HypervisorReleaseInput): Promise<PublishOutcome<ReleaseSnapshot>> {
  const pre = new Problems([], ['input']);
  const hvRef = text(pre, ['hypervisor'], input.hypervisor, RULES.ref, true);
  const version = text(pre, ['version'], input.version, RULES.version, true);
  const givenId = text(pre, ['id'], input.id, RULES.uri);
  let hv: { id: string; ownerVendorId: string | null } | undefined;
  let releaseId: string | undefined;
  return publish<ReleaseSnapshot>(
    env,
    {
      action: 'publishHypervisorRelease',
      entityType: 'HypervisorRelease',
      kinds: ['HYPERVISOR'],
      async prepare(tx) {
        [hv] = await tx.query<{ id: string; ownerVendorId: string | null }>(
          `SELECT id, "ownerVendorId" FROM "Hypervisor" WHERE id = $1 OR key = $1 FOR UPDATE`,
          [hvRef],
        );
        releaseId = undefined;
        if (!hv) return;
        const [byVersion] = await tx.query<{ id: string }>(
          `SELECT id FROM "HypervisorRelease" WHERE "hypervisorId" = $1 AND version = $2`,
          [hv.id, version],
        );
        releaseId = byVersion?.id ?? givenId ?? `${hv.id}/${version}`;
      },
      load: async (tx) => (releaseId ? loadRelease(tx, releaseId) : null),
      async refuseNew(_tx, vendorId) {
        if (!hv) return null; // reported as an input error by build
        return hv.ownerVendorId === vendorId
          ? null
          : `hypervisor ${hv.id} is owned by ${hv.ownerVendorId ? `vendor ${hv.ownerVendorId}` : 'the curated catalogue'}; only its owner publishes its releases`;
      },
      async build(tx, stored, p) {
        if (!hv) p.add(['hypervisor'], 'UNKNOWN_REFERENCE', `no hypervisor with key or id ${JSON.stringify(hvRef)}`);
        if (stored && givenId && givenId !== stored.id) p.add(['id'], 'TAKEN', `${hvRef} ${version} already exists with id ${stored.id}`);
        if (!stored && givenId) {
          const [other] = await tx.query<{ hypervisorId: string; version: string }>(
            `SELECT "hypervisorId", version FROM "HypervisorRelease" WHERE id = $1`,
            [givenId],
          );
          if (other) p.add(['id'], 'TAKEN', `${givenId} is release ${other.version} of ${other.hypervisorId}`);
        }
        const name = text(p, ['name'], input.name, RULES.name, true);
        const versionOrder = int(p, ['versionOrder'], input.versionOrder, -1_000_000_000, 1_000_000_000);
        const maxVcpus = int(p, ['maxVcpus'], input.maxVcpus, 1, 1_000_000);
        const maxMemoryMiB = int(p, ['maxMemoryMiB'], input.maxMemoryMiB, 1, 2_147_483_647);
        const vhw = int(p, ['virtualHardwareVersion'], input.virtualHardwareVersion, 0, 100_000);
        const machineTypes = strings(p, 'machineTypes', input.machineTypes, MACHINE_RULE, 200, 'machine type');
        const firmware = strings(p, 'firmware', input.firmware, { max: 32 }, 3, 'firmware');
        firmware?.forEach((f, i) => {
          if (!FIRMWARE.has(f))
            p.add(['firmware', i], 'INVALID_FORMAT', `firmware is one of ${[...FIRMWARE].join(', ')}, got ${JSON.stringify(f)}`);
        });
        const notes = text(p, ['notes'], input.notes, RULES.notes);
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        const devicesIn = list(p, ['devices'], input.devices, 1000);
        const paravirtIn = list(p, ['paravirt'], input.paravirt, 500);
        const hostIn = list(p, ['hostFeatures'], input.hostFeatures, 200);
        devicesIn?.forEach((d, i) => {
          text(p, ['devices', i, 'device'], d.device, RULES.ref, true);
          text(p, ['devices', i, 'model'], d.model, MODEL_RULE, true);
          text(p, ['devices', i, 'notes'], d.notes, RULES.notes);
          url(p, ['devices', i, 'sourceRef'], d.sourceRef);
        });
        if (devicesIn) unique(p, ['devices'], devicesIn, (d) => d.device, 'device');
        paravirtIn?.forEach((f, i) => {
          text(p, ['paravirt', i, 'feature'], f.feature, RULES.key, true);
          text(p, ['paravirt', i, 'notes'], f.notes, RULES.notes);
          url(p, ['paravirt', i, 'sourceRef'], f.sourceRef);
        });
        if (paravirtIn) unique(p, ['paravirt'], paravirtIn, (f) => f.feature, 'feature');
        hostIn?.forEach((f, i) => {
          text(p, ['hostFeatures', i, 'feature'], f.feature, RULES.key, true);
          text(p, ['hostFeatures', i, 'anyOf'], f.anyOf, RULES.key);
          text(p, ['hostFeatures', i, 'notes'], f.notes, RULES.notes);
          url(p, ['hostFeatures', i, 'sourceRef'], f.sourceRef);
        });
        if (hostIn) unique(p, ['hostFeatures'], hostIn, (f) => f.feature, 'feature');
        if (p.count) return stored!;

        await checkReferences(tx, p, 'devices', devicesIn);
        await checkReferences(tx, p, 'paravirt', paravirtIn);
        await checkReferences(tx, p, 'hostFeatures', hostIn);
        const { releaseDate, eolDate } = lifecycle(p, input, stored);
        return {
          id: releaseId!,
          hypervisorId: hv?.id ?? '',
          version: version!,
          name: name!,
          versionOrder: merge(input, 'versionOrder', versionOrder ?? undefined, stored?.versionOrder, 0) ?? 0,
          releaseDate,
          eolDate,
          maxVcpus: merge(input, 'maxVcpus', maxVcpus ?? undefined, stored?.maxVcpus),
          maxMemoryMiB: merge(input, 'maxMemoryMiB', maxMemoryMiB ?? undefined, stored?.maxMemoryMiB),
          machineTypes: merge(input, 'machineTypes', machineTypes, stored?.machineTypes) ?? [],
          firmware: merge(input, 'firmware', firmware, stored?.firmware) ?? [],
          virtualHardwareVersion: merge(input, 'virtualHardwareVersion', vhw ?? undefined, stored?.virtualHardwareVersion),
          vfio: merge(input, 'vfio', input.vfio ?? undefined, stored?.vfio, false) ?? false,
          sriov: merge(input, 'sriov', input.sriov ?? undefined, stored?.sriov, false) ?? false,
          notes: merge(input, 'notes', notes, stored?.notes),
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          devices: replaced(
            devicesIn,
            stored?.devices,
            (d) => ({
              device: d.device,
              model: d.model,
              supported: d.supported ?? true,
              notes: d.notes ?? null,
              sourceRef: d.sourceRef ?? null,
            }),
            (d) => d.device,
          ),
          paravirt: replaced(
            paravirtIn,
            stored?.paravirt,
            (f) => ({ feature: f.feature, supported: f.supported ?? true, notes: f.notes ?? null, sourceRef: f.sourceRef ?? null }),
            (f) => f.feature,
          ),
          hostFeatures: replaced(
            hostIn,
            stored?.hostFeatures,
            (f) => ({
              feature: f.feature,
              requirement: f.requirement,
              anyOf: f.anyOf ?? null,
              notes: f.notes ?? null,
              sourceRef: f.sourceRef ?? null,
            }),
            (f) => f.feature,
          ),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
      },
      table: 'HypervisorRelease',
      row: ({ devices, paravirt, hostFeatures, ownerVendorId, ...r }, vendorId) => ({ ...r, source: `vendor:${vendorId}` }),
      casts: { releaseDate: 'date', eolDate: 'date', machineTypes: 'text[]', firmware: 'text[]' },
      keep: ['hypervisorId', 'version'],
      children: [
        {
          field: 'devices',
          delete: `DELETE FROM "HypervisorReleaseDevice" WHERE "releaseId" = $1`,
          insert: `INSERT INTO "HypervisorReleaseDevice" ("releaseId", "deviceId", model, supported, notes, "sourceRef")
             SELECT $1, x.device, x.model, x.supported, x.notes, x."sourceRef"
               FROM jsonb_to_recordset($2::jsonb) AS x(device text, model text, supported boolean, notes text, "sourceRef" text)`,
        },
        {
          field: 'paravirt',
          delete: `DELETE FROM "HypervisorReleaseParavirt" WHERE "releaseId" = $1`,
          insert: `INSERT INTO "HypervisorReleaseParavirt" ("releaseId", "featureId", supported, notes, "sourceRef")
             SELECT $1, p.id, x.supported, x.notes, x."sourceRef"
               FROM jsonb_to_recordset($2::jsonb) AS x(feature text, supported boolean, notes text, "sourceRef" text)
               JOIN "ParavirtFeature" p ON p.key = x.feature`,
        },
        {
          field: 'hostFeatures',
          delete: `DELETE FROM "HypervisorReleaseHostFeature" WHERE "releaseId" = $1`,
          insert: `INSERT INTO "HypervisorReleaseHostFeature" ("releaseId", "featureId", requirement, "anyOf", notes, "sourceRef")
             SELECT $1, f.id, x.requirement::"HostRequirement", x."anyOf", x.notes, x."sourceRef"
               FROM jsonb_to_recordset($2::jsonb) AS x(feature text, requirement text, "anyOf" text, notes text, "sourceRef" text)
               JOIN "HardwareFeature" f ON f.key = x.feature`,
        },
      ],
    },
    pre,
  );
}
