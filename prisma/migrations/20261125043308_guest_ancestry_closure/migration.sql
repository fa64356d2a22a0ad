-- CreateTable
CREATE TABLE "GuestOSAncestor" (
    "guestId" TEXT NOT NULL,
    "ancestorId" TEXT NOT NULL,
    "depth" INTEGER NOT NULL,
    "rank" TEXT NOT NULL,

    CONSTRAINT "GuestOSAncestor_pkey" PRIMARY KEY ("guestId","ancestorId")
);

-- CreateIndex
CREATE INDEX "GuestOSAncestor_ancestorId_idx" ON "GuestOSAncestor"("ancestorId");

-- Rebuilds the closure after any statement that adds, removes or re-parents guests. A whole
-- rebuild (a few thousand rows for all of osinfo-db) is simpler than incremental upkeep and
-- cannot drift; the advisory lock serialises concurrent writers.
CREATE OR REPLACE FUNCTION virtcompat_refresh_guest_ancestry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('virtcompat_guest_ancestry'));
  DELETE FROM "GuestOSAncestor";
  INSERT INTO "GuestOSAncestor" ("guestId", "ancestorId", "depth", "rank")
  WITH RECURSIVE anc(root, node, depth, rank, path) AS (
    SELECT g.id, g.id, 0, ''::text, ARRAY[g.id] FROM "GuestOS" g
    UNION ALL
    SELECT a.root, p.parent, a.depth + 1, a.rank || p.ord, a.path || p.parent
      FROM anc a
      JOIN "GuestOS" g ON g.id = a.node
      CROSS JOIN LATERAL (VALUES (g."derivesFromId", '0'), (g."clonedFromId", '1')) AS p(parent, ord)
     WHERE p.parent IS NOT NULL AND NOT p.parent = ANY(a.path) AND a.depth < 64
  )
  SELECT DISTINCT ON (root, node) root, node, depth, rank FROM anc ORDER BY root, node, depth, rank;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "GuestOS_ancestry_insert_delete"
  AFTER INSERT OR DELETE ON "GuestOS"
  FOR EACH STATEMENT EXECUTE FUNCTION virtcompat_refresh_guest_ancestry();

CREATE TRIGGER "GuestOS_ancestry_update"
  AFTER UPDATE OF "derivesFromId", "clonedFromId" ON "GuestOS"
  FOR EACH STATEMENT EXECUTE FUNCTION virtcompat_refresh_guest_ancestry();

CREATE TRIGGER "GuestOS_ancestry_truncate"
  AFTER TRUNCATE ON "GuestOS"
  FOR EACH STATEMENT EXECUTE FUNCTION virtcompat_refresh_guest_ancestry();

-- Databases migrated before this one already hold guests.
INSERT INTO "GuestOSAncestor" ("guestId", "ancestorId", "depth", "rank")
WITH RECURSIVE anc(root, node, depth, rank, path) AS (
  SELECT g.id, g.id, 0, ''::text, ARRAY[g.id] FROM "GuestOS" g
  UNION ALL
  SELECT a.root, p.parent, a.depth + 1, a.rank || p.ord, a.path || p.parent
    FROM anc a
    JOIN "GuestOS" g ON g.id = a.node
    CROSS JOIN LATERAL (VALUES (g."derivesFromId", '0'), (g."clonedFromId", '1')) AS p(parent, ord)
   WHERE p.parent IS NOT NULL AND NOT p.parent = ANY(a.path) AND a.depth < 64
)
SELECT DISTINCT ON (root, node) root, node, depth, rank FROM anc ORDER BY root, node, depth, rank;
