-- AlterTable
ALTER TABLE "HypervisorReleaseHostFeature" ADD COLUMN     "anyOf" TEXT,
ADD COLUMN     "sourceRef" TEXT;
