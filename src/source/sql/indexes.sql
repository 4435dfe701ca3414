-- The indexes of the relations aikpi's plan reads (docs/PERFORMANCE.md, "Indexes").
--
-- $1 text[]  the contract relation names.
-- $2 text    the schema (SessionSchema::name).
--
-- One row per (relation, index) in that schema; an index-less relation gives one
-- row with NULL index columns. For a view that reads exactly one table (directly), the
-- table behind it is checked instead (`table_name`), with the view's column names; any
-- other view gives NULL `table_name` (its indexes cannot be judged from here).
-- Only valid, non-partial indexes on plain columns count.
WITH relations AS (
    SELECT c.oid, c.relname::text AS relation, c.relkind
    FROM pg_catalog.pg_class c
    WHERE c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = $2)
      AND c.relname = ANY ($1::text[])
),
checked AS (
    SELECT r.relation,
           r.relkind::text AS kind,
           CASE
               WHEN r.relkind IN ('r', 'p', 'm') THEN r.oid
               WHEN r.relkind = 'v' THEN (
                   SELECT CASE WHEN count(DISTINCT d.refobjid) = 1 THEN min(d.refobjid) END
                   FROM pg_catalog.pg_rewrite w
                   JOIN pg_catalog.pg_depend d
                     ON d.classid = 'pg_catalog.pg_rewrite'::regclass
                    AND d.objid = w.oid
                    AND d.refclassid = 'pg_catalog.pg_class'::regclass
                    AND d.refobjid <> r.oid
                   JOIN pg_catalog.pg_class t
                     ON t.oid = d.refobjid AND t.relkind IN ('r', 'p', 'm', 'v', 'f')
                   WHERE w.ev_class = r.oid)
           END AS table_oid
    FROM relations r
)
SELECT
    k.relation,
    k.kind,
    -- Named as the schema's own users write it: bare in the schema, qualified elsewhere
    -- (the session's search_path is pinned to pg_catalog, so regclass would qualify all).
    CASE WHEN t.relkind IN ('r', 'p', 'm') THEN
        CASE WHEN tn.nspname = $2 THEN quote_ident(t.relname)
             ELSE quote_ident(tn.nspname) || '.' || quote_ident(t.relname)
        END
    END AS table_name,
    i.indexrelid::regclass::text AS index_name,
    ARRAY(SELECT coalesce(a.attname::text, '(expression)')
          FROM generate_series(0, i.indnkeyatts - 1) AS s(n)
          LEFT JOIN pg_catalog.pg_attribute a
            ON a.attrelid = i.indrelid AND a.attnum = i.indkey[s.n]
          ORDER BY s.n) AS key_columns,
    ARRAY(SELECT a.attname::text
          FROM generate_series(i.indnkeyatts, i.indnatts - 1) AS s(n)
          JOIN pg_catalog.pg_attribute a
            ON a.attrelid = i.indrelid AND a.attnum = i.indkey[s.n]
          ORDER BY s.n) AS included_columns,
    ARRAY(SELECT a.attname::text
          FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = k.table_oid AND a.attnum > 0 AND NOT a.attisdropped) AS table_columns
FROM checked k
LEFT JOIN pg_catalog.pg_class t ON t.oid = k.table_oid
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_catalog.pg_index i
       ON i.indrelid = k.table_oid AND i.indisvalid AND i.indpred IS NULL
          AND t.relkind IN ('r', 'p', 'm')
ORDER BY k.relation, index_name
