// Builds of add-on driver packages (virtio-win, Xen PV drivers, VMware Tools), published by the
// vendors that ship them: which guest releases and architectures a build supports, and the ones it
// is known to break. The package must exist (curated); a build a vendor publishes is its own
// (source vendor:<id>), and a curated build is the curators'. After a change the paravirt
// derivation runs again in the same transaction, so the guests' derived answers follow at once.
// The steps every publish shares (ownership, merge, audit, change feed) are in engine.ts.
import type { WriteEnv } from '../authorize.ts';
import { applyParavirtDerivation } from '../paravirt-derive.ts';
import { date } from '../rows.ts';
import { list, Problems, RULES, text, unique, url } from '../validate.ts';
import { byKey, has, merge, publish, type Owned, type PublishOutcome } from './engine.ts';

export interface DriverBuildInput {
  package: string;
  version: string;
  releaseDate?: string | null;
  notes?: string | null;
  sourceRef?: string | null;
  guests?: Array<{ guest: string; arch: string; status?: string | null; reason?: string | null; sourceRef?: string | null }> | null;
}

export interface DriverBuildSnapshot extends Owned {
  packageKey: string;
  version: string;
  releaseDate: string | null;
  notes: string | null;
  sourceRef: string | null;
  guests: Array<{ guestId: string; arch: string; status: string; reason: string | null; sourceRef: string | null }>;
  source: string;
}

const STATUSES = new Set(['SUPPORTED', 'BROKEN', 'UNSUPPORTED']);
export const driverBuildId = (packageKey: string, version: string) => `http://virtcompat.org/driver/${packageKey}/${version}`;

export async function publishDriverBuild(env: WriteEnv, input: DriverBuildInput): Promise<PublishOutcome<DriverBuildSnapshot>> {
  const pre = new Problems([], ['input']);
  const pkg = text(pre, ['package'], input.package, RULES.key, true);
  const version = text(pre, ['version'], input.version, RULES.version, true);
  const id = pkg && version ? driverBuildId(pkg, version) : '';
  return publish<DriverBuildSnapshot>(
    env,
    {
      action: 'publishDriverBuild',
      entityType: 'DriverBuild',
      kinds: ['HYPERVISOR', 'OS', 'OTHER'],
      async load(tx) {
        const [b] = await tx.query<Omit<DriverBuildSnapshot, 'guests'>>(
          `SELECT id, "packageKey", version, ${date('"releaseDate"')} AS "releaseDate", notes, "sourceRef", "ownerVendorId", source
             FROM "DriverBuild" WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (!b) return null;
        const guests = await tx.query<DriverBuildSnapshot['guests'][number]>(
          `SELECT "guestId", arch, status::text AS status, reason, "sourceRef" FROM "DriverBuildGuest" WHERE "buildId" = $1 ORDER BY "guestId", arch`,
          [id],
        );
        return { ...b, guests };
      },
      async refuseNew(tx) {
        const [p] = await tx.query<{ key: string }>(`SELECT key FROM "DriverPackage" WHERE key = $1`, [pkg]);
        return p
          ? null
          : `no driver package ${JSON.stringify(pkg)}: builds are published for the packages the catalogue lists (driverPackages)`;
      },
      async build(tx, stored, p) {
        const releaseDate = text(p, ['releaseDate'], input.releaseDate, {
          max: 10,
          pattern: /^\d{4}-\d{2}-\d{2}$/,
          hint: 'a date YYYY-MM-DD',
        });
        const notes = text(p, ['notes'], input.notes, RULES.notes);
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        let guests: DriverBuildSnapshot['guests'] | undefined;
        const given = list(p, ['guests'], input.guests, 2000);
        if (given) {
          const refs = given.map((g, i) => text(p, ['guests', i, 'guest'], g.guest, RULES.ref, true) ?? '');
          const found = await tx.query<{ ref: string; id: string }>(
            `SELECT r.ref, g.id FROM unnest($1::text[]) AS r(ref)
               JOIN LATERAL (SELECT id FROM "GuestOS" WHERE id = r.ref OR r.ref = ANY("shortIds") ORDER BY (id = r.ref) DESC, id LIMIT 1) g ON true`,
            [refs],
          );
          const byRef = new Map(found.map((f) => [f.ref, f.id]));
          guests = given.map((g, i) => {
            const guestId = byRef.get(refs[i] ?? '');
            if (refs[i] && !guestId)
              p.add(['guests', i, 'guest'], 'UNKNOWN_REFERENCE', `no guest OS has the id or short id ${JSON.stringify(refs[i])}`);
            const arch = text(p, ['guests', i, 'arch'], g.arch, RULES.arch, true);
            const status = g.status ?? 'SUPPORTED';
            if (!STATUSES.has(status))
              p.add(['guests', i, 'status'], 'INVALID_FORMAT', `status must be one of ${[...STATUSES].join(', ')}`);
            const reason = text(p, ['guests', i, 'reason'], g.reason, RULES.notes);
            if (status !== 'SUPPORTED' && !reason)
              p.add(
                ['guests', i, 'reason'],
                'REQUIRED',
                `a ${status} entry says why (the failure, the report, the release that dropped it)`,
              );
            const ref = url(p, ['guests', i, 'sourceRef'], g.sourceRef);
            return { guestId: guestId ?? '', arch: arch ?? '', status, reason: reason ?? null, sourceRef: ref ?? null };
          });
          unique(p, ['guests'], guests, (g) => `${g.guestId} ${g.arch}`, 'guest and architecture');
          guests = byKey(guests, (g) => `${g.guestId} ${g.arch}`);
        }
        return {
          id,
          packageKey: pkg ?? '',
          version: version ?? '',
          releaseDate: merge(input, 'releaseDate', releaseDate, stored?.releaseDate),
          notes: merge(input, 'notes', notes, stored?.notes),
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          guests: has(input, 'guests') ? (guests ?? []) : (stored?.guests ?? []),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
      },
      table: 'DriverBuild',
      row: ({ guests, ...b }, vendorId) => ({ ...b, source: `vendor:${vendorId}`, ownerVendorId: vendorId }),
      casts: { releaseDate: 'date' },
      keep: ['packageKey', 'version', 'source', 'ownerVendorId'],
      children: [
        {
          field: 'guests',
          delete: `DELETE FROM "DriverBuildGuest" WHERE "buildId" = $1`,
          insert: `INSERT INTO "DriverBuildGuest" ("buildId", "guestId", arch, status, reason, "sourceRef")
           SELECT $1, x."guestId", x.arch, x.status::"DriverSupportStatus", x.reason, x."sourceRef"
             FROM jsonb_to_recordset($2::jsonb) AS x("guestId" text, arch text, status text, reason text, "sourceRef" text)`,
        },
      ],
      afterWrite: applyParavirtDerivation,
    },
    pre,
  );
}
