-- The identity of everything the rollup's freshness rule relies on (migrations/0004), or
-- NULL when any of it is missing, disabled or unreadable: then no stored month is used.
--
-- Both contract tables must be plain tables with the four change triggers each, enabled
-- ALWAYS, and the log, the rollup and the horizon must be readable. The text names the
-- tables (oid and relfilenode: a rewrite such as ALTER COLUMN TYPE changes data without
-- a trigger), each trigger (its pg_trigger row's xmin changes when it is disabled and
-- enabled again, so a gap in which writes went unlogged is seen) and the trigger
-- function (CREATE OR REPLACE changes its xmin). A stored month counts only while the
-- text is the one it was stored with.
--
-- $1 text  the schema: every object is named with it (format %I), never through the
--          search_path.
SELECT CASE
    WHEN to_regclass(format('%I.aikpi_rollup', $1::text)) IS NULL
      OR to_regclass(format('%I.aikpi_changes', $1::text)) IS NULL
      OR to_regclass(format('%I.aikpi_rollup_horizon', $1::text)) IS NULL
      OR to_regclass(format('%I.conversations', $1::text)) IS NULL
      OR to_regclass(format('%I.llm_usage', $1::text)) IS NULL
    THEN NULL
    WHEN NOT (has_table_privilege(format('%I.aikpi_rollup', $1::text), 'SELECT')
          AND has_table_privilege(format('%I.aikpi_changes', $1::text), 'SELECT')
          AND has_sequence_privilege(format('%I.aikpi_rollup_horizon', $1::text), 'SELECT'))
    THEN NULL
    ELSE (
        SELECT CASE
            WHEN count(*) = 8 AND bool_and(c.relkind = 'r' AND t.tgenabled = 'A')
            THEN string_agg(
                     format('%s %s/%s %s %s/%s %s/%s', c.relname, c.oid, c.relfilenode,
                            t.tgname, t.oid, t.xmin, p.oid, p.xmin),
                     '; ' ORDER BY c.relname, t.tgname)
                 || format('; horizon %s', to_regclass(format('%I.aikpi_rollup_horizon', $1::text))::oid)
        END
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_trigger t ON t.tgrelid = c.oid
        JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
        WHERE c.oid IN (to_regclass(format('%I.conversations', $1::text)), to_regclass(format('%I.llm_usage', $1::text)))
          AND t.tgname IN ('aikpi_changes_insert', 'aikpi_changes_update',
                           'aikpi_changes_delete', 'aikpi_changes_truncate')
          AND p.proname = 'aikpi_log_change')
END AS guard
