-- One month of segments (SPEC §6.2) and its first response percentiles (SPEC §3), in one
-- pass over that month of `conversations`, grouped three ways at once. The caller reads
-- each segment month with its own query (the report month and the month before; every
-- month for a rollup), so what the query holds in memory is one month's.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations_facts.sql).
-- $2 int4           the month bucket to read (1 = the first month of $1).
-- $3 boolean        negative_sentiment is `real` (float4): enables the integer fast path.
--
-- Result: one row for the month (`by_month`) with its FRT p50 and p90; one row per issue
-- key with everything an issue segment needs except its returns (conversations_returns.sql
-- counts those); one row per channel (`by_channel`) with the channel's FRT p90 (the caller
-- takes a channel's counts from the facts query's (channel, key) grouping). GROUPING()
-- tells the rows apart: a NULL issue_key is a real group (unclassified), not a marker.
--
-- Plan: the three groupings are hash tables filled in the one pass (no sort of the rows).
-- Each group collects its FRTs in an array; the outer query sorts each group's array alone
-- (`percentile_cont` over `unnest`), so a row's FRT is sorted among its segment's, never
-- among the month's rows with a text key in front: measured 3.8 s for one month of 1 M
-- conversations with two sorted groupings, 1.4 s this way. The arrays hold 8 bytes per
-- conversation and grouping (about 24 MB per million conversations). The planner budgets
-- 8 kB for every array state and would sort instead, so the caller raises this job's
-- hash_mem_multiplier (segments_hash_memory.sql).
--
-- Exact sums, as in conversations_facts.sql: handle time under 24 h in int8 microseconds
-- (date_part('epoch') of an interval below 24 h is its microseconds / 1e6 in float8, so
-- ×1e6 and round() is exact), 24 h and longer in exact numeric seconds; the group's total
-- is put together once per group. Sentiment of a `real` column in integer units of 1e-12
-- (sentiment_units.sql), other values as `::numeric`; again one total per group. FRT
-- exactly as in conversations_frt.sql, and the same `percentile_cont`.
SELECT
    g.bucket,
    g.by_month,
    g.by_channel,
    g.channel,
    g.issue_key,
    g.conversations,
    g.ai_participated,
    g.handoffs,
    g.deflection_candidates,
    g.handle_time_measured,
    coalesce(g.handle_time_short_micros, 0)::numeric
        + coalesce(g.handle_time_long_seconds, 0) * 1000000 AS handle_time_micros,
    g.csat_ai_rated,
    g.csat_ai_sum,
    g.csat_human_rated,
    g.csat_human_sum,
    g.sentiment_scored,
    coalesce(g.sentiment_units, 0)::numeric * 0.000000000001
        + coalesce(g.sentiment_numeric, 0) AS sentiment_sum,
    p.frt[1] AS frt_p50_seconds,
    p.frt[2] AS frt_p90_seconds
FROM (
    SELECT
        s.bucket::int4 AS bucket,
        GROUPING(s.channel, s.issue_key) = 3 AS by_month,
        GROUPING(s.channel) = 0 AS by_channel,
        s.channel,
        s.issue_key,
        count(*) AS conversations,
        count(*) FILTER (WHERE s.ai_participated) AS ai_participated,
        count(*) FILTER (WHERE s.handed_off) AS handoffs,
        count(*) FILTER (WHERE s.ai_participated AND NOT s.handed_off AND s.closed)
            AS deflection_candidates,
        count(*) FILTER (WHERE s.handle_time_measured) AS handle_time_measured,
        sum(s.aht_micros) AS handle_time_short_micros,
        sum(s.aht_seconds) AS handle_time_long_seconds,
        count(s.ai_csat) AS csat_ai_rated,
        coalesce(sum(s.ai_csat), 0)::int8 AS csat_ai_sum,
        count(s.human_csat) AS csat_human_rated,
        coalesce(sum(s.human_csat), 0)::int8 AS csat_human_sum,
        count(s.sentiment_units) + count(s.sentiment_numeric) AS sentiment_scored,
        sum(s.sentiment_units) AS sentiment_units,
        sum(s.sentiment_numeric) AS sentiment_numeric,
        array_agg(s.frt) FILTER (WHERE s.frt IS NOT NULL) AS frts
    FROM (
        SELECT
            width_bucket(c.started_at, $1::timestamptz[]) AS bucket,
            c.channel::text AS channel,
            c.issue_key::text AS issue_key,
            c.ai_participated,
            c.handoff_at IS NOT NULL AS handed_off,
            c.closed_at IS NOT NULL AS closed,
            c.closed_at >= c.started_at AS handle_time_measured,
            /*EXACT_SUMS*/,
            CASE WHEN c.ai_csat BETWEEN 1 AND 5 THEN c.ai_csat END AS ai_csat,
            CASE WHEN c.human_csat BETWEEN 1 AND 5 THEN c.human_csat END AS human_csat,
            CASE
                WHEN c.first_ai_reply_at < c.first_user_message_at THEN NULL
                WHEN c.first_ai_reply_at < c.first_user_message_at + interval '24 hours'
                THEN date_part('epoch', c.first_ai_reply_at - c.first_user_message_at)
                ELSE extract(epoch FROM c.first_ai_reply_at - c.first_user_message_at)::float8
            END AS frt
        FROM conversations c
        WHERE c.started_at >= ($1::timestamptz[])[$2::int4]
          AND c.started_at < ($1::timestamptz[])[$2::int4 + 1]
        -- Keeps the bucket a column without statistics: the planner expects few groups
        -- and hashes (see conversations_facts.sql).
        OFFSET 0
    ) s
    GROUP BY GROUPING SETS ((s.bucket), (s.bucket, s.issue_key), (s.bucket, s.channel))
) g
CROSS JOIN LATERAL (
    SELECT percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY f.frt) AS frt
    FROM unnest(g.frts) AS f (frt)
) p
