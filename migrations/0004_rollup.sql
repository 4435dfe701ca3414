-- The rollup of closed months (`aikpi rollup`, docs/PERFORMANCE.md "The rollup") and the
-- change log that keeps it exact.
--
-- A stored month is used only while no change it depends on has happened since it was
-- read. Every statement that writes `conversations` or `llm_usage` logs the time range it
-- touched and its transaction id (`aikpi_changes`); the report compares those ids with the
-- snapshot the month was read on (`pg_visible_in_snapshot`). A change the rollup did not
-- see always shows up there, because it commits in the same transaction as its log row.
--
-- The horizon keeps the log small: a statement whose rows all lie after every stored
-- month's reach cannot change a stored month, so it logs nothing. It is a sequence on
-- purpose: a sequence's value is not transactional, so a writer reads the latest value
-- whatever its snapshot (a table would show a REPEATABLE READ writer an old one).
-- Microseconds since 1970-01-01 UTC; 0 = nothing stored, nothing logged.
CREATE SEQUENCE aikpi_rollup_horizon MINVALUE 0 START WITH 0;

CREATE TABLE aikpi_changes (
    relation text        NOT NULL,  -- conversations or llm_usage
    lo       timestamptz NOT NULL,  -- earliest started_at / occurred_at of the rows written
    hi       timestamptz NOT NULL,  -- latest (old and new rows of an update)
    xid      xid8        NOT NULL DEFAULT pg_current_xact_id()
);

CREATE TABLE aikpi_rollup (
    fingerprint        text        NOT NULL,  -- aikpi version, time zone, thresholds
    month              date        NOT NULL,
    -- What the month depends on: conversations started in [from, to] (its own plus every
    -- later one inside its 24 h return windows), LLM calls in [from, to).
    conversations_from timestamptz NOT NULL,
    conversations_to   timestamptz NOT NULL,
    llm_usage_from     timestamptz NOT NULL,
    llm_usage_to       timestamptz NOT NULL,
    snapshot           pg_snapshot NOT NULL,  -- the snapshot the month was read on
    horizon            bigint      NOT NULL,  -- aikpi_rollup_horizon when it was read
    guard              text        NOT NULL,  -- tables and triggers (sql/rollup_guard.sql)
    aggregates         text        NOT NULL,  -- the month's aggregates, JSON
    stored_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fingerprint, month)
);

-- Logs what one statement wrote. TG_ARGV[0] is the time column of the table. SECURITY
-- DEFINER: the application roles that write the tables need no rights on the log. The log
-- and the horizon are named with the table's own schema, never through the search_path:
-- a writer's temporary table of the same name must not swallow the log row.
CREATE FUNCTION aikpi_log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    horizon bigint;
    lo timestamptz;
    hi timestamptz;
    undated bigint := 0;
BEGIN
    EXECUTE format('SELECT last_value FROM %I.aikpi_rollup_horizon', TG_TABLE_SCHEMA) INTO horizon;
    IF horizon = 0 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        lo := '-infinity';
        hi := 'infinity';
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT min(%1$I), max(%1$I), count(*) FILTER (WHERE %1$I IS NULL) FROM new_rows', TG_ARGV[0])
            INTO lo, hi, undated;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT min(%1$I), max(%1$I), count(*) FILTER (WHERE %1$I IS NULL) FROM old_rows', TG_ARGV[0])
            INTO lo, hi, undated;
    ELSE
        EXECUTE format('SELECT min(t), max(t), count(*) FILTER (WHERE t IS NULL) FROM (SELECT %1$I AS t FROM old_rows UNION ALL SELECT %1$I FROM new_rows) r', TG_ARGV[0])
            INTO lo, hi, undated;
    END IF;
    IF undated > 0 THEN
        lo := '-infinity';
        hi := 'infinity';
    END IF;
    IF lo IS NULL OR lo > timestamptz 'epoch' + horizon * interval '1 microsecond' THEN
        RETURN NULL;  -- no rows, or all of them after every stored month's reach
    END IF;
    EXECUTE format('INSERT INTO %I.aikpi_changes (relation, lo, hi) VALUES ($1, $2, $3)', TG_TABLE_SCHEMA)
        USING TG_TABLE_NAME, lo, hi;
    RETURN NULL;
END
$$;

-- ENABLE ALWAYS: they fire under session_replication_role = replica too (logical
-- replication, some bulk loaders), where ordinary triggers stay silent.
CREATE TRIGGER aikpi_changes_insert AFTER INSERT ON conversations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('started_at');
CREATE TRIGGER aikpi_changes_update AFTER UPDATE ON conversations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('started_at');
CREATE TRIGGER aikpi_changes_delete AFTER DELETE ON conversations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('started_at');
CREATE TRIGGER aikpi_changes_truncate AFTER TRUNCATE ON conversations
    FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('started_at');
ALTER TABLE conversations ENABLE ALWAYS TRIGGER aikpi_changes_insert;
ALTER TABLE conversations ENABLE ALWAYS TRIGGER aikpi_changes_update;
ALTER TABLE conversations ENABLE ALWAYS TRIGGER aikpi_changes_delete;
ALTER TABLE conversations ENABLE ALWAYS TRIGGER aikpi_changes_truncate;

CREATE TRIGGER aikpi_changes_insert AFTER INSERT ON llm_usage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('occurred_at');
CREATE TRIGGER aikpi_changes_update AFTER UPDATE ON llm_usage
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('occurred_at');
CREATE TRIGGER aikpi_changes_delete AFTER DELETE ON llm_usage
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('occurred_at');
CREATE TRIGGER aikpi_changes_truncate AFTER TRUNCATE ON llm_usage
    FOR EACH STATEMENT EXECUTE FUNCTION aikpi_log_change('occurred_at');
ALTER TABLE llm_usage ENABLE ALWAYS TRIGGER aikpi_changes_insert;
ALTER TABLE llm_usage ENABLE ALWAYS TRIGGER aikpi_changes_update;
ALTER TABLE llm_usage ENABLE ALWAYS TRIGGER aikpi_changes_delete;
ALTER TABLE llm_usage ENABLE ALWAYS TRIGGER aikpi_changes_truncate;
