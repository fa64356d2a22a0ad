// Derived paravirt answers: for every guest and paravirt feature that no record (a vendor's
// published row) and no curated row answers, along the guest's inheritance chain, a rule computes
// one from curated inputs, and the row says which rule, from what, and why:
//
//   paravirt.kernel-min            the release's kernel (kernels.yaml) against the feature's
//                                  minimum mainline kernel (paravirt-rules.yaml)
//   paravirt.kernel-min-inherited  no kernel for the release itself: the kernel of the nearest
//                                  release it derives from is a lower bound, so only a
//                                  "supported" answer follows from it
//   paravirt.distro-xen-kernel     the release ships its own Xen PV kernel (RHEL 5, SLES 10/11 ...)
//   paravirt.distro-kernel-feature the release's kernel carries a feature its version predates
//   paravirt.windows-nt-min        a Windows NT version against the first enlightened version
//   paravirt.windows-never         a feature no Windows release has (virtio-mmio)
//   paravirt.os-version-min        a BSD release against the release its driver first appeared in
//   paravirt.distro-release        a curated statement about a distribution's releases in a version
//                                  range (a vendor guide: "the virtio drivers ship from RHEL 5.3"),
//                                  for kernels whose backports make the version undecidable
//   paravirt.family-never          an OS family no driver of the feature was ever written for
//   paravirt.requires-absent       a feature whose prerequisite the guest lacks (virtio-mmio is a
//                                  virtio transport: no virtio, no virtio-mmio)
//   paravirt.driver-package        an add-on driver package (virtio-win, Xen PV drivers, VMware
//                                  Tools) has a build that supports the release
//
// Derived rows have basis DERIVED and source `derived`. The derivation is idempotent (a second run
// writes nothing), runs after the curated seed and after an osinfo-db import in either order, and
// never replaces a RECORD or CURATED row: effective reads (effective.ts) prefer any non-derived
// answer along the chain to a derived one, and a (guest, feature) pair that has a non-derived
// answer gets no derived row at all.
import type { Sql } from '../db/sql.ts';

export interface KernelEntry {
  distro: string;
  versions: string[];
  kernel: string;
  sourceRef: string;
  xenKernel?: boolean;
  /** The vendor backports features into this kernel: a version below a minimum proves nothing. */
  backports?: boolean;
  /** Features the distribution's kernel has although its version predates them (patched in). */
  distroFeatures?: { feature: string; notes?: string; sourceRef: string }[];
  notes?: string;
}

export interface LinuxRule {
  feature: string;
  minKernel: string;
  maxKernel?: string;
  arch?: string[];
  notes?: string;
  sourceRef: string;
}

export interface WindowsRule {
  features: string[];
  /** Supported from this NT version on; absent with `never`. */
  minNt?: string;
  /** `absent`: the rule proves only that NT versions below minNt lack the feature. */
  only?: 'absent';
  /** No Windows release supports the feature (the notes say why). */
  never?: boolean;
  arch?: string[];
  notes?: string;
  sourceRef: string;
}

/** A release of another OS family at or above a version (a driver's man page HISTORY). */
export interface VersionRule {
  family: string;
  features: string[];
  minVersion: string;
  /**
   * `absent`: the rule proves only that releases below minVersion lack the feature (nothing
   * at or above it); `present`: only that releases at or above have it. Default: both.
   */
  only?: 'absent' | 'present';
  /**
   * The rule speaks of these architectures only: it applies to a release all of whose
   * architectures are among them (virtio-mmio on x86 is not virtio-mmio on arm64).
   */
  arch?: string[];
  notes?: string;
  sourceRef: string;
}

/**
 * What a distribution's vendor says about a range of its releases, [minVersion, belowVersion):
 * for kernels with vendor backports, where the kernel version decides nothing.
 */
export interface ReleaseRule {
  distros: string[];
  minVersion?: string;
  belowVersion?: string;
  features: string[];
  supported: boolean;
  notes?: string;
  sourceRef: string;
}

/** An OS family no driver for the features exists for, in any release. */
export interface FamilyRule {
  families: string[];
  features: string[];
  notes: string;
  sourceRef: string;
}

/** A feature that cannot work without another one (virtio-mmio without virtio). */
export interface RequiresRule {
  feature: string;
  requires: string;
  notes?: string;
  sourceRef: string;
}

