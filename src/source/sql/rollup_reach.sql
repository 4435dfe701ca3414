-- How far each month's 24 h returns reach: the latest close (or start, while open or
-- closed before it started) of its conversations. A month depends on every conversation
-- started from its start to that instant + 24 h (sql/rollup_fresh.sql).
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations_facts.sql).
SELECT
    width_bucket(c.started_at, $1::timestamptz[])::int4 AS bucket,
    max(GREATEST(c.closed_at, c.started_at)) AS latest
FROM /*CONVERSATIONS*/ c
WHERE c.started_at >= ($1::timestamptz[])[1]
  AND c.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
GROUP BY 1
