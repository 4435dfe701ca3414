-- aikpi check: ids of kb_evals that appear on more than one row of the report window.
--
-- $1 timestamptz  the window's start.  $2 timestamptz  the end of the report month.
--
-- Only run when no unique index on (id) rules duplicates out (a view, or a table
-- without a primary key): a view that joins can repeat a row, and every count of the
-- report then counts it twice. The result is the rows beyond the first of each id.
SELECT COALESCE(pg_catalog.sum(d.n OPERATOR(pg_catalog.-) 1), 0)::pg_catalog.int8
FROM (
    SELECT pg_catalog.count(*) AS n
    FROM kb_evals AS x
    WHERE x.evaluated_at OPERATOR(pg_catalog.>=) $1::pg_catalog.timestamptz
      AND x.evaluated_at OPERATOR(pg_catalog.<) $2::pg_catalog.timestamptz
      AND x.id IS NOT NULL
    GROUP BY x.id
    HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1
) AS d