export interface ParavirtRules {
  linux: LinuxRule[];
  versions?: VersionRule[];
  releases?: ReleaseRule[];
  families?: FamilyRule[];
  requires?: RequiresRule[];
  xenKernel: { features: string[]; sourceRef: string };
  windows: WindowsRule[];
  drivers: { sourceRef: string };
}

export interface DriverSupportRow {
  packageKey: string;
  featureKey: string;
  version: string;
  guestId: string;
  arch: string;
  status: 'SUPPORTED' | 'BROKEN' | 'UNSUPPORTED';
  reason: string | null;
  sourceRef: string | null;
}

export interface DeriveGuest {
  id: string;
  name: string;
  family: string | null;
  distro: string | null;
  version: string | null;
  kernel: string | null;
  sourceRef: string | null;
  architectures: string[];
  /** Ancestors nearest first, the guest itself excluded. */
  ancestors: string[];
}

export interface DerivedRow {
  guestId: string;
  featureKey: string;
  supported: boolean;
  minKernel: string | null;
  minDriverVersion: string | null;
  notes: string | null;
  sourceRef: string;
  rule: string;
  reason: string;
  inputs: Record<string, unknown>;
}

/** Numeric, dot/dash-separated version order: 2.6.9 < 2.6.24 < 3.10.0-123 < 10.0. */
export function compareVersion(a: string, b: string): number {
  const pa = a.split(/[.\-_]/).map((x) => Number.parseInt(x, 10));
  const pb = b.split(/[.\-_]/).map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.isNaN(pa[i] ?? 0) ? 0 : (pa[i] ?? 0);
    const y = Number.isNaN(pb[i] ?? 0) ? 0 : (pb[i] ?? 0);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Guests whose family says nothing of architecture are taken as x86 PCs (osinfo-db's default). */
const DEFAULT_ARCHES = ['i686', 'x86_64'];

interface KernelFact {
  kernel: string;
  sourceRef: string;
  /** The release the kernel is known for: the guest itself, or an ancestor (a lower bound). */
  fromGuestId: string;
  exact: boolean;
  xenKernel: boolean;
  backports: boolean;
  distroFeatures: NonNullable<KernelEntry['distroFeatures']>;
}

/**
 * The rows the rules give, for every guest and feature not in `answered` (guestId U+0000 featureKey:
 * pairs a record or curated row answers, own or inherited). Pure: the same inputs give the same rows.
 */
export function deriveParavirt(input: {
  guests: DeriveGuest[];
  answered: Set<string>;
  kernels: KernelEntry[];
  rules: ParavirtRules;
  drivers: DriverSupportRow[];
  featureKeys: Set<string>;
}): DerivedRow[] {
  const { guests, answered, rules, featureKeys } = input;
  const byRelease = new Map<string, KernelEntry>();
  for (const k of input.kernels) for (const v of k.versions) byRelease.set(`${k.distro}\u0000${v}`, k);
  const byId = new Map(guests.map((g) => [g.id, g]));
  const ownKernel = (g: DeriveGuest): KernelFact | null => {
    const k = g.distro && g.version ? byRelease.get(`${g.distro}\u0000${g.version}`) : undefined;
    if (k)
      return {
        kernel: k.kernel,
        sourceRef: k.sourceRef,
        fromGuestId: g.id,
        exact: true,
        xenKernel: !!k.xenKernel,
        backports: !!k.backports,
        distroFeatures: k.distroFeatures ?? [],
      };
    if (g.kernel && g.sourceRef)
      return {
        kernel: g.kernel,
        sourceRef: g.sourceRef,
        fromGuestId: g.id,
        exact: true,
        xenKernel: false,
        backports: false,
        distroFeatures: [],
      };
    return null;
  };
  const kernelOf = (g: DeriveGuest): KernelFact | null => {
    const own = ownKernel(g);
    if (own) return own;
    for (const a of g.ancestors) {
      const p = byId.get(a);
      if (p?.family !== 'linux') continue;
      const k = ownKernel(p);
      if (k) return { ...k, exact: false, xenKernel: false, distroFeatures: [] };
    }
    return null;
  };

  const out = new Map<string, DerivedRow>();
  const put = (row: DerivedRow) => {
    const key = `${row.guestId}\u0000${row.featureKey}`;
    if (answered.has(key) || out.has(key) || !featureKeys.has(row.featureKey)) return;
    out.set(key, row);
  };

  const linuxByFeature = new Map<string, LinuxRule[]>();
  for (const r of rules.linux) linuxByFeature.set(r.feature, [...(linuxByFeature.get(r.feature) ?? []), r]);
  const driversByGuest = new Map<string, DriverSupportRow[]>();
  for (const d of input.drivers) driversByGuest.set(d.guestId, [...(driversByGuest.get(d.guestId) ?? []), d]);

  for (const g of guests) {
    const arches = g.architectures.length ? g.architectures : DEFAULT_ARCHES;
    // Add-on driver packages first: a build that names the release is the most specific input.
    const drv = driversByGuest.get(g.id) ?? [];
    const byFeature = new Map<string, DriverSupportRow[]>();
    for (const d of drv) byFeature.set(d.featureKey, [...(byFeature.get(d.featureKey) ?? []), d]);
    for (const [featureKey, rows] of byFeature) {
      const ok = rows.filter((r) => r.status === 'SUPPORTED');
      const bad = rows.filter((r) => r.status !== 'SUPPORTED');
      const versions = [...new Set(ok.map((r) => r.version))].sort(compareVersion);
      const pkg = rows[0]?.packageKey ?? '';
      const badText = bad.map((r) => `${r.version} ${r.status.toLowerCase()} on ${r.arch}${r.reason ? ` (${r.reason})` : ''}`);
      const newest = versions.at(-1);
      put({
        guestId: g.id,
        featureKey,
        supported: ok.length > 0,
        minKernel: null,
        minDriverVersion: versions[0] ?? null,
        notes: `drivers from ${pkg} (add-on)`,
        sourceRef: (newest ? ok.find((r) => r.version === newest)?.sourceRef : bad[0]?.sourceRef) ?? rules.drivers.sourceRef,
        rule: 'paravirt.driver-package',
        reason: ok.length
          ? `${pkg} ${versions.join(', ')} support${versions.length === 1 ? 's' : ''} ${g.name} (${[...new Set(ok.map((r) => r.arch))].sort().join(', ')})${badText.length ? `; known bad: ${badText.join('; ')}` : ''}`
          : `no ${pkg} build in the catalogue supports ${g.name}: ${badText.join('; ')}`,
        inputs: {
          package: pkg,
          supportedBuilds: versions,
          badBuilds: bad.map((r) => ({ version: r.version, arch: r.arch, status: r.status, reason: r.reason })),
        },
      });
    }

    // A vendor's statement about a range of its releases: more specific than a kernel version.
    const version = g.version ?? '';
    for (const r of g.distro && /^\d/.test(version) ? (rules.releases ?? []).filter((x) => x.distros.includes(g.distro ?? '')) : []) {
      if (r.minVersion && compareVersion(version, r.minVersion) < 0) continue;
      if (r.belowVersion && compareVersion(version, r.belowVersion) >= 0) continue;
      const range = r.minVersion
        ? r.belowVersion
          ? `${r.minVersion} ≤ ${version} < ${r.belowVersion}`
          : `${version} ≥ ${r.minVersion}`
        : `${version} < ${r.belowVersion}`;
      for (const featureKey of r.features)
        put({
          guestId: g.id,
          featureKey,
          supported: r.supported,
          minKernel: null,
          minDriverVersion: null,
          notes: r.notes ?? null,
          sourceRef: r.sourceRef,
          rule: 'paravirt.distro-release',
          reason: `${g.name} (${g.distro} ${range}) ${r.supported ? 'has' : 'lacks'} ${featureKey}${r.notes ? `: ${r.notes}` : ''}`,
          inputs: {
            distro: g.distro,
            version,
            ...(r.minVersion ? { minVersion: r.minVersion } : {}),
            ...(r.belowVersion ? { belowVersion: r.belowVersion } : {}),
            ruleSource: r.sourceRef,
          },
        });
    }
    for (const r of (rules.families ?? []).filter((x) => x.families.includes(g.family ?? '')))
      for (const featureKey of r.features)
        put({
          guestId: g.id,
          featureKey,
          supported: false,
          minKernel: null,
          minDriverVersion: null,
          notes: r.notes,
          sourceRef: r.sourceRef,
          rule: 'paravirt.family-never',
          reason: `no ${g.family} release has ${featureKey}: ${r.notes}`,
          inputs: { family: g.family, ruleSource: r.sourceRef },
        });

    if (g.family === 'linux') {
      const k = kernelOf(g);
      if (!k) continue;
      for (const f of k.exact ? k.distroFeatures : [])
        put({
          guestId: g.id,
          featureKey: f.feature,
          supported: true,
          minKernel: null,
          minDriverVersion: null,
          notes: f.notes ?? null,
          sourceRef: f.sourceRef,
          rule: 'paravirt.distro-kernel-feature',
          reason: `${g.name}'s kernel ${k.kernel} carries ${f.feature} although mainline added it later${f.notes ? ` (${f.notes})` : ''}`,
          inputs: { kernel: k.kernel, kernelSource: k.sourceRef, featureSource: f.sourceRef },
        });
      if (k.exact && k.xenKernel) {
        for (const featureKey of rules.xenKernel.features)
          put({
            guestId: g.id,
            featureKey,
            supported: true,
            minKernel: null,
            minDriverVersion: null,
            notes: 'the release ships its own Xen PV kernel',
            sourceRef: rules.xenKernel.sourceRef,
            rule: 'paravirt.distro-xen-kernel',
            reason: `${g.name} ships a Xen PV kernel package (kernel ${k.kernel}), older than and separate from mainline's pv_ops domU`,
            inputs: { kernel: k.kernel, kernelSource: k.sourceRef, xenKernel: true },
          });
      }
      for (const [featureKey, frules] of linuxByFeature) {
        const applicable = frules.filter((r) => !r.arch || r.arch.some((a) => arches.includes(a)));
        if (!applicable.length) continue;
        const meets = (r: LinuxRule) =>
          compareVersion(k.kernel, r.minKernel) >= 0 && (!r.maxKernel || compareVersion(k.kernel, r.maxKernel) < 0);
        const hit = applicable.find(meets);
        // A lower bound proves only "at least": a positive answer without a maximum. A kernel
        // with backports may have a feature its version predates: no negative answer either.
        if (!k.exact && (!hit || hit.maxKernel)) continue;
        if (k.backports && !hit) continue;
        const r = hit ?? [...applicable].sort((a, b) => compareVersion(a.minKernel, b.minKernel))[0];
        if (!r) continue;
        const range = r.maxKernel ? `[${r.minKernel}, ${r.maxKernel})` : `≥ ${r.minKernel}`;
        const release = k.exact ? g.name : `${byId.get(k.fromGuestId)?.name ?? k.fromGuestId}, which ${g.name} derives from`;
        const verdict = hit
          ? `kernel ${k.kernel}${k.exact ? '' : ' or newer'} (${release}) ${r.maxKernel ? `is within ${featureKey}'s ${range}` : `≥ ${featureKey} minimum ${r.minKernel}`}`
          : compareVersion(k.kernel, r.minKernel) < 0
            ? `kernel ${k.kernel} (${release}) < ${featureKey} minimum ${r.minKernel}`
            : `kernel ${k.kernel} (${release}) ≥ ${r.maxKernel}, where ${featureKey} was removed`;
        put({
          guestId: g.id,
          featureKey,
          supported: !!hit,
          minKernel: r.minKernel,
          minDriverVersion: null,
          notes: r.notes ?? null,
          sourceRef: r.sourceRef,
          rule: k.exact ? 'paravirt.kernel-min' : 'paravirt.kernel-min-inherited',
          reason: `${verdict}${r.arch ? ` on ${r.arch.join('/')}` : ''}`,
          inputs: {
            kernel: k.kernel,
            kernelSource: k.sourceRef,
            kernelOf: k.fromGuestId,
            minKernel: r.minKernel,
            ...(r.maxKernel ? { maxKernel: r.maxKernel } : {}),
            ...(r.arch ? { arch: r.arch } : {}),
            ruleSource: r.sourceRef,
          },
        });
      }
    }

    for (const r of g.version && /^\d/.test(g.version) ? (rules.versions ?? []).filter((x) => x.family === g.family) : []) {
      const ok = compareVersion(version, r.minVersion) >= 0;
      if ((ok && r.only === 'absent') || (!ok && r.only === 'present')) continue;
      if (r.arch && !arches.every((a) => r.arch?.includes(a))) continue;
      for (const featureKey of r.features)
        put({
          guestId: g.id,
          featureKey,
          supported: ok,
          minKernel: null,
          minDriverVersion: null,
          notes: r.notes ?? null,
          sourceRef: r.sourceRef,
          rule: 'paravirt.os-version-min',
          reason: `${g.name} ${version} ${ok ? '≥' : '<'} ${featureKey}'s first ${g.family} release, ${r.minVersion}${r.arch ? ` on ${r.arch.join('/')}` : ''}`,
          inputs: {
            family: g.family,
            version,
            minVersion: r.minVersion,
            ...(r.arch ? { arch: r.arch, guestArch: arches } : {}),
            ruleSource: r.sourceRef,
          },
        });
    }

    if (g.family === 'winnt' && g.version && /^\d/.test(g.version)) {
      for (const r of rules.windows) {
        if (r.never) {
          for (const featureKey of r.features)
            put({
              guestId: g.id,
              featureKey,
              supported: false,
              minKernel: null,
              minDriverVersion: null,
              notes: r.notes ?? null,
              sourceRef: r.sourceRef,
              rule: 'paravirt.windows-never',
              reason: `no Windows release has ${featureKey}${r.notes ? `: ${r.notes}` : ''}`,
              inputs: { ntVersion: g.version, ruleSource: r.sourceRef },
            });
          continue;
        }
        const minNt = r.minNt ?? '0';
        const ntOk = compareVersion(g.version, minNt) >= 0;
        if (ntOk && r.only === 'absent') continue;
        const archOk = !r.arch || r.arch.some((a) => g.architectures.includes(a));
        for (const featureKey of r.features)
          put({
            guestId: g.id,
            featureKey,
            supported: ntOk && archOk,
            minKernel: null,
            minDriverVersion: null,
            notes: r.notes ?? null,
            sourceRef: r.sourceRef,
            rule: 'paravirt.windows-nt-min',
            reason: !ntOk
              ? `Windows NT ${g.version} (${g.name}) < ${featureKey} minimum NT ${minNt}`
              : archOk
                ? `Windows NT ${g.version} (${g.name}) ≥ ${featureKey} minimum NT ${minNt}${r.arch ? ` on ${r.arch.join('/')}` : ''}`
                : `${featureKey} needs ${r.arch?.join('/')}; ${g.name} is ${g.architectures.join('/') || 'of no recorded architecture'}`,
            inputs: {
              ntVersion: g.version,
              minNt,
              ...(r.arch ? { arch: r.arch, guestArch: g.architectures } : {}),
              ruleSource: r.sourceRef,
            },
          });
      }
    }
  }
  // A feature whose prerequisite a guest is derived to lack is absent too.
  for (const r of rules.requires ?? [])
    for (const row of [...out.values()].filter((x) => x.featureKey === r.requires && !x.supported)) {
      const g = byId.get(row.guestId);
      put({
        guestId: row.guestId,
        featureKey: r.feature,
        supported: false,
        minKernel: null,
        minDriverVersion: null,
        notes: r.notes ?? null,
        sourceRef: r.sourceRef,
        rule: 'paravirt.requires-absent',
        reason: `${g?.name ?? row.guestId} lacks ${r.requires} (${row.rule}: ${row.reason}), which ${r.feature} requires`,
        inputs: { requires: r.requires, requiresRule: row.rule, requiresSource: row.sourceRef, ruleSource: r.sourceRef },
      });
    }
  // A positive for a feature some kernels lost again (maxKernel: VMI left Linux in 2.6.37) or that
  // only some architectures have says nothing of a newer release deriving from this one, which may
  // run a kernel past the removal or on another architecture: it holds for its own release only
  // (effective.ts does not pass it down; such a release derives its own answer from its kernel).
  const releaseOnly = new Set(rules.linux.filter((r) => r.maxKernel || r.arch).map((r) => r.feature));
  for (const row of out.values()) if (row.supported && releaseOnly.has(row.featureKey)) row.inputs = { ...row.inputs, releaseOnly: true };
  return [...out.values()].sort((a, b) =>
    a.guestId === b.guestId ? a.featureKey.localeCompare(b.featureKey) : a.guestId.localeCompare(b.guestId),
  );
}

export interface DeriveSummary {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/**
 * Computes the derived rows from the catalogue as it stands (the rules are the ParavirtRuleSet the
 * seed stored) and makes the stored DERIVED rows equal to them (insert, update, delete), in the
 * caller's transaction. Rows of other bases are never touched.
 */
export async function applyParavirtDerivation(tx: Sql): Promise<DeriveSummary> {
  const [set] = await tx.query<{ data: { kernels: KernelEntry[]; rules: ParavirtRules } }>(
    `SELECT data FROM "ParavirtRuleSet" WHERE id = 'curated'`,
  );
  // Before the seed ever ran there are no rules: nothing to derive, nothing to remove.
  if (!set) return { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const data = set.data;
  const [guests, answeredRows, features, drivers] = await Promise.all([
    tx.query<DeriveGuest>(
      `SELECT g.id, g.name, g.family, g.distro, g.version, g.kernel, g."sourceRef", coalesce(g.architectures, '{}') AS architectures,
              coalesce((SELECT array_agg(a."ancestorId" ORDER BY a.depth, a.rank) FROM "GuestOSAncestor" a
                         WHERE a."guestId" = g.id AND a.depth > 0), '{}') AS ancestors
         FROM "GuestOS" g ORDER BY g.id`,
    ),
    tx.query<{ guestId: string; key: string }>(
      `SELECT DISTINCT a."guestId", f.key FROM "GuestOSAncestor" a
         JOIN "GuestParavirtSupport" p ON p."guestId" = a."ancestorId" AND p.basis <> 'DERIVED'
         JOIN "ParavirtFeature" f ON f.id = p."featureId"`,
    ),
    tx.query<{ id: string; key: string }>(`SELECT id, key FROM "ParavirtFeature"`),
    tx.query<DriverSupportRow>(
      `SELECT b."packageKey", p."featureKey", b.version, s."guestId", s.arch, s.status::text AS status, s.reason, coalesce(s."sourceRef", b."sourceRef") AS "sourceRef"
         FROM "DriverBuildGuest" s JOIN "DriverBuild" b ON b.id = s."buildId" JOIN "DriverPackage" p ON p.key = b."packageKey"
        ORDER BY b."packageKey", b.version, s."guestId", s.arch`,
    ),
  ]);
  const featureId = new Map(features.map((f) => [f.key, f.id]));
  const rows = deriveParavirt({
    guests,
    answered: new Set(answeredRows.map((r) => `${r.guestId}\u0000${r.key}`)),
    kernels: data.kernels,
    rules: data.rules,
    drivers,
    featureKeys: new Set(featureId.keys()),
  });
  const payload = rows.map((r) => ({
    guestId: r.guestId,
    featureId: featureId.get(r.featureKey),
    supported: r.supported,
    minKernel: r.minKernel,
    minDriverVersion: r.minDriverVersion,
    notes: r.notes,
    sourceRef: r.sourceRef,
    rule: r.rule,
    reason: r.reason,
    inputs: r.inputs,
  }));
  // One statement each way; `IS DISTINCT FROM` keeps unchanged rows unwritten (idempotence).
  const [counts] = await tx.query<DeriveSummary>(
    `WITH want AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x("guestId" text, "featureId" text, supported boolean, "minKernel" text,
              "minDriverVersion" text, notes text, "sourceRef" text, rule text, reason text, inputs jsonb)
     ),
     gone AS (
       DELETE FROM "GuestParavirtSupport" t WHERE t.basis = 'DERIVED'
          AND NOT EXISTS (SELECT 1 FROM want w WHERE w."guestId" = t."guestId" AND w."featureId" = t."featureId")
       RETURNING 1
     ),
     upd AS (
       UPDATE "GuestParavirtSupport" t SET supported = w.supported, "minKernel" = w."minKernel", "minDriverVersion" = w."minDriverVersion",
              notes = w.notes, "sourceRef" = w."sourceRef", rule = w.rule, reason = w.reason, inputs = w.inputs
         FROM want w
        WHERE t."guestId" = w."guestId" AND t."featureId" = w."featureId" AND t.basis = 'DERIVED'
          AND (t.supported, t."minKernel", t."minDriverVersion", t.notes, t."sourceRef", t.rule, t.reason, t.inputs)
              IS DISTINCT FROM (w.supported, w."minKernel", w."minDriverVersion", w.notes, w."sourceRef", w.rule, w.reason, w.inputs)
       RETURNING 1
     ),
     ins AS (
       INSERT INTO "GuestParavirtSupport" ("guestId", "featureId", supported, "minKernel", "minDriverVersion", notes, source, "sourceRef", basis, rule, reason, inputs)
       SELECT w."guestId", w."featureId", w.supported, w."minKernel", w."minDriverVersion", w.notes, 'derived', w."sourceRef", 'DERIVED', w.rule, w.reason, w.inputs
         FROM want w
        WHERE NOT EXISTS (SELECT 1 FROM "GuestParavirtSupport" t WHERE t."guestId" = w."guestId" AND t."featureId" = w."featureId")
       RETURNING 1
     )
     SELECT (SELECT count(*)::int FROM ins) AS created, (SELECT count(*)::int FROM upd) AS updated,
            (SELECT count(*)::int FROM gone) AS deleted, $2::int - (SELECT count(*)::int FROM ins) - (SELECT count(*)::int FROM upd) AS unchanged`,
    [JSON.stringify(payload), payload.length],
  );
  return counts ?? { created: 0, updated: 0, deleted: 0, unchanged: 0 };
}

/** The curated inputs the derivation ran on (the seed's ParavirtRuleSet row). */
export interface ParavirtRuleSetData {
  kernels: KernelEntry[];
  rules: ParavirtRules;
}

/**
 * Why nothing decides `features` for a guest: the input the derivation would need and does not
 * have, in words (the reason of an UNKNOWN paravirt answer). Pure.
 */
export function missingInput(
  g: { name: string; family: string | null; distro: string | null; version: string | null; kernel?: string | null },
  data: ParavirtRuleSetData | null,
  features: string[],
): string {
  const list = features.length > 6 ? `${features.slice(0, 6).join(', ')} and ${features.length - 6} more` : features.join(', ');
  if (!data) return `no paravirt rules are loaded (the curated seed has not run), so nothing decides ${list}`;
  const numbered = !!g.version && /^\d/.test(g.version);
  if (g.family === 'linux') {
    if (!numbered)
      return `${g.name} names no release version (${g.version ?? 'none'}): no curated kernel or release rule can match it, so nothing decides ${list}`;
    const k = data.kernels.find((e) => e.distro === g.distro && e.versions.includes(g.version ?? ''));
    if (k?.backports)
      return `${g.name}'s kernel ${k.kernel} carries vendor backports, so its version decides nothing below a feature's minimum, and no release rule for ${g.distro} ${g.version} (paravirt-rules.yaml releases) says whether it has ${list}`;
    if (k || g.kernel) return `no rule for ${list} applies to ${g.name}'s kernel ${k?.kernel ?? g.kernel} on its architectures`;
    return `no kernel version is curated for ${g.distro ?? 'this distribution'} ${g.version} (kernels.yaml) and no release rule covers it, so nothing decides ${list}`;
  }
  if (g.family === 'winnt')
    return `no Windows rule or driver build in the catalogue decides ${list} for ${g.name} (NT ${g.version ?? 'version unknown'})`;
  const family = g.family ?? 'unknown';
  const known = [
    ...(data.rules.versions ?? [])
      .filter((r) => r.family === g.family)
      .map((r) => `${r.features.join('/')} ${r.only === 'absent' ? 'absent below' : 'from'} ${r.minVersion}`),
    ...(data.rules.families ?? []).filter((r) => r.families.includes(family)).map((r) => `no ${r.features.join('/')}`),
  ];
  if (!known.length) return `no rule covers the ${family} family (paravirt-rules.yaml), so nothing decides ${list} for ${g.name}`;
  if (!numbered)
    return `${g.name} names no numbered release (${g.version ?? 'none'}), which the ${family} rules (${known.join('; ')}) need`;
  return `the ${family} rules (${known.join('; ')}) do not decide ${list} for release ${g.version}`;
}
