-- Installed into FerretDB's PostgreSQL database before FerretDB first starts (see
-- scripts/local-postgres.mjs), through single-user mode: statements end with a semicolon
-- followed by an empty line, and there is none inside a statement.
--
-- FerretDB v1 filters by `_jsonb -> 'field' @> value`, which the btree expression indexes it
-- creates for `createIndexes` (and for `_id`) cannot serve, so every lookup scans the table.
-- Beside each single-field btree index it creates, a GIN `jsonb_path_ops` index on the same
-- expression serves that operator. `fastupdate = off`: otherwise new entries wait in a pending
-- list that every lookup reads in full until it is merged into the index.
-- The shadow of `<name>_idx` (every FerretDB index name ends in `_idx`) is `<name>_gin`, so it is
-- found again when FerretDB drops the btree index; dropped tables take both with them.

CREATE OR REPLACE FUNCTION ferretdb_shadow_gin_create() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN
    SELECT c.relname AS index_name, n.nspname AS schema_name, t.relname AS table_name,
           pg_get_indexdef(i.indexrelid, 1, false) AS expression
      FROM pg_event_trigger_ddl_commands() AS command
      JOIN pg_index i ON i.indexrelid = command.objid
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_am am ON am.oid = c.relam
     WHERE command.object_type = 'index' AND am.amname = 'btree' AND i.indnatts = 1
       AND i.indexprs IS NOT NULL AND c.relname LIKE '%\_idx'
  LOOP
    EXECUTE format('CREATE INDEX %I ON %I.%I USING gin ((%s) jsonb_path_ops) WITH (fastupdate = off)',
                   regexp_replace(created.index_name, '_idx$', '_gin'), created.schema_name,
                   created.table_name, created.expression);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION ferretdb_shadow_gin_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  dropped record;
BEGIN
  FOR dropped IN
    SELECT schema_name, object_name FROM pg_event_trigger_dropped_objects()
     WHERE object_type = 'index' AND original AND object_name LIKE '%\_idx'
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', dropped.schema_name,
                   regexp_replace(dropped.object_name, '_idx$', '_gin'));
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS ferretdb_shadow_gin_create;

CREATE EVENT TRIGGER ferretdb_shadow_gin_create ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION ferretdb_shadow_gin_create();

DROP EVENT TRIGGER IF EXISTS ferretdb_shadow_gin_drop;

CREATE EVENT TRIGGER ferretdb_shadow_gin_drop ON sql_drop WHEN TAG IN ('DROP INDEX')
  EXECUTE FUNCTION ferretdb_shadow_gin_drop();

-- FerretDB's driver prepares its statements, and PostgreSQL's generic plan for
-- `_jsonb -> $1 @> $2` cannot match an index expression: plan each execution with its values.
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
END $$;
