-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "VendorKind" AS ENUM ('HYPERVISOR', 'OS', 'HARDWARE', 'OTHER');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('SUBMITTER', 'MAINTAINER', 'ADMIN');

-- CreateEnum
CREATE TYPE "HardwareCategory" AS ENUM ('CPU_VIRTUALIZATION', 'MEMORY_VIRTUALIZATION', 'INTERRUPT_VIRTUALIZATION', 'TIMER', 'IOMMU', 'IO_VIRTUALIZATION', 'CONFIDENTIAL_COMPUTING', 'OTHER');

-- CreateEnum
CREATE TYPE "DetectionMethod" AS ENUM ('CPUINFO_FLAG', 'SYSFS_PATH', 'KVM_MODULE_PARAM', 'OTHER');

-- CreateEnum
CREATE TYPE "DeviceClass" AS ENUM ('NETWORK', 'STORAGE', 'STORAGE_CONTROLLER', 'DISPLAY', 'INPUT', 'RNG', 'BALLOON', 'CONSOLE', 'SOUND', 'USB_CONTROLLER', 'TPM', 'WATCHDOG', 'VSOCK', 'FILESYSTEM', 'IOMMU', 'CRYPTO', 'BRIDGE', 'MEMORY', 'OTHER');

-- CreateEnum
CREATE TYPE "DeviceKind" AS ENUM ('PARAVIRTUAL', 'EMULATED', 'PHYSICAL');

-- CreateEnum
CREATE TYPE "ParavirtInterface" AS ENUM ('NONE', 'VIRTIO_LEGACY', 'VIRTIO_TRANSITIONAL', 'VIRTIO_1_0', 'XEN_PV', 'VMWARE_PV', 'HYPERV_VMBUS');

-- CreateEnum
CREATE TYPE "ReleaseStatus" AS ENUM ('RELEASED', 'PRERELEASE', 'SNAPSHOT', 'ROLLING');

-- CreateEnum
CREATE TYPE "ResourceKind" AS ENUM ('MINIMUM', 'RECOMMENDED', 'MAXIMUM', 'NETWORK_INSTALL');

-- CreateEnum
CREATE TYPE "FirmwareType" AS ENUM ('BIOS', 'UEFI');

-- CreateEnum
CREATE TYPE "DriverSource" AS ENUM ('INBOX', 'ADDON');

-- CreateEnum
CREATE TYPE "HypervisorFamily" AS ENUM ('KVM', 'XEN', 'VMWARE', 'HYPERV', 'CLOUD_HYPERVISOR', 'FIRECRACKER', 'GENERIC');

-- CreateEnum
CREATE TYPE "ParavirtKind" AS ENUM ('BACKEND', 'FEATURE', 'ENLIGHTENMENT', 'DEVICE_FAMILY');

-- CreateEnum
CREATE TYPE "HostRequirement" AS ENUM ('REQUIRED', 'RECOMMENDED', 'USED_IF_PRESENT');

-- CreateEnum
CREATE TYPE "CompatibilityStatus" AS ENUM ('CERTIFIED', 'SUPPORTED', 'WORKS', 'PARTIAL', 'BROKEN', 'UNSUPPORTED');

-- CreateEnum
CREATE TYPE "ReviewState" AS ENUM ('PENDING', 'ACCEPTED', 'REJECTED');

-- CreateTable
CREATE TABLE "Vendor" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kinds" "VendorKind"[],
    "url" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Vendor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "vendorId" TEXT,
    "role" "Role" NOT NULL,
    "label" TEXT,
    "hash" TEXT NOT NULL,
    "salt" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorKeyId" TEXT,
    "actorVendor" TEXT,
    "actorRole" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT,
    "outcome" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "detail" TEXT,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Change" (
    "seq" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "op" TEXT NOT NULL,
    "data" JSONB,

    CONSTRAINT "Change_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "IdempotencyKey" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("scope","key")
);

