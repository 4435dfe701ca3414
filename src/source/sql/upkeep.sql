-- Large contract tables whose planner statistics or visibility map are missing
-- (docs/PERFORMANCE.md, "Indexes"): the plan then misjudges the window (a never-analysed
-- table looks like a few thousand rows) or cannot answer from the covering index alone.
--
-- $1 text[]  the contract relation names.
-- $2 int8    the smallest table size in bytes worth a notice.
-- $3 text    the schema (SessionSchema::name).
--
-- One row per such table (a plain, partitioned or materialised relation of the configured
-- schema; views are not judged): `never_analysed` when pg_stats has no row for it,
-- `visible_percent` = the share of its pages marked all-visible at the last VACUUM or
-- ANALYZE (relallvisible / relpages), NULL when unknown.
SELECT
    c.relname::text AS relation,
    NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stats s
                WHERE s.schemaname = $3 AND s.tablename = c.relname) AS never_analysed,
    CASE WHEN c.relpages > 0
         THEN (100 * c.relallvisible::int8 / c.relpages)::int4 END AS visible_percent
FROM pg_catalog.pg_class c
WHERE c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = $3)
  AND c.relname = ANY ($1::text[])
  AND c.relkind IN ('r', 'm')
  AND pg_catalog.pg_relation_size(c.oid) >= $2
ORDER BY c.relname
