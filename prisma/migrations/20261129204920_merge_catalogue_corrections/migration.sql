-- CreateTable
CREATE TABLE "CatalogueCorrection" (
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "replaces" JSONB,
    "reason" TEXT NOT NULL,
    "sourceRef" TEXT,
    "source" TEXT NOT NULL DEFAULT 'curated',

    CONSTRAINT "CatalogueCorrection_pkey" PRIMARY KEY ("entityType","entityId","field")
);
