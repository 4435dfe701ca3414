-- Conversation facts for every month of the report window, in ONE pass over the window of
-- `conversations` (SPEC §3). Everything except returned(c) and the FRT percentiles.
--
-- $1 timestamptz[]  month bounds, oldest first: [start of month 1, ..., end of month n].
--                   The months are consecutive, so month i is [$1[i], $1[i+1]) and
--                   width_bucket() returns i for it. For one month (a report after
--                   `aikpi rollup`) the bucket is 1 without width_bucket() a row: the
--                   parameter is a constant when PostgreSQL plans, so the CASE folds.
-- $2 numeric        frustrated_sentiment_min (trap 1).
-- $3 int8           the same threshold in units of 1e-12, rounded up (see `sentiment_units`).
-- $4 boolean        negative_sentiment is `real` (float4): enables the integer fast path.
--
-- Result: one row per (channel, key) with exact counts and sums. `key` packs everything a
-- conversation is counted by into one int8, computed once per row:
--
--   bits 32..  month bucket (1..n)
--   bits 28-30 infinite timestamps, read as NULL (as conversations_read.sql reads them
--              for the other queries): 28 closed_at, 29 first_ai_reply_at,
--              30 first_user_message_at
--   bits 24-27 ending: 0 open (or a close_reason outside the contract), 1 unknown (closed,
--              NULL close_reason), 2 resolved, 3 user_left, 4 timeout, 5 agent_closed
--   bits 20-23 ai_csat:    0 NULL, 1-5 the rating, 6 outside 1-5
--   bits 16-19 human_csat: 0 NULL, 1-5 the rating, 6 outside 1-5
--   1 ai_participated          2 closed                  4 handed off (handoff_at set)
--   8 initiator 'ai'           16 initiator 'user'       24 any other non-NULL initiator
--   32 rating_prompted         64 issue_key NULL
--   128 FRT >= 0 (measured)    256 FRT < 0               (neither: a timestamp is missing)
--   512 closed before started  1024 sentiment in [0, 1]  2048 sentiment outside [0, 1]
--   4096 close_reason user_left/timeout and valid sentiment >= frustrated_sentiment_min
--   8192 close_reason not NULL
--
-- The caller (postgres.rs, `add_fact`) adds the rows up into the month aggregates with
-- integer and decimal additions only. Every comparison with a literal stays here, in
-- PostgreSQL, under the column's collation and types.
--
-- Why one packed key instead of ~30 `count(*) FILTER (...)` aggregates: one hash lookup
-- and five transitions per row instead of thirty; measured 2.6 s vs 12 s of CPU on 6 M
-- conversations. The subquery (OFFSET 0 keeps it from being flattened) gives the planner
-- group keys without statistics, so it hash-aggregates the ~20 k groups instead of
-- sorting 6 M rows (grouped by an expression over started_at it would assume one group
-- per distinct timestamp).
--
-- Exact sums without per-row `numeric` (the inputs: exact_sums.sql, written by the caller
-- in place of the EXACT_SUMS marker, shared with conversations_segments.sql):
-- * Handle time under 24 h: date_part('epoch', interval) is interval.time / 1e6 in float8
--   (days = 0 below 24 h), so ×1e6 and rounding gives the exact microseconds (the error
--   is far below 0.5 µs). 24 h and longer: exact numeric seconds, summed separately.
--   (`+ interval '24 hours'` adds microseconds; `+ interval '1 day'` would go through
--   the session time zone for every row.)
-- * Sentiment of a `real` column: in integer units of 1e-12, exactly `v::numeric`
--   (sentiment_units.sql, written by the caller in place of the SENTIMENT_UNITS marker);
--   they sum exactly as int8 (into numeric). Zero is 0; values below 1e-7, and every
--   value of a float8 or numeric column, take `v::numeric` as before. A test checks the
--   fast path against `::numeric` on the server itself.
-- * Sums of squares (SPEC §6.1) without per-row `numeric` either: an int8 d (handle time in
--   µs below 24 h, under 8.64e10; a sentiment in units of 1e-12, at most 1e12) is split into
--   hi = d / 10^6 and lo = d % 10^6, so d² = d·hi·10^6 + d·lo and both products fit int8
--   (d·hi below 7.5e15 for a handle time and at most 1e18 for a sentiment, d·lo below
--   1e18; int8 ends at 9.2e18); sum(int8) is exact numeric (an int128 accumulator). The
--   caller puts the two sums together. Two products a row, not three as with
--   hi²·10^12 + 2·hi·lo·10^6 + lo²: two fewer aggregates and five fewer operators a row.
--   The rare long handle times and numeric-path sentiments square as numeric. Rating
--   squares need no column: the rating is part of `key`.
SELECT
    r.channel,
    r.key,
    count(*) AS n,
    sum(r.aht_micros) AS aht_micros,
    sum(r.aht_seconds) AS aht_long_seconds,
    sum(r.sentiment_units) AS sentiment_units,
    sum(r.sentiment_numeric) AS sentiment_numeric,
    sum(r.aht_micros * (r.aht_micros / 1000000)) AS aht_squares_hi,
    sum(r.aht_micros * (r.aht_micros % 1000000)) AS aht_squares_lo,
    sum(r.aht_seconds * r.aht_seconds) AS aht_long_squares,
    sum(r.sentiment_units * (r.sentiment_units / 1000000)) AS sentiment_squares_hi,
    sum(r.sentiment_units * (r.sentiment_units % 1000000)) AS sentiment_squares_lo,
    sum(r.sentiment_numeric * r.sentiment_numeric) AS sentiment_numeric_squares
