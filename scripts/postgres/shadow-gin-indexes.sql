-- Installed into FerretDB's PostgreSQL database before FerretDB first starts, and again whenever
-- this file changes (see scripts/local-postgres.mjs), through single-user mode: statements end
-- with a semicolon followed by an empty line, and there is none inside a statement.
--
-- FerretDB v1 filters by `_jsonb -> 'field' @> value`, and (with --test-enable-nested-pushdown,
-- which scripts/ferretdb.mjs sets) a dotted key by `_jsonb #> '{data,status}' @> value`. The
-- btree expression indexes it creates for `createIndexes` (and for `_id`) cannot serve `@>`,
-- so every lookup would scan the table. Beside each btree index it creates, a GIN
-- `jsonb_path_ops` index on the index's leading field, in the form FerretDB's filters take,
-- serves that operator: for a top-level field the btree's own expression `_jsonb -> 'f'`, for
-- a dotted path `_jsonb #> '{a,b}'::text[]` (the btree has `(_jsonb -> 'a') -> 'b'`, which the
-- planner cannot match to the filter). The other fields of a compound index are left out: a
-- filter on them alone is not what the index is for, and FerretDB sorts in memory anyway.
-- `fastupdate = off`: otherwise new entries wait in a pending list that every lookup reads in
-- full until it is merged into the index.
-- The shadow of `<name>_idx` (every FerretDB index name ends in `_idx`) is `<name>_gin`, so it is
-- found again when FerretDB drops the btree index; dropped tables take both with them.
-- One shadow per field and table: a compound index gets none when another index's shadow
-- already serves its leading field (a single-field index always has its own, and takes over
-- from a compound's). When the index owning a shadow is dropped, another index led by the same
-- field gets one.

-- The GIN shadow's expression for a btree index's column, as pg_get_indexdef(index, column,
-- false) prints both; NULL for a column that is not a FerretDB field path.
CREATE OR REPLACE FUNCTION ferretdb_shadow_gin_expression(btree_column text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  keys text[];
  key text;
  rebuilt text := '_jsonb';
BEGIN
  keys := ARRAY(SELECT replace(match[1], '''''', '''')
                  FROM regexp_matches(btree_column, $re$ -> '((?:[^']|'')*)'::text\)$re$, 'g') AS match);
  IF cardinality(keys) = 0 THEN
    RETURN NULL;
  END IF;
  -- Only what FerretDB generates, `(((_jsonb -> 'a'::text) -> 'b'::text))`, exactly.
  FOREACH key IN ARRAY keys LOOP
    rebuilt := format('(%s -> ''%s''::text)', rebuilt, replace(key, '''', ''''''));
  END LOOP;
  IF format('(%s)', rebuilt) IS DISTINCT FROM btree_column THEN
    RETURN NULL;
  END IF;
  IF cardinality(keys) = 1 THEN
    RETURN btree_column;
  END IF;
  RETURN format('((_jsonb #> %L::text[]))', keys::text);
END
$$;

-- Creates, replaces or drops the shadows of a table's FerretDB btree indexes as described above.
CREATE OR REPLACE FUNCTION ferretdb_shadow_gin_ensure(target oid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  btree record;
  shadow text;
  wanted text;
  present text;
BEGIN
  FOR btree IN
    SELECT c.relname AS index_name, n.nspname AS schema_name, t.relname AS table_name,
           i.indnatts AS columns, pg_get_indexdef(i.indexrelid, 1, false) AS leading
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_am am ON am.oid = c.relam
     WHERE i.indrelid = target AND am.amname = 'btree' AND i.indexprs IS NOT NULL
       AND c.relname LIKE '%\_idx'
     ORDER BY i.indnatts > 1, c.relname
  LOOP
    wanted := ferretdb_shadow_gin_expression(btree.leading);
    CONTINUE WHEN wanted IS NULL;
    shadow := regexp_replace(btree.index_name, '_idx$', '_gin');
    SELECT pg_get_indexdef(i.indexrelid, 1, false) INTO present
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = target AND c.relname = shadow;
    IF btree.columns > 1 AND EXISTS (
         SELECT FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
          WHERE i.indrelid = target AND am.amname = 'gin' AND c.relname LIKE '%\_gin'
            AND c.relname <> shadow AND pg_get_indexdef(i.indexrelid, 1, false) = wanted) THEN
      wanted := NULL;
    END IF;
    CONTINUE WHEN present IS NOT DISTINCT FROM wanted;
    IF present IS NOT NULL THEN
      EXECUTE format('DROP INDEX %I.%I', btree.schema_name, shadow);
    END IF;
    IF wanted IS NOT NULL THEN
      EXECUTE format('CREATE INDEX %I ON %I.%I USING gin ((%s) jsonb_path_ops) WITH (fastupdate = off)',
                     shadow, btree.schema_name, btree.table_name, wanted);
    END IF;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION ferretdb_shadow_gin_create() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  target oid;
BEGIN
  FOR target IN
    SELECT DISTINCT i.indrelid
      FROM pg_event_trigger_ddl_commands() AS command
      JOIN pg_index i ON i.indexrelid = command.objid
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
     WHERE command.object_type = 'index' AND am.amname = 'btree'
       AND i.indexprs IS NOT NULL AND c.relname LIKE '%\_idx'
  LOOP
    PERFORM ferretdb_shadow_gin_ensure(target);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION ferretdb_shadow_gin_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  dropped record;
  target oid;
BEGIN
  FOR dropped IN
    SELECT schema_name, regexp_replace(object_name, '_idx$', '_gin') AS shadow
      FROM pg_event_trigger_dropped_objects()
     WHERE object_type = 'index' AND original AND object_name LIKE '%\_idx'
  LOOP
    SELECT i.indrelid INTO target
      FROM pg_index i WHERE i.indexrelid = to_regclass(format('%I.%I', dropped.schema_name, dropped.shadow));
    CONTINUE WHEN target IS NULL;
    EXECUTE format('DROP INDEX %I.%I', dropped.schema_name, dropped.shadow);
    -- Another index led by the same field now needs the shadow.
    PERFORM ferretdb_shadow_gin_ensure(target);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS ferretdb_shadow_gin_create;

CREATE EVENT TRIGGER ferretdb_shadow_gin_create ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION ferretdb_shadow_gin_create();

DROP EVENT TRIGGER IF EXISTS ferretdb_shadow_gin_drop;

CREATE EVENT TRIGGER ferretdb_shadow_gin_drop ON sql_drop WHEN TAG IN ('DROP INDEX')
  EXECUTE FUNCTION ferretdb_shadow_gin_drop();

-- Tables of a cluster made by an earlier version of this file get the shadows it now wants
-- (event triggers do not fire in single-user mode, so this runs the function itself).
DO $$
DECLARE
  target oid;
BEGIN
  FOR target IN
    SELECT DISTINCT i.indrelid
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE am.amname = 'btree' AND i.indexprs IS NOT NULL AND c.relname LIKE '%\_idx'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  LOOP
    PERFORM ferretdb_shadow_gin_ensure(target);
  END LOOP;
END
$$;

-- FerretDB's driver prepares its statements, and PostgreSQL's generic plan for
-- `_jsonb -> $1 @> $2` cannot match an index expression: plan each execution with its values.
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
END $$;
