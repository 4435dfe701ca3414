-- Forgets what can no longer matter: stored months whose guard is not the current one
-- ($1; they can never be fresh again), then every logged change that the snapshot of
-- every stored month already saw (a later rollup reads on a later snapshot, which sees
-- it too). Runs in the rollup's write transaction, after its months are stored.
WITH dropped AS (
    DELETE FROM /*SCHEMA*/aikpi_rollup WHERE guard <> $1
)
DELETE FROM /*SCHEMA*/aikpi_changes c
WHERE NOT EXISTS (
    SELECT 1 FROM /*SCHEMA*/aikpi_rollup r
    WHERE r.guard = $1 AND NOT pg_visible_in_snapshot(c.xid, r.snapshot))
