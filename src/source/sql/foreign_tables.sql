-- Whether a contract relation of the configured schema is a foreign table or has a foreign
-- partition (postgres_fdw and the like), at any depth of partitioning.
--
-- $1 text[]  the relation names of the contract.
-- $2 text    the schema (SessionSchema::name).
--
-- A foreign scan runs in a transaction of its own on the other server, which the
-- snapshot shared by aikpi's sessions (pg_export_snapshot) does not reach: each local
-- session would read the remote rows as of a different moment. Such a schema is read on
-- one session, where every remote query shares one remote REPEATABLE READ transaction.
-- Views over foreign tables are not looked into (docs/SCALING.md: read_connections = 1).
-- pg_inherits rather than pg_partition_tree(), which PostgreSQL 11 lacks.
WITH RECURSIVE tree AS (
    SELECT c.oid, c.relkind
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $2
      AND c.relname = ANY($1::text[])
      AND c.relkind IN ('r', 'p', 'f')
    UNION ALL
    SELECT k.oid, k.relkind
    FROM tree t
    JOIN pg_catalog.pg_inherits i ON i.inhparent = t.oid
    JOIN pg_catalog.pg_class k ON k.oid = i.inhrelid
    WHERE t.relkind = 'p'
)
SELECT EXISTS (SELECT 1 FROM tree WHERE relkind = 'f')
