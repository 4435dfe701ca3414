-- aikpi check: what each contract relation of the session's schema is.
--
-- $1 text[]  the contract relation names.
SELECT c.relname::pg_catalog.text AS relation, c.relkind::pg_catalog.text AS kind
FROM pg_catalog.pg_class c
WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.current_schema()::pg_catalog.regnamespace
  AND c.relname::pg_catalog.text OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
  AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'v', 'm', 'p', 'f']::pg_catalog."char"[])
