-- aikpi check: one pass over the kb_evals rows of the report window (and after it).
--
-- $1 timestamptz[]  the bounds of the window's months (see conversations.sql).
--
-- `checks` in the order of KB_EVALS_CHECKS in src/source/postgres/check.rs.
SELECT
    pg_catalog.width_bucket(e.evaluated_at, $1::pg_catalog.timestamptz[]) AS bucket,
    pg_catalog.count(*) AS rows,
    pg_catalog.max(e.evaluated_at) AS latest,
    ARRAY[
        pg_catalog.count(*) FILTER (WHERE e.id IS NULL),
        pg_catalog.count(*) FILTER (WHERE e.evaluated_at IS NULL),
        pg_catalog.count(*) FILTER (WHERE e.expected_doc_id IS NULL)
    ] AS checks
FROM kb_evals AS e
WHERE e.evaluated_at OPERATOR(pg_catalog.>=) ($1::pg_catalog.timestamptz[])[1]
   OR e.evaluated_at IS NULL
GROUP BY 1
