-- CreateEnum
CREATE TYPE "ParavirtBasis" AS ENUM ('RECORD', 'CURATED', 'DERIVED');

-- CreateEnum
CREATE TYPE "DriverSupportStatus" AS ENUM ('SUPPORTED', 'BROKEN', 'UNSUPPORTED');

-- AlterTable
ALTER TABLE "GuestParavirtSupport" ADD COLUMN     "basis" "ParavirtBasis" NOT NULL DEFAULT 'CURATED',
ADD COLUMN     "inputs" JSONB,
ADD COLUMN     "reason" TEXT,
ADD COLUMN     "rule" TEXT;

-- CreateTable
CREATE TABLE "ParavirtAnswerFeature" (
    "hypervisorKey" TEXT NOT NULL,
    "featureKey" TEXT NOT NULL,
    "required" BOOLEAN NOT NULL DEFAULT false,
    "sourceRef" TEXT,

    CONSTRAINT "ParavirtAnswerFeature_pkey" PRIMARY KEY ("hypervisorKey","featureKey")
);

-- CreateTable
CREATE TABLE "ParavirtRuleSet" (
    "id" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ParavirtRuleSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DriverPackage" (
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "family" "HypervisorFamily" NOT NULL,
    "featureKey" TEXT NOT NULL,
    "vendor" TEXT,
    "homepage" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceRef" TEXT,
    "ownerVendorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DriverPackage_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "DriverBuild" (
    "id" TEXT NOT NULL,
    "packageKey" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "releaseDate" DATE,
    "notes" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceRef" TEXT,
    "ownerVendorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DriverBuild_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DriverBuildGuest" (
    "buildId" TEXT NOT NULL,
    "guestId" TEXT NOT NULL,
    "arch" TEXT NOT NULL,
    "status" "DriverSupportStatus" NOT NULL,
    "reason" TEXT,
    "sourceRef" TEXT,

    CONSTRAINT "DriverBuildGuest_pkey" PRIMARY KEY ("buildId","guestId","arch")
);

-- CreateIndex
CREATE UNIQUE INDEX "DriverBuild_packageKey_version_key" ON "DriverBuild"("packageKey", "version");

-- CreateIndex
CREATE INDEX "DriverBuildGuest_guestId_idx" ON "DriverBuildGuest"("guestId");

-- AddForeignKey
ALTER TABLE "DriverBuild" ADD CONSTRAINT "DriverBuild_packageKey_fkey" FOREIGN KEY ("packageKey") REFERENCES "DriverPackage"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DriverBuildGuest" ADD CONSTRAINT "DriverBuildGuest_buildId_fkey" FOREIGN KEY ("buildId") REFERENCES "DriverBuild"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Rows a vendor published are records.
UPDATE "GuestParavirtSupport" SET "basis" = 'RECORD' WHERE "source" LIKE 'vendor:%';
