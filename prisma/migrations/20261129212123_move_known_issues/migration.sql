-- CreateEnum
CREATE TYPE "KnownIssueSeverity" AS ENUM ('INFO', 'WARNING', 'BLOCKER');

-- CreateTable
CREATE TABLE "KnownIssue" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "severity" "KnownIssueSeverity" NOT NULL,
    "fromHypervisor" TEXT,
    "toHypervisor" TEXT,
    "fromDevice" TEXT,
    "toDevice" TEXT,
    "guestFamily" TEXT,
    "guestId" TEXT,
    "condition" TEXT,
    "trigger" TEXT NOT NULL,
    "workaround" TEXT NOT NULL,
    "evidenceUrl" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "ownerVendorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KnownIssue_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "KnownIssue_key_key" ON "KnownIssue"("key");

-- CreateIndex
CREATE INDEX "KnownIssue_toHypervisor_idx" ON "KnownIssue"("toHypervisor");

-- CreateIndex
CREATE INDEX "KnownIssue_fromHypervisor_idx" ON "KnownIssue"("fromHypervisor");

-- AddForeignKey
ALTER TABLE "KnownIssue" ADD CONSTRAINT "KnownIssue_ownerVendorId_fkey" FOREIGN KEY ("ownerVendorId") REFERENCES "Vendor"("id") ON DELETE SET NULL ON UPDATE CASCADE;
