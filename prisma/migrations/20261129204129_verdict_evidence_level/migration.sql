-- CreateEnum
CREATE TYPE "EvidenceLevel" AS ENUM ('VENDOR_CERTIFIED', 'GUEST_VENDOR_TESTED', 'USER_REPORTED', 'DERIVED');

-- AlterTable
ALTER TABLE "CompatibilityRecord" ADD COLUMN     "evidenceLevel" "EvidenceLevel" NOT NULL DEFAULT 'USER_REPORTED';

-- Backfill: the rule submissions apply (src/catalogue/records.ts, evidenceLevelOf). The submitting
-- vendor certifies when it is a HYPERVISOR vendor owning the release's hypervisor, tested when it is
-- an OS vendor owning the guest; anything else is a report. Curated rows get their level from
-- seed/curated/compatibility.yaml at the next seed (a changed record supersedes the old row).
UPDATE "CompatibilityRecord" c
   SET "evidenceLevel" = CASE
         WHEN 'HYPERVISOR' = ANY(v.kinds) AND h."ownerVendorId" = v.id THEN 'VENDOR_CERTIFIED'::"EvidenceLevel"
         WHEN 'OS' = ANY(v.kinds) AND g."ownerVendorId" = v.id THEN 'GUEST_VENDOR_TESTED'::"EvidenceLevel"
         ELSE 'USER_REPORTED'::"EvidenceLevel"
       END
  FROM "Vendor" v, "HypervisorRelease" r, "Hypervisor" h, "GuestOS" g
 WHERE v.id = c."submitterVendorId" AND r.id = c."hypervisorReleaseId" AND h.id = r."hypervisorId" AND g.id = c."guestId";
