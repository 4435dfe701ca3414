-- aikpi check: one pass over the reply_edits rows of the report window (and after it).
--
-- $1 timestamptz[]  the bounds of the window's months (see conversations.sql).
--
-- `checks` in the order of REPLY_EDITS_CHECKS in src/source/postgres/check.rs.
SELECT
    pg_catalog.width_bucket(r.edited_at, $1::pg_catalog.timestamptz[]) AS bucket,
    pg_catalog.count(*) AS rows,
    pg_catalog.max(r.edited_at) AS latest,
    ARRAY[
        pg_catalog.count(*) FILTER (WHERE r.id IS NULL),
        pg_catalog.count(*) FILTER (WHERE r.edited_at IS NULL)
    ] AS checks
FROM reply_edits AS r
WHERE r.edited_at OPERATOR(pg_catalog.>=) ($1::pg_catalog.timestamptz[])[1]
   OR r.edited_at IS NULL
GROUP BY 1
