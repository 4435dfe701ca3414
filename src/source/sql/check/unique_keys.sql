-- aikpi check: the unique keys of the contract relations that are tables.
--
-- $1 text[]  the contract relation names.
--
-- One row per valid, non-partial unique index on plain columns of a table or
-- partitioned table of the session's schema, with its key columns in order. A unique
-- (id) (or (month, category) for the ledger) rules duplicates out, so the duplicate
-- pass is skipped; a view is always checked.
SELECT
    c.relname::pg_catalog.text AS relation,
    ARRAY(SELECT a.attname::pg_catalog.text
          FROM pg_catalog.generate_series(0, i.indnkeyatts OPERATOR(pg_catalog.-) 1) AS s(n)
          JOIN pg_catalog.pg_attribute a
            ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
           AND a.attnum OPERATOR(pg_catalog.=) i.indkey[s.n]
          ORDER BY s.n) AS key_columns
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) c.oid
WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.current_schema()::pg_catalog.regnamespace
  AND c.relname::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
  AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::pg_catalog."char"[])
  AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