FROM (
    SELECT
        c.channel::text AS channel,
        (CASE
             WHEN cardinality($1::timestamptz[]) = 2 THEN 1
             ELSE width_bucket(c.started_at, $1::timestamptz[])
         END::int8 << 32)
        -- An infinite closed_at ('infinity', '-infinity': a view can deliver one) is no
        -- time: read as NULL (open), as conversations_read.sql reads it for the other
        -- queries, and flagged (bit 28). Tested here, in the branch of closed rows only:
        -- one isfinite() a closed row instead of one at every use of the column.
        | CASE
              WHEN c.closed_at IS NULL THEN 0
              WHEN NOT isfinite(c.closed_at) THEN 1::int8 << 28
              ELSE 2
                   | (CASE
                          WHEN c.close_reason IS NULL THEN 1
                          WHEN c.close_reason = 'resolved' THEN 2
                          WHEN c.close_reason = 'user_left' THEN 3
                          WHEN c.close_reason = 'timeout' THEN 4
                          WHEN c.close_reason = 'agent_closed' THEN 5
                          ELSE 0
                      END::int8 << 24)
                   | CASE WHEN c.closed_at < c.started_at THEN 512 ELSE 0 END
          END
        | (CASE
               WHEN c.ai_csat IS NULL THEN 0
               WHEN c.ai_csat BETWEEN 1 AND 5 THEN c.ai_csat
               ELSE 6
           END::int8 << 20)
        | (CASE
               WHEN c.human_csat IS NULL THEN 0
               WHEN c.human_csat BETWEEN 1 AND 5 THEN c.human_csat
               ELSE 6
           END::int8 << 16)
        | CASE WHEN c.ai_participated THEN 1 ELSE 0 END
        | CASE WHEN c.handoff_at IS NOT NULL THEN 4 ELSE 0 END
        | CASE
              WHEN c.handoff_initiator IS NULL THEN 0
              WHEN c.handoff_initiator = 'ai' THEN 8
              WHEN c.handoff_initiator = 'user' THEN 16
              ELSE 24
          END
        | CASE WHEN c.rating_prompted THEN 32 ELSE 0 END
        | CASE WHEN c.issue_key IS NULL THEN 64 ELSE 0 END
        -- An infinite FRT timestamp: read as NULL (FRT not measured) and flagged (bits 29
        -- and 30), tested only in the branches that compare the two.
        | CASE
              WHEN c.first_ai_reply_at >= c.first_user_message_at THEN
                  CASE
                      WHEN isfinite(c.first_ai_reply_at) AND isfinite(c.first_user_message_at)
                      THEN 128
                      ELSE (CASE WHEN NOT isfinite(c.first_ai_reply_at) THEN 1::int8 << 29 ELSE 0 END
                            | CASE WHEN NOT isfinite(c.first_user_message_at) THEN 1::int8 << 30 ELSE 0 END)
                  END
              WHEN c.first_ai_reply_at < c.first_user_message_at THEN
                  CASE
                      WHEN isfinite(c.first_ai_reply_at) AND isfinite(c.first_user_message_at)
                      THEN 256
                      ELSE (CASE WHEN NOT isfinite(c.first_ai_reply_at) THEN 1::int8 << 29 ELSE 0 END
                            | CASE WHEN NOT isfinite(c.first_user_message_at) THEN 1::int8 << 30 ELSE 0 END)
                  END
              ELSE (CASE WHEN NOT isfinite(c.first_ai_reply_at) THEN 1::int8 << 29 ELSE 0 END
                            | CASE WHEN NOT isfinite(c.first_user_message_at) THEN 1::int8 << 30 ELSE 0 END)
          END
        -- NULL stays NULL (neither valid nor out of range). NaN sorts above every number
        -- in PostgreSQL, so a NaN sentiment is out of range.
        | CASE
              WHEN c.negative_sentiment BETWEEN 0 AND 1 THEN
                  1024
                  | CASE
                        WHEN c.close_reason IN ('user_left', 'timeout')
                         AND CASE
                                 WHEN $4 AND (c.negative_sentiment = 0
                                              OR c.negative_sentiment::float8 >= 0.0000001::float8)
                                 THEN (/*SENTIMENT_UNITS*/) >= $3::int8
                                 -- Compared as numeric, like the sentiment sum: a real
                                 -- converts to the value as written (6 significant digits),
                                 -- so a stored 0.5 or 0.3 equals a threshold of 0.5 or 0.3.
                                 ELSE c.negative_sentiment::numeric >= $2::numeric
                             END
                        THEN 4096
                        ELSE 0
                    END
              WHEN c.negative_sentiment IS NOT NULL THEN 2048
              ELSE 0
          END
        | CASE WHEN c.close_reason IS NOT NULL THEN 8192 ELSE 0 END
        AS key,
        /*EXACT_SUMS*/
    FROM /*SCHEMA*/conversations c
    WHERE c.started_at >= ($1::timestamptz[])[1]
      AND c.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
    OFFSET 0
) r
GROUP BY r.channel, r.key
