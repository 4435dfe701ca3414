-- aikpi check: the ledger's keys (a small table: read whole).
--
-- One row per (month, category) with how many rows carry it and how many of them have
-- no amount; src/source/postgres/check.rs finds duplicate keys, months that are not a
-- first day, the months booked and NULLs.
SELECT
    l.month AS month,
    l.category::pg_catalog.text AS category,
    pg_catalog.count(*) AS rows,
    pg_catalog.count(*) FILTER (WHERE l.amount IS NULL) AS null_amount
FROM cost_ledger AS l
GROUP BY 1, 2
