-- First response time percentiles per month (SPEC §3), in ONE pass over the months that
-- have no segments read (the segments query, conversations_segments.sql, gives the
-- percentiles of its months with theirs).
--
-- $1 timestamptz[]  month bounds of those months, oldest first (see conversations_facts.sql).
--
-- Result: one row with one float8[] column per month (`p1`, `p2`, ...), each
-- {p50, p90} in seconds, NULL when the month has no measured FRT. The caller expands
-- the PERCENTILES marker comment into one aggregate per month,
--   percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY f.frt)
--       FILTER (WHERE f.bucket = <i>) AS p<i>
-- (the month numbers are integers written by the caller, never input). An ordered-set
-- aggregate cannot be hash-grouped: GROUP BY month would sort all rows by month before each
-- month sorts its own FRTs again. One filtered aggregate per month sorts each month once.
--
-- FRT in float8 seconds, exactly the value `extract(epoch FROM d)::float8` (the numeric,
-- rounded once to the nearest float8): below 24 h, date_part('epoch', d) is
-- interval.time / 1e6, one correctly rounded division of the exact microseconds; 24 h and
-- longer take the numeric route. Only differences >= 0 are measured.
SELECT /*PERCENTILES*/
FROM (
    SELECT
        width_bucket(c.started_at, $1::timestamptz[]) AS bucket,
        CASE
            WHEN c.first_ai_reply_at < c.first_user_message_at + interval '24 hours'
            THEN date_part('epoch', c.first_ai_reply_at - c.first_user_message_at)
            ELSE extract(epoch FROM c.first_ai_reply_at - c.first_user_message_at)::float8
        END AS frt
    FROM /*CONVERSATIONS*/ c
    WHERE c.started_at >= ($1::timestamptz[])[1]
      AND c.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
      AND c.first_ai_reply_at >= c.first_user_message_at
    OFFSET 0
) f