-- CreateTable
CREATE TABLE "ImportRun" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "sourceVersion" TEXT,
    "path" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "status" TEXT NOT NULL,
    "counts" JSONB,
    "message" TEXT,

    CONSTRAINT "ImportRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HardwareFeature" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "vendor" TEXT,
    "architectures" TEXT[],
    "category" "HardwareCategory" NOT NULL,
    "detectionMethod" "DetectionMethod" NOT NULL,
    "detectionValue" TEXT NOT NULL,
    "description" TEXT,
    "requires" TEXT[],
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceRef" TEXT,
    "ownerVendorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HardwareFeature_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "vendorName" TEXT,
    "bus" TEXT NOT NULL,
    "vendorId" TEXT,
    "productId" TEXT,
    "subsystemVendorId" TEXT,
    "subsystemId" TEXT,
    "class" "DeviceClass" NOT NULL,
    "rawClass" TEXT,
    "kind" "DeviceKind" NOT NULL,
    "paravirtInterface" "ParavirtInterface" NOT NULL DEFAULT 'NONE',
    "description" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceVersion" TEXT,
    "sourceRef" TEXT,
    "ownerVendorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PciVendor" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "PciVendor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PciSubsystem" (
    "vendorId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "subsystemVendorId" TEXT NOT NULL,
    "subsystemId" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "PciSubsystem_pkey" PRIMARY KEY ("vendorId","productId","subsystemVendorId","subsystemId")
);

-- CreateTable
CREATE TABLE "DeviceEquivalenceGroup" (
    "key" TEXT NOT NULL,
    "class" "DeviceClass" NOT NULL,
    "description" TEXT,
    "sourceRef" TEXT,

    CONSTRAINT "DeviceEquivalenceGroup_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "DeviceEquivalenceMember" (
    "groupKey" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "hypervisorKey" TEXT,

    CONSTRAINT "DeviceEquivalenceMember_pkey" PRIMARY KEY ("groupKey","deviceId")
);

