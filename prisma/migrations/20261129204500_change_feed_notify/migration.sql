-- Every committed batch of change-feed rows notifies listeners on channel `virtcompat_change` with the
-- highest sequence number it added. PostgreSQL delivers a notification only when (and if) its
-- transaction commits, in commit order, so each service instance learns of every write from any
-- writer (the API on another instance, the CLI, an import, a seed, psql) and reads the rows itself.
-- The payload is only the number: notifications are limited to 8000 bytes.
CREATE FUNCTION "virtcompat_change_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('virtcompat_change', (SELECT max(seq)::text FROM new_rows));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Change_notify"
  AFTER INSERT ON "Change"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "virtcompat_change_notify"();
