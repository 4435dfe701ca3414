-- The columns of the contract relations as they exist in the configured schema.
--
-- $1 text[]  the relation names of the contract.
-- $2 text    the schema (SessionSchema::name).
--
-- One row per (relation, column); a relation without columns yields one row with a NULL
-- column. Tables, views, materialised views, partitioned and foreign tables all count:
-- teams map their own schema with views. Domains are judged by their base type.
SELECT
    c.relname::text AS relation,
    has_table_privilege(c.oid, 'SELECT') AS readable,
    a.attname::text AS column_name,
    format_type(a.atttypid, a.atttypmod) AS type_name,
    coalesce(bt.typname, t.typname)::text AS base_type,
    coalesce(bt.typcategory, t.typcategory)::text AS type_category
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a
       ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
WHERE n.nspname = $2
  AND c.relname = ANY($1::text[])
  AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
ORDER BY c.relname, a.attnum