-- CreateTable
CREATE TABLE "GuestOS" (
    "id" TEXT NOT NULL,
    "shortIds" TEXT[],
    "name" TEXT NOT NULL,
    "vendor" TEXT,
    "family" TEXT,
    "distro" TEXT,
    "version" TEXT,
    "codename" TEXT,
    "kernel" TEXT,
    "architectures" TEXT[],
    "releaseStatus" "ReleaseStatus" NOT NULL DEFAULT 'RELEASED',
    "releaseDate" DATE,
    "eolDate" DATE,
    "derivesFromId" TEXT,
    "clonedFromId" TEXT,
    "upgradesId" TEXT,
    "cloudInit" BOOLEAN,
    "tpmRequired" BOOLEAN,
    "media" JSONB,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceVersion" TEXT,
    "sourceRef" TEXT,
    "ownerVendorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GuestOS_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GuestOSResources" (
    "guestId" TEXT NOT NULL,
    "arch" TEXT NOT NULL,
    "kind" "ResourceKind" NOT NULL,
    "cpus" INTEGER,
    "cpuHz" BIGINT,
    "ramBytes" BIGINT,
    "storageBytes" BIGINT,
    "source" TEXT NOT NULL DEFAULT 'curated',

    CONSTRAINT "GuestOSResources_pkey" PRIMARY KEY ("guestId","arch","kind")
);

-- CreateTable
CREATE TABLE "GuestOSFirmware" (
    "guestId" TEXT NOT NULL,
    "arch" TEXT NOT NULL,
    "type" "FirmwareType" NOT NULL,
    "supported" BOOLEAN NOT NULL,
    "secureBoot" BOOLEAN,
    "source" TEXT NOT NULL DEFAULT 'curated',

    CONSTRAINT "GuestOSFirmware_pkey" PRIMARY KEY ("guestId","arch","type")
);

-- CreateTable
CREATE TABLE "GuestOSDevice" (
    "guestId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "supported" BOOLEAN NOT NULL DEFAULT true,
    "driverSource" "DriverSource" NOT NULL DEFAULT 'INBOX',
    "driverName" TEXT,
    "minDriverVersion" TEXT,
    "notes" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceVersion" TEXT,

    CONSTRAINT "GuestOSDevice_pkey" PRIMARY KEY ("guestId","deviceId")
);

-- CreateTable
CREATE TABLE "ParavirtFeature" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "family" "HypervisorFamily" NOT NULL,
    "kind" "ParavirtKind" NOT NULL,
    "dependsOn" TEXT[],
    "description" TEXT,
    "sourceRef" TEXT,

    CONSTRAINT "ParavirtFeature_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GuestParavirtSupport" (
    "guestId" TEXT NOT NULL,
    "featureId" TEXT NOT NULL,
    "supported" BOOLEAN NOT NULL DEFAULT true,
    "minKernel" TEXT,
    "minDriverVersion" TEXT,
    "notes" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceRef" TEXT,

    CONSTRAINT "GuestParavirtSupport_pkey" PRIMARY KEY ("guestId","featureId")
);

-- CreateTable
CREATE TABLE "Hypervisor" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "family" "HypervisorFamily" NOT NULL,
    "vendor" TEXT,
    "homepage" TEXT,
    "ownerVendorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Hypervisor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HypervisorRelease" (
    "id" TEXT NOT NULL,
    "hypervisorId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "versionOrder" INTEGER NOT NULL DEFAULT 0,
    "name" TEXT NOT NULL,
    "releaseDate" DATE,
    "eolDate" DATE,
    "maxVcpus" INTEGER,
    "maxMemoryMiB" INTEGER,
    "machineTypes" TEXT[],
    "firmware" TEXT[],
    "virtualHardwareVersion" INTEGER,
    "vfio" BOOLEAN NOT NULL DEFAULT false,
    "sriov" BOOLEAN NOT NULL DEFAULT false,
    "notes" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "sourceRef" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HypervisorRelease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HypervisorReleaseDevice" (
    "releaseId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "supported" BOOLEAN NOT NULL DEFAULT true,
    "notes" TEXT,
    "sourceRef" TEXT,

    CONSTRAINT "HypervisorReleaseDevice_pkey" PRIMARY KEY ("releaseId","deviceId")
);

-- CreateTable
CREATE TABLE "HypervisorReleaseParavirt" (
    "releaseId" TEXT NOT NULL,
    "featureId" TEXT NOT NULL,
    "supported" BOOLEAN NOT NULL DEFAULT true,
    "notes" TEXT,
    "sourceRef" TEXT,

    CONSTRAINT "HypervisorReleaseParavirt_pkey" PRIMARY KEY ("releaseId","featureId")
);

-- CreateTable
CREATE TABLE "HypervisorReleaseHostFeature" (
    "releaseId" TEXT NOT NULL,
    "featureId" TEXT NOT NULL,
    "requirement" "HostRequirement" NOT NULL,
    "notes" TEXT,

    CONSTRAINT "HypervisorReleaseHostFeature_pkey" PRIMARY KEY ("releaseId","featureId")
);

-- CreateTable
CREATE TABLE "CompatibilityRecord" (
    "id" TEXT NOT NULL,
    "guestId" TEXT NOT NULL,
    "hypervisorReleaseId" TEXT NOT NULL,
    "hostFeatureId" TEXT,
    "deviceId" TEXT,
    "status" "CompatibilityStatus" NOT NULL,
    "backend" TEXT,
    "testedDevices" TEXT[],
    "evidenceNotes" TEXT,
    "evidenceUrl" TEXT,
    "evidenceDate" DATE,
    "submitterVendorId" TEXT,
    "submittedByKeyId" TEXT,
    "reviewState" "ReviewState" NOT NULL DEFAULT 'PENDING',
    "reviewReason" TEXT,
    "reviewedAt" TIMESTAMP(3),
    "reviewedByKeyId" TEXT,
    "supersedesId" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CompatibilityRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ApiKey_vendorId_idx" ON "ApiKey"("vendorId");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE INDEX "AuditEntry_entityType_entityId_idx" ON "AuditEntry"("entityType", "entityId");

-- CreateIndex
CREATE INDEX "AuditEntry_actorVendor_idx" ON "AuditEntry"("actorVendor");

-- CreateIndex
CREATE INDEX "ImportRun_source_startedAt_idx" ON "ImportRun"("source", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "HardwareFeature_key_key" ON "HardwareFeature"("key");

-- CreateIndex
CREATE INDEX "Device_bus_vendorId_productId_idx" ON "Device"("bus", "vendorId", "productId");

-- CreateIndex
CREATE INDEX "Device_class_idx" ON "Device"("class");

-- CreateIndex
CREATE INDEX "DeviceEquivalenceMember_deviceId_idx" ON "DeviceEquivalenceMember"("deviceId");

-- CreateIndex
CREATE INDEX "GuestOS_shortIds_idx" ON "GuestOS" USING GIN ("shortIds");

-- CreateIndex
CREATE INDEX "GuestOS_derivesFromId_idx" ON "GuestOS"("derivesFromId");

-- CreateIndex
CREATE INDEX "GuestOS_clonedFromId_idx" ON "GuestOS"("clonedFromId");

-- CreateIndex
CREATE INDEX "GuestOS_family_distro_idx" ON "GuestOS"("family", "distro");

-- CreateIndex
CREATE INDEX "GuestOSDevice_deviceId_idx" ON "GuestOSDevice"("deviceId");

-- CreateIndex
CREATE UNIQUE INDEX "ParavirtFeature_key_key" ON "ParavirtFeature"("key");

-- CreateIndex
CREATE INDEX "GuestParavirtSupport_featureId_idx" ON "GuestParavirtSupport"("featureId");

-- CreateIndex
CREATE UNIQUE INDEX "Hypervisor_key_key" ON "Hypervisor"("key");

-- CreateIndex
CREATE UNIQUE INDEX "HypervisorRelease_hypervisorId_version_key" ON "HypervisorRelease"("hypervisorId", "version");

-- CreateIndex
CREATE INDEX "HypervisorReleaseDevice_deviceId_idx" ON "HypervisorReleaseDevice"("deviceId");

-- CreateIndex
CREATE UNIQUE INDEX "CompatibilityRecord_supersedesId_key" ON "CompatibilityRecord"("supersedesId");

-- CreateIndex
CREATE INDEX "CompatibilityRecord_guestId_hypervisorReleaseId_idx" ON "CompatibilityRecord"("guestId", "hypervisorReleaseId");

-- CreateIndex
CREATE INDEX "CompatibilityRecord_hypervisorReleaseId_idx" ON "CompatibilityRecord"("hypervisorReleaseId");

-- CreateIndex
CREATE INDEX "CompatibilityRecord_reviewState_idx" ON "CompatibilityRecord"("reviewState");

-- CreateIndex
CREATE INDEX "CompatibilityRecord_submitterVendorId_idx" ON "CompatibilityRecord"("submitterVendorId");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_vendorId_fkey" FOREIGN KEY ("vendorId") REFERENCES "Vendor"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HardwareFeature" ADD CONSTRAINT "HardwareFeature_ownerVendorId_fkey" FOREIGN KEY ("ownerVendorId") REFERENCES "Vendor"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_ownerVendorId_fkey" FOREIGN KEY ("ownerVendorId") REFERENCES "Vendor"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceEquivalenceMember" ADD CONSTRAINT "DeviceEquivalenceMember_groupKey_fkey" FOREIGN KEY ("groupKey") REFERENCES "DeviceEquivalenceGroup"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceEquivalenceMember" ADD CONSTRAINT "DeviceEquivalenceMember_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOS" ADD CONSTRAINT "GuestOS_derivesFromId_fkey" FOREIGN KEY ("derivesFromId") REFERENCES "GuestOS"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOS" ADD CONSTRAINT "GuestOS_clonedFromId_fkey" FOREIGN KEY ("clonedFromId") REFERENCES "GuestOS"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOS" ADD CONSTRAINT "GuestOS_upgradesId_fkey" FOREIGN KEY ("upgradesId") REFERENCES "GuestOS"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOS" ADD CONSTRAINT "GuestOS_ownerVendorId_fkey" FOREIGN KEY ("ownerVendorId") REFERENCES "Vendor"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOSResources" ADD CONSTRAINT "GuestOSResources_guestId_fkey" FOREIGN KEY ("guestId") REFERENCES "GuestOS"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOSFirmware" ADD CONSTRAINT "GuestOSFirmware_guestId_fkey" FOREIGN KEY ("guestId") REFERENCES "GuestOS"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOSDevice" ADD CONSTRAINT "GuestOSDevice_guestId_fkey" FOREIGN KEY ("guestId") REFERENCES "GuestOS"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestOSDevice" ADD CONSTRAINT "GuestOSDevice_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestParavirtSupport" ADD CONSTRAINT "GuestParavirtSupport_guestId_fkey" FOREIGN KEY ("guestId") REFERENCES "GuestOS"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuestParavirtSupport" ADD CONSTRAINT "GuestParavirtSupport_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "ParavirtFeature"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Hypervisor" ADD CONSTRAINT "Hypervisor_ownerVendorId_fkey" FOREIGN KEY ("ownerVendorId") REFERENCES "Vendor"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HypervisorRelease" ADD CONSTRAINT "HypervisorRelease_hypervisorId_fkey" FOREIGN KEY ("hypervisorId") REFERENCES "Hypervisor"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HypervisorReleaseDevice" ADD CONSTRAINT "HypervisorReleaseDevice_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "HypervisorRelease"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HypervisorReleaseDevice" ADD CONSTRAINT "HypervisorReleaseDevice_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HypervisorReleaseParavirt" ADD CONSTRAINT "HypervisorReleaseParavirt_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "HypervisorRelease"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HypervisorReleaseParavirt" ADD CONSTRAINT "HypervisorReleaseParavirt_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "ParavirtFeature"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HypervisorReleaseHostFeature" ADD CONSTRAINT "HypervisorReleaseHostFeature_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "HypervisorRelease"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HypervisorReleaseHostFeature" ADD CONSTRAINT "HypervisorReleaseHostFeature_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "HardwareFeature"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CompatibilityRecord" ADD CONSTRAINT "CompatibilityRecord_guestId_fkey" FOREIGN KEY ("guestId") REFERENCES "GuestOS"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CompatibilityRecord" ADD CONSTRAINT "CompatibilityRecord_hypervisorReleaseId_fkey" FOREIGN KEY ("hypervisorReleaseId") REFERENCES "HypervisorRelease"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CompatibilityRecord" ADD CONSTRAINT "CompatibilityRecord_hostFeatureId_fkey" FOREIGN KEY ("hostFeatureId") REFERENCES "HardwareFeature"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CompatibilityRecord" ADD CONSTRAINT "CompatibilityRecord_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CompatibilityRecord" ADD CONSTRAINT "CompatibilityRecord_submitterVendorId_fkey" FOREIGN KEY ("submitterVendorId") REFERENCES "Vendor"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CompatibilityRecord" ADD CONSTRAINT "CompatibilityRecord_supersedesId_fkey" FOREIGN KEY ("supersedesId") REFERENCES "CompatibilityRecord"("id") ON DELETE SET NULL ON UPDATE CASCADE;
