-- The first response p90 of the channels summed into "other channels" (SPEC §6.2): the
-- channels of the report month beyond its `max_channels` largest, in one month. A
-- percentile of a group is not a function of its channels' percentiles, so it is read
-- over the group's conversations; only when the report month has more channels than the
-- cap, so the usual report never runs it.
--
-- $1 timestamptz  the month's first instant
-- $2 timestamptz  the next month's first instant
-- $3 text[]       the channels of the group (the report month's beyond the cap: the month
--                  before counts only these, not channels it alone had)
--
-- A NULL channel (outside the contract) is in no channel's segment (see read.rs, add_fact).
-- FRT exactly as in conversations_segments.sql, and the same `percentile_cont`.
SELECT percentile_cont(0.9::float8) WITHIN GROUP (ORDER BY f.frt) AS frt_p90_seconds
FROM (
    SELECT
        CASE
            WHEN c.first_ai_reply_at < c.first_user_message_at THEN NULL
            WHEN c.first_ai_reply_at < c.first_user_message_at + interval '24 hours'
            THEN date_part('epoch', c.first_ai_reply_at - c.first_user_message_at)
            ELSE extract(epoch FROM c.first_ai_reply_at - c.first_user_message_at)::float8
        END AS frt
    FROM /*CONVERSATIONS*/ c
    WHERE c.started_at >= $1::timestamptz
      AND c.started_at < $2::timestamptz
      AND c.channel::text = ANY ($3::text[])
) f
WHERE f.frt IS NOT NULL
