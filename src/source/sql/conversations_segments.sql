-- Segments of the report month and the month before (SPEC §6.2): one pass over those two
-- months of `conversations`, grouped two ways at once.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations_facts.sql).
-- $2 int4           the first month bucket to read (the month before the report month;
--                   1 when the window has one month).
--
-- Result: one row per (bucket, issue_key) with everything an issue segment needs except
-- its returns (conversations_returns.sql counts those), and one row per (bucket, channel)
-- with the channel's FRT p90 (the rest of a channel's counts ride on the facts query's
-- (channel, key) grouping). `by_channel` tells the two apart: a NULL issue_key is a real
-- group (unclassified), so GROUPING() decides, not NULL.
--
-- Exact sums: handle time as numeric microseconds (extract(epoch) is exact numeric
-- seconds with 6 decimals), sentiment as `::numeric` (a `real` converts to the value as
-- written, as in conversations_facts.sql). FRT as in conversations_frt.sql; the p90 is
-- `percentile_cont`, like the month's, over the segment's differences >= 0 (NULLs, the
-- excluded rows, are ignored by the aggregate).
SELECT
    s.bucket::int4 AS bucket,
    GROUPING(s.channel) = 0 AS by_channel,
    s.channel,
    s.issue_key,
    count(*) AS conversations,
    count(*) FILTER (WHERE s.ai_participated) AS ai_participated,
    count(*) FILTER (WHERE s.handed_off) AS handoffs,
    count(*) FILTER (WHERE s.ai_participated AND NOT s.handed_off AND s.closed)
        AS deflection_candidates,
    count(s.aht_micros) AS handle_time_measured,
    coalesce(sum(s.aht_micros), 0) AS handle_time_micros,
    count(s.ai_csat) AS csat_ai_rated,
    coalesce(sum(s.ai_csat), 0)::int8 AS csat_ai_sum,
    count(s.human_csat) AS csat_human_rated,
    coalesce(sum(s.human_csat), 0)::int8 AS csat_human_sum,
    count(s.sentiment) AS sentiment_scored,
    coalesce(sum(s.sentiment), 0) AS sentiment_sum,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY s.frt) AS frt_p90_seconds
FROM (
    SELECT
        width_bucket(c.started_at, $1::timestamptz[]) AS bucket,
        -- Byte order: the sorts of the two groupings compare bytes, not a locale's rules.
        c.channel::text COLLATE "C" AS channel,
        c.issue_key::text COLLATE "C" AS issue_key,
        c.ai_participated,
        c.handoff_at IS NOT NULL AS handed_off,
        c.closed_at IS NOT NULL AS closed,
        CASE
            WHEN c.closed_at >= c.started_at
            THEN extract(epoch FROM c.closed_at - c.started_at) * 1000000
        END AS aht_micros,
        CASE WHEN c.ai_csat BETWEEN 1 AND 5 THEN c.ai_csat END AS ai_csat,
        CASE WHEN c.human_csat BETWEEN 1 AND 5 THEN c.human_csat END AS human_csat,
        CASE
            WHEN c.negative_sentiment BETWEEN 0 AND 1 THEN c.negative_sentiment::numeric
        END AS sentiment,
        CASE
            WHEN c.first_ai_reply_at < c.first_user_message_at THEN NULL
            WHEN c.first_ai_reply_at < c.first_user_message_at + interval '24 hours'
            THEN date_part('epoch', c.first_ai_reply_at - c.first_user_message_at)
            ELSE extract(epoch FROM c.first_ai_reply_at - c.first_user_message_at)::float8
        END AS frt
    FROM conversations c
    WHERE c.started_at >= ($1::timestamptz[])[$2::int4]
      AND c.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
    OFFSET 0
) s
GROUP BY GROUPING SETS ((s.bucket, s.issue_key), (s.bucket, s.channel))
