-- returned(c) for every conversation of the report window (SPEC §3), counted per month.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations_facts.sql).
-- $2 numeric        frustrated_sentiment_min (trap 1).
--
-- Result: one row per (month bucket, channel) and one per (month bucket, issue key) that
-- has returns (`by_channel` tells them apart: a NULL issue key is a real group, so
-- GROUPING() decides): the returned conversations, and among them those that would
-- otherwise be deflected (AI participated, no handoff, closed) and those that would
-- otherwise be frustrated exits, and the deflection candidates by ending. The caller adds
-- the channel rows up into the month and subtracts them from the facts' candidates: deflected = candidates - returned
-- ones (SPEC §3 defines deflection with ¬returned(c)). A return is counted for the channel
-- and issue of the conversation that was returned from, wherever the return came in.
--
-- Plan: S = the window plus 24 hours. lead() gives the next conversation in S of the same
-- `pair`, the window below; the caller writes its PARTITION BY in place of the PAIR
-- marker comment, one of two orders:
-- * the whole window: `c.user_id, c.issue_key`. With the covering index of migrations/0003
--   S comes in that order from an index-only scan and needs no sort (without it, on a
--   team's views, PostgreSQL sorts S). PARTITION BY puts NULL issue keys together,
--   which is exactly IS NOT DISTINCT FROM.
-- * later months only (the rest comes from the rollup): the index would walk every month
--   of the table, so S is sorted, and sorted first by a 64-bit hash of (user, issue):
--   one integer comparison decides almost every pair of rows, where the text keys cost a
--   locale comparison each (one month of 1 M conversations: 4.0 s sorted by the text
--   keys, 1.6 s by the hash). Two pairs may share a hash, so the next row is only taken
--   for the same pair after comparing its user and issue; otherwise the literal
--   definition decides (the index probes below).
-- Only the few returned rows reach the aggregate.
SELECT
    r.bucket::int4 AS bucket,
    GROUPING(r.channel) = 0 AS by_channel,
    r.channel,
    r.issue_key,
    count(*) AS returned_24h,
    count(*) FILTER (WHERE r.deflection_candidate) AS returned_deflection_candidates,
    count(*) FILTER (WHERE r.frustrated_candidate) AS returned_frustrated_candidates,
    -- The returned deflection candidates by contract ending (SPEC §7.2); the rest have a
    -- NULL or out-of-contract close_reason.
    count(*) FILTER (WHERE r.deflection_candidate AND r.close_reason = 'resolved') AS returned_deflection_resolved,
    count(*) FILTER (WHERE r.deflection_candidate AND r.close_reason = 'user_left') AS returned_deflection_user_left,
    count(*) FILTER (WHERE r.deflection_candidate AND r.close_reason = 'timeout') AS returned_deflection_timeout,
    count(*) FILTER (WHERE r.deflection_candidate AND r.close_reason = 'agent_closed') AS returned_deflection_agent_closed
FROM (
    SELECT
        width_bucket(s.started_at, $1::timestamptz[]) AS bucket,
        s.channel,
        s.issue_key::text AS issue_key,
        s.close_reason,
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
            lead(c.started_at) OVER pair AS next_start,
            lead(c.user_id) OVER pair AS next_user_id,
            lead(c.issue_key) OVER pair AS next_issue_key
        FROM /*CONVERSATIONS*/ c
        WHERE c.started_at >= ($1::timestamptz[])[1]
          AND c.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])] + interval '24 hours'
        WINDOW pair AS (
            PARTITION BY /*PAIR*/
            ORDER BY c.started_at
            -- lead() ignores the frame; a one-row frame spares the executor the peer
            -- tracking of the default RANGE frame (measured 7 % of this query).
            ROWS BETWEEN CURRENT ROW AND CURRENT ROW
        )
    ) s
    WHERE s.started_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
      -- d.user_id = c.user_id is never true for a NULL user.
      AND s.user_id IS NOT NULL
      AND CASE
          -- The next conversation of the pair starts later: it is the earliest later one
          -- (any later one outside S starts at or after window end + 24 h, after it).
          WHEN s.next_start > s.started_at
           AND s.next_user_id = s.user_id
           AND s.next_issue_key IS NOT DISTINCT FROM s.issue_key
          THEN s.next_start <= s.return_bound
          -- None later in S (no row of the pair's partition follows): one outside S starts
          -- at or after window end + 24 h, so only a return window reaching there can hold it.
          WHEN s.next_start IS NULL
           AND s.return_bound < ($1::timestamptz[])[cardinality($1::timestamptz[])] + interval '24 hours'
          THEN false
          -- The rare rest (the next one starts at the same instant, which is not "later",
          -- belongs to another pair with the same hash, or the return window reaches past
          -- S): the literal definition, by index probe.
          -- Split on NULL so both probes can use the (user_id, issue_key, started_at)
          -- index (IS NOT DISTINCT FROM cannot).
          WHEN s.issue_key IS NULL THEN EXISTS (
              SELECT 1 FROM /*SCHEMA*/conversations d
              WHERE d.user_id = s.user_id
                AND d.issue_key IS NULL
                AND d.started_at > s.started_at
                AND d.started_at <= s.return_bound)
          ELSE EXISTS (
              SELECT 1 FROM /*SCHEMA*/conversations d
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
