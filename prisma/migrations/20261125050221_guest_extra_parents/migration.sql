-- AlterTable
ALTER TABLE "GuestOS" ADD COLUMN     "extraClonedFromIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "extraDerivesFromIds" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- Follow every parent: rank orders derivesFrom '0', further derives-from '1<nn>', clonedFrom '2',
-- further clones '3<nn>', so nearer and earlier-listed parents answer first.
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
      CROSS JOIN LATERAL (
        SELECT g."derivesFromId", '0'
        UNION ALL SELECT x.parent, '1' || lpad(x.n::text, 2, '0')
          FROM unnest(coalesce(g."extraDerivesFromIds", '{}')) WITH ORDINALITY AS x(parent, n)
        UNION ALL SELECT g."clonedFromId", '2'
        UNION ALL SELECT x.parent, '3' || lpad(x.n::text, 2, '0')
          FROM unnest(coalesce(g."extraClonedFromIds", '{}')) WITH ORDINALITY AS x(parent, n)
      ) AS p(parent, ord)
     WHERE p.parent IS NOT NULL AND NOT p.parent = ANY(a.path) AND a.depth < 64
  )
  SELECT DISTINCT ON (root, node) root, node, depth, rank FROM anc ORDER BY root, node, depth, rank;
  RETURN NULL;
END;
$$;

DROP TRIGGER "GuestOS_ancestry_update" ON "GuestOS";
CREATE TRIGGER "GuestOS_ancestry_update"
  AFTER UPDATE OF "derivesFromId", "clonedFromId", "extraDerivesFromIds", "extraClonedFromIds" ON "GuestOS"
  FOR EACH STATEMENT EXECUTE FUNCTION virtcompat_refresh_guest_ancestry();

-- Parents the osinfo importer kept in media until now become columns; the closure follows them.
UPDATE "GuestOS" SET
  "extraDerivesFromIds" = coalesce(ARRAY(SELECT jsonb_array_elements_text(media->'extraDerivesFrom')), '{}'),
  "extraClonedFromIds" = coalesce(ARRAY(SELECT jsonb_array_elements_text(media->'extraClones')), '{}'),
  media = NULLIF(media - 'extraDerivesFrom' - 'extraClones', '{}'::jsonb)
WHERE media ? 'extraDerivesFrom' OR media ? 'extraClones';
