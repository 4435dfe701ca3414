-- The inputs of the exact handle-time and sentiment sums, one conversation `c` a row:
-- four select-list columns, written by the caller in place of the EXACT_SUMS marker of
-- conversations_facts.sql and conversations_segments.sql (see the first for why each is
-- exact). The caller writes the query's own "negative_sentiment is real" parameter in
-- place of IS_REAL.
--   aht_micros         handle time under 24 h, int8 microseconds
--   aht_seconds        handle time of 24 h and longer, exact numeric seconds
--   sentiment_units    a valid `real` sentiment in [1e-7, 1] or 0, int8 units of 1e-12
--   sentiment_numeric  every other valid sentiment, `::numeric`
CASE
    WHEN c.closed_at >= c.started_at AND c.closed_at < c.started_at + interval '24 hours'
    THEN round(date_part('epoch', c.closed_at - c.started_at) * 1000000)::int8
END AS aht_micros,
CASE
    -- An infinite closed_at (conversations_facts.sql reads the column as it is) has no
    -- duration; tested in this rare branch only.
    WHEN c.closed_at >= c.started_at + interval '24 hours' AND isfinite(c.closed_at)
    THEN extract(epoch FROM c.closed_at - c.started_at)
END AS aht_seconds,
CASE
    WHEN /*IS_REAL*/ AND c.negative_sentiment BETWEEN 0 AND 1
     AND (c.negative_sentiment = 0 OR c.negative_sentiment::float8 >= 0.0000001::float8)
    THEN (/*SENTIMENT_UNITS*/)
END AS sentiment_units,
CASE
    WHEN c.negative_sentiment BETWEEN 0 AND 1
     AND NOT (/*IS_REAL*/ AND (c.negative_sentiment = 0
                              OR c.negative_sentiment::float8 >= 0.0000001::float8))
    -- float4 -> numeric keeps the value as stored (6 significant digits); exact sum.
    THEN c.negative_sentiment::numeric
END AS sentiment_numeric
