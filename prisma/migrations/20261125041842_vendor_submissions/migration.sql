-- AlterTable
ALTER TABLE "CompatibilityRecord" ADD COLUMN     "fingerprint" TEXT,
ADD COLUMN     "proposedSupersedesId" TEXT;

-- CreateIndex
CREATE INDEX "CompatibilityRecord_fingerprint_idx" ON "CompatibilityRecord"("fingerprint");

-- CreateIndex
CREATE INDEX "CompatibilityRecord_proposedSupersedesId_idx" ON "CompatibilityRecord"("proposedSupersedesId");
