-- Stores one month of the rollup (replacing what was stored for it).
--
-- $1 fingerprint, $2 month, $3..$6 what it depends on (sql/rollup_fresh.sql),
-- $7 the snapshot it was read on (text), $8 the horizon, $9 the guard, $10 JSON.
INSERT INTO /*SCHEMA*/aikpi_rollup AS r (fingerprint, month, conversations_from, conversations_to,
                               llm_usage_from, llm_usage_to, snapshot, horizon, guard,
                               aggregates, stored_at)
VALUES ($1, $2, $3, $4, $5, $6, $7::pg_snapshot, $8, $9, $10, now())
ON CONFLICT (fingerprint, month) DO UPDATE SET
    conversations_from = EXCLUDED.conversations_from,
    conversations_to = EXCLUDED.conversations_to,
    llm_usage_from = EXCLUDED.llm_usage_from,
    llm_usage_to = EXCLUDED.llm_usage_to,
    snapshot = EXCLUDED.snapshot,
    horizon = EXCLUDED.horizon,
    guard = EXCLUDED.guard,
    aggregates = EXCLUDED.aggregates,
    stored_at = EXCLUDED.stored_at
