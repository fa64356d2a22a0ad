-- A hypervisor release written without machine types or firmware (a vendor's, a fixture's) has
-- none: an empty list, never NULL (the API's lists are non-null). Rows already NULL become empty.
UPDATE "HypervisorRelease" SET "machineTypes" = ARRAY[]::TEXT[] WHERE "machineTypes" IS NULL;
UPDATE "HypervisorRelease" SET "firmware" = ARRAY[]::TEXT[] WHERE "firmware" IS NULL;

-- AlterTable
ALTER TABLE "HypervisorRelease" ALTER COLUMN "machineTypes" SET DEFAULT ARRAY[]::TEXT[],
ALTER COLUMN "machineTypes" SET NOT NULL,
ALTER COLUMN "firmware" SET DEFAULT ARRAY[]::TEXT[],
ALTER COLUMN "firmware" SET NOT NULL;
