-- AlterTable
ALTER TABLE "HypervisorRelease" ADD COLUMN     "limitsNotPublished" JSONB NOT NULL DEFAULT '[]';
