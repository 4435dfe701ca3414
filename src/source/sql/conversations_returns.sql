-- returned(c) for every conversation of the report window (SPEC §3), counted per month.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations_facts.sql).
-- $2 numeric        frustrated_sentiment_min (trap 1).
--
-- Result: one row per (month bucket, channel) and one per (month bucket, issue key) that
-- has returns (`by_channel` tells them apart: a NULL issue key is a real group, so
-- GROUPING() decides): the returned conversations, and among them those that would
-- otherwise be deflected (AI participated, no handoff, closed) and those that would
-- otherwise be frustrated exits. The caller adds the channel rows up into the month and
-- subtracts the last two from the facts' candidates: deflected = candidates - returned
-- ones (SPEC §3 defines deflection with ¬returned(c)). A return is counted for the channel
-- and issue of the conversation that was returned from, wherever the return came in.
--
-- Plan: S = the window plus 24 hours, read in (user_id, issue_key, started_at) order. With
-- the covering index of migrations/0003 that is an index-only scan and the window function
-- needs no sort; without it (a team's views) PostgreSQL sorts S. lead() gives the next
-- conversation of the same user and issue (PARTITION BY puts NULL issue keys together,
-- which is exactly IS NOT DISTINCT FROM). Only the few returned rows reach the aggregate.
SELECT
    r.bucket::int4 AS bucket,
    GROUPING(r.channel) = 0 AS by_channel,
    r.channel,
    r.issue_key,
    count(*) AS returned_24h,
    count(*) FILTER (WHERE r.deflection_candidate) AS returned_deflection_candidates,
    count(*) FILTER (WHERE r.frustrated_candidate) AS returned_frustrated_candidates
FROM (
    SELECT
        width_bucket(s.started_at, $1::timestamptz[]) AS bucket,
        s.channel,
        s.issue_key::text AS issue_key,
        s.ai_participated AND s.handoff_at IS NULL AND s.closed_at IS NOT NULL AS deflection_candidate,
        s.ai_participated AND s.handoff_at IS NULL AND s.closed_at IS NOT NULL
          AND s.close_reason IN ('user_left', 'timeout')
          AND s.negative_sentiment BETWEEN 0 AND 1
          AND s.negative_sentiment::numeric >= $2::numeric AS frustrated_candidate
    FROM (
        SELECT
            c.user_id,
            c.issue_key,
            c.channel::text AS channel,
            c.started_at,
            c.closed_at,
            c.ai_participated,
            c.handoff_at,
            c.close_reason::text AS close_reason,
            c.negative_sentiment,
            -- The return window runs from started_at when the conversation is open, or
            -- closed before it started.
            GREATEST(c.closed_at, c.started_at) + interval '24 hours' AS return_bound,
            lead(c.started_at) OVER (
                PARTITION BY c.user_id, c.issue_key
                ORDER BY c.started_at
                -- lead() ignores the frame; a one-row frame spares the executor the peer
                -- tracking of the default RANGE frame (measured 7 % of this query).
                ROWS BETWEEN CURRENT ROW AND CURRENT ROW
            ) AS next_start
        FROM conversations c
        WHERE c.started_at >= ($1::timestamptz[])[1]
          AND c.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])] + interval '24 hours'
    ) s
    WHERE s.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
      -- d.user_id = c.user_id is never true for a NULL user.
      AND s.user_id IS NOT NULL
      AND CASE
          -- The next conversation of the key starts later: it is the earliest later one
          -- (any later one outside S starts at or after window end + 24 h, after it).
          WHEN s.next_start > s.started_at THEN s.next_start <= s.return_bound
          -- None later in S: one outside S starts at or after window end + 24 h, so only
          -- a return window reaching there can hold it.
          WHEN s.next_start IS NULL
           AND s.return_bound < ($1::timestamptz[])[cardinality($1::timestamptz[])] + interval '24 hours'
          THEN false
          -- The rare rest (the next one starts at the same instant, which is not "later",
          -- or the return window reaches past S): the literal definition, by index probe.
          -- Split on NULL so both probes can use the (user_id, issue_key, started_at)
          -- index (IS NOT DISTINCT FROM cannot).
          WHEN s.issue_key IS NULL THEN EXISTS (
              SELECT 1 FROM conversations d
              WHERE d.user_id = s.user_id
                AND d.issue_key IS NULL
                AND d.started_at > s.started_at
                AND d.started_at <= s.return_bound)
          ELSE EXISTS (
              SELECT 1 FROM conversations d
              WHERE d.user_id = s.user_id
                AND d.issue_key = s.issue_key
                AND d.started_at > s.started_at
                AND d.started_at <= s.return_bound)
      END
    -- Keeps the bucket a column without statistics, so the planner hash-aggregates the few
    -- months instead of sorting (it would take width_bucket(started_at) to have one value
    -- per distinct started_at).
    OFFSET 0
) r
GROUP BY GROUPING SETS ((r.bucket, r.channel), (r.bucket, r.issue_key))
