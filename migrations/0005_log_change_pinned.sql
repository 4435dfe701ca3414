-- Pins every name aikpi_log_change() resolves (issue 26): migration 0004 created it with
-- `SET search_path FROM CURRENT`, i.e. the contract's schema. The function is SECURITY
-- DEFINER, so anything it resolved through that schema ran with its owner's rights: a
-- role allowed to CREATE there (PostgreSQL 14's default on `public`) could plant an
-- `OPERATOR *(bigint, interval)` — there is no built-in one, so a planted exact match
-- wins — and have it run as the owner the next time anyone inserted a conversation.
--
-- Now the function searches pg_catalog alone (pg_temp last, and never for functions or
-- operators), names the log and the horizon with the table's own schema, and calls
-- every function and operator by its pg_catalog name. CREATE OR REPLACE keeps the
-- function's oid, so the triggers of 0004 stay attached; its new xmin changes the
-- rollup's guard (sql/rollup_guard.sql), so months stored before this migration are read
-- again until the next `aikpi rollup`. 0004 itself stays as it was: sqlx checks the
-- checksum of every applied migration.
CREATE OR REPLACE FUNCTION aikpi_log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    horizon bigint;
    lo timestamptz;
    hi timestamptz;
    undated bigint := 0;
BEGIN
    EXECUTE pg_catalog.format('SELECT last_value FROM %I.aikpi_rollup_horizon', TG_TABLE_SCHEMA)
        INTO horizon;
    IF horizon OPERATOR(pg_catalog.=) 0 THEN
        RETURN NULL;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'TRUNCATE' THEN
        lo := '-infinity';
        hi := 'infinity';
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        EXECUTE pg_catalog.format('SELECT pg_catalog.min(%1$I), pg_catalog.max(%1$I), pg_catalog.count(*) FILTER (WHERE %1$I IS NULL) FROM new_rows', TG_ARGV[0])
            INTO lo, hi, undated;
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        EXECUTE pg_catalog.format('SELECT pg_catalog.min(%1$I), pg_catalog.max(%1$I), pg_catalog.count(*) FILTER (WHERE %1$I IS NULL) FROM old_rows', TG_ARGV[0])
            INTO lo, hi, undated;
    ELSE
        EXECUTE pg_catalog.format('SELECT pg_catalog.min(t), pg_catalog.max(t), pg_catalog.count(*) FILTER (WHERE t IS NULL) FROM (SELECT %1$I AS t FROM old_rows UNION ALL SELECT %1$I FROM new_rows) r', TG_ARGV[0])
            INTO lo, hi, undated;
    END IF;
    IF undated OPERATOR(pg_catalog.>) 0 THEN
        lo := '-infinity';
        hi := 'infinity';
    END IF;
    -- horizon × 1 µs as 0004 computed it (bigint → float8, exact below 2^53), with the
    -- operators named: a bigint × interval operator does not exist, which made 0004's
    -- expression an exact-match target for a planted one.
    IF lo IS NULL
       OR lo OPERATOR(pg_catalog.>) ('epoch'::pg_catalog.timestamptz OPERATOR(pg_catalog.+)
              (interval '1 microsecond' OPERATOR(pg_catalog.*) horizon::pg_catalog.float8))
    THEN
        RETURN NULL;  -- no rows, or all of them after every stored month's reach
    END IF;
    EXECUTE pg_catalog.format('INSERT INTO %I.aikpi_changes (relation, lo, hi) VALUES ($1, $2, $3)', TG_TABLE_SCHEMA)
        USING TG_TABLE_NAME, lo, hi;
    RETURN NULL;
END
$$;
