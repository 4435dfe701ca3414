-- One month of segments (SPEC §6.2) and its first response percentiles (SPEC §3), in one
-- pass over that month of `conversations`. The caller reads each segment month with its
-- own query (the report month and the month before; every month for a rollup), so what
-- the query holds in memory is one month's.
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
-- Plan: the pass fills ONE hash table, by (channel, issue key): a few hundred groups, each
-- with the exact counts and sums and an array of its first response times. The issue,
-- channel and month rows are then added up from those few hundred rows, and each row's
-- percentiles sort only its own FRTs, gathered from the arrays of its (channel, issue)
-- groups: every FRT is sorted three times (for its issue, its channel and the month), never
-- among the month's rows with a text key in front. Measured on one month of 1 M
-- conversations: 3.8 s with two sorted groupings; 2.2 s with three hashed grouping sets
-- (every aggregate computed three times a row); 0.77-0.86 x that this way (seed and
-- independent data). Each row's LATERAL scans the few hundred groups and unnests only the
-- matching ones; sorting the groups by key to feed sorted grouping sets instead measured
-- 1.07 x slower. The arrays hold 8 bytes per conversation (about 8 MB per million). The
-- planner budgets 8 kB for every array state and would sort instead, so the caller raises
-- this job's hash_mem_multiplier (segments_hash_memory.sql).
--
-- Exact sums, as in conversations_facts.sql: handle time under 24 h in int8 microseconds
-- (date_part('epoch') of an interval below 24 h is its microseconds / 1e6 in float8, so
-- ×1e6 and round() is exact), 24 h and longer in exact numeric seconds; the group's total
-- is put together once per group. Sentiment of a `real` column in integer units of 1e-12
-- (sentiment_units.sql), other values as `::numeric`; again one total per group, and the
-- issue and channel totals are exact numeric sums of those. FRT exactly as in
-- conversations_frt.sql, and the same `percentile_cont`.
WITH g AS MATERIALIZED (
    SELECT
        s.bucket::int4 AS bucket,
        s.channel,
        s.issue_key,
        count(*) AS conversations,
        count(*) FILTER (WHERE s.ai_participated) AS ai_participated,
        count(*) FILTER (WHERE s.handed_off) AS handoffs,
        count(*) FILTER (WHERE s.ai_participated AND NOT s.handed_off AND s.closed)
            AS deflection_candidates,
        count(*) FILTER (WHERE s.handle_time_measured) AS handle_time_measured,
        coalesce(sum(s.aht_micros), 0)::numeric
            + coalesce(sum(s.aht_seconds), 0) * 1000000 AS handle_time_micros,
        count(s.ai_csat) AS csat_ai_rated,
        coalesce(sum(s.ai_csat), 0)::int8 AS csat_ai_sum,
        count(s.human_csat) AS csat_human_rated,
        coalesce(sum(s.human_csat), 0)::int8 AS csat_human_sum,
        count(s.sentiment_units) + count(s.sentiment_numeric) AS sentiment_scored,
        coalesce(sum(s.sentiment_units), 0)::numeric * 0.000000000001
            + coalesce(sum(s.sentiment_numeric), 0) AS sentiment_sum,
        array_agg(s.frt) FILTER (WHERE s.frt IS NOT NULL) AS frts
    FROM (
        SELECT
            -- Every row is of month $2 (the WHERE below): no width_bucket() a row.
            $2::int4 AS bucket,
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
        FROM /*CONVERSATIONS*/ c
        WHERE c.started_at >= ($1::timestamptz[])[$2::int4]
          AND c.started_at < ($1::timestamptz[])[$2::int4 + 1]
        -- Keeps the group keys columns without statistics: the planner expects few
        -- groups and hashes (see conversations_facts.sql).
        OFFSET 0
    ) s
    GROUP BY s.bucket, s.channel, s.issue_key
)
SELECT
    k.bucket,
    k.by_month,
    k.by_channel,
    k.channel,
    k.issue_key,
    k.conversations,
    k.ai_participated,
    k.handoffs,
    k.deflection_candidates,
    k.handle_time_measured,
    k.handle_time_micros,
    k.csat_ai_rated,
    k.csat_ai_sum,
    k.csat_human_rated,
    k.csat_human_sum,
    k.sentiment_scored,
    k.sentiment_sum,
    p.frt[1] AS frt_p50_seconds,
    p.frt[2] AS frt_p90_seconds
FROM (
    SELECT
        g.bucket,
        GROUPING(g.channel, g.issue_key) = 3 AS by_month,
        GROUPING(g.channel) = 0 AS by_channel,
        g.channel,
        g.issue_key,
        sum(g.conversations)::int8 AS conversations,
        sum(g.ai_participated)::int8 AS ai_participated,
        sum(g.handoffs)::int8 AS handoffs,
        sum(g.deflection_candidates)::int8 AS deflection_candidates,
        sum(g.handle_time_measured)::int8 AS handle_time_measured,
        sum(g.handle_time_micros) AS handle_time_micros,
        sum(g.csat_ai_rated)::int8 AS csat_ai_rated,
        sum(g.csat_ai_sum)::int8 AS csat_ai_sum,
        sum(g.csat_human_rated)::int8 AS csat_human_rated,
        sum(g.csat_human_sum)::int8 AS csat_human_sum,
        sum(g.sentiment_scored)::int8 AS sentiment_scored,
        sum(g.sentiment_sum) AS sentiment_sum
    FROM g
    GROUP BY GROUPING SETS ((g.bucket), (g.bucket, g.issue_key), (g.bucket, g.channel))
) k
CROSS JOIN LATERAL (
    SELECT percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY f.frt) AS frt
    FROM (
        SELECT unnest(m.frts) AS frt
        FROM g AS m
        WHERE m.bucket = k.bucket
          AND CASE
                  WHEN k.by_month THEN true
                  WHEN k.by_channel THEN m.channel IS NOT DISTINCT FROM k.channel
                  ELSE m.issue_key IS NOT DISTINCT FROM k.issue_key
              END
    ) f
) p
