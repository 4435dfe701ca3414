(
    -- `conversations` as the report reads it, in place of every CONVERSATIONS marker
    -- (SessionSchema::qualify). A subquery the planner pulls up into the query: only the
    -- columns a query uses are read, and its scans and indexes stay the same.
    --
    -- An infinite timestamp ('infinity' or '-infinity', which a view can deliver) is no
    -- time: no duration can be taken from it. `closed_at`, `first_user_message_at` and
    -- `first_ai_reply_at` are read as NULL when infinite (an infinite close: open; an
    -- infinite FRT timestamp: FRT not measured). conversations_facts.sql reads them the
    -- same way, more cheaply, and counts them (`infinite_timestamp`). An infinite `started_at`
    -- is in no month, an infinite `handoff_at` is a handoff ("handoff_at set"): both are
    -- exact as they are.
    SELECT
        c.id,
        c.user_id,
        c.issue_key,
        c.channel,
        c.started_at,
        CASE WHEN isfinite(c.first_user_message_at) THEN c.first_user_message_at END
            AS first_user_message_at,
        CASE WHEN isfinite(c.first_ai_reply_at) THEN c.first_ai_reply_at END
            AS first_ai_reply_at,
        CASE WHEN isfinite(c.closed_at) THEN c.closed_at END AS closed_at,
        c.close_reason,
        c.ai_participated,
        c.handoff_at,
        c.handoff_initiator,
        c.rating_prompted,
        c.ai_csat,
        c.human_csat,
        c.negative_sentiment
    FROM /*SCHEMA*/conversations c
)
