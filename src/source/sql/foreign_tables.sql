-- Whether a contract relation of the current schema is a foreign table or has a foreign
-- partition (postgres_fdw and the like).
--
-- $1 text[]  the relation names of the contract.
--
-- A foreign scan runs in a transaction of its own on the other server, which the
-- snapshot shared by aikpi's sessions (pg_export_snapshot) does not reach: each local
-- session would read the remote rows as of a different moment. Such a schema is read on
-- one session, where every remote query shares one remote REPEATABLE READ transaction.
-- Views over foreign tables are not looked into (docs/SCALING.md: read_connections = 1).
SELECT EXISTS (
    SELECT 1
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema()
      AND c.relname = ANY($1::text[])
      AND (c.relkind = 'f'
           OR EXISTS (SELECT 1
                      FROM pg_catalog.pg_partition_tree(c.oid) t
                      JOIN pg_catalog.pg_class p ON p.oid = t.relid
                      WHERE p.relkind = 'f')))
