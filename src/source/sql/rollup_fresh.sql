-- The stored months that are still exactly what a full read would return now.
--
-- $1 text    the fingerprint (aikpi version, aggregates format, time zone, threshold)
-- $2 date[]  the months wanted
-- $3 text    the guard now (sql/rollup_guard.sql)
--
-- A stored month is fresh when its guard is the current one, the horizon was not lowered
-- below what it was stored with, and no logged change overlaps what the month depends on
-- unless the snapshot the month was read on already saw it (the writer had committed).
-- A change's log row commits with the change, so a change this query cannot see is also
-- invisible to the rest of the report's snapshot.
SELECT r.month, r.aggregates, r.stored_at
FROM /*SCHEMA*/aikpi_rollup r
WHERE r.fingerprint = $1
  AND r.month = ANY ($2::date[])
  AND r.guard = $3
  AND (SELECT last_value FROM /*SCHEMA*/aikpi_rollup_horizon) >= r.horizon
  AND NOT EXISTS (
      SELECT 1
      FROM /*SCHEMA*/aikpi_changes c
      WHERE NOT pg_visible_in_snapshot(c.xid, r.snapshot)
        AND CASE c.relation
            WHEN 'conversations' THEN c.lo <= r.conversations_to AND c.hi >= r.conversations_from
            WHEN 'llm_usage' THEN c.lo < r.llm_usage_to AND c.hi >= r.llm_usage_from
            ELSE true
        END)
ORDER BY r.month
