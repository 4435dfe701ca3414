-- How many of the transactions $1 (text xid8s, sql/rollup_in_flight.sql) still run.
SELECT count(*) FROM unnest($1::text[]) AS x WHERE pg_xact_status(x::xid8) = 'in progress'
