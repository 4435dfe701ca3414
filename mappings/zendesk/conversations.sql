-- aikpi mapping: Zendesk tickets → conversations (docs/MAPPINGS.md, "Zendesk").
--
-- Source, in {{source_schema}}, each row one JSON object exactly as Zendesk's Support API
-- returns it, in a jsonb column `data` (the way API syncs land them):
--   tickets               GET /api/v2/tickets            (the ticket object)
--   ticket_metrics        GET /api/v2/ticket_metrics     (one per ticket)
--   satisfaction_ratings  GET /api/v2/satisfaction_ratings
--   ticket_audits         GET /api/v2/tickets/{id}/audits (each audit with its events)
-- Target, in {{schema}}: the view conversations and three settings tables you fill
-- (zendesk_ai_agents, zendesk_satisfaction_scale, zendesk_settings).
-- `aikpi mapping zendesk --source-schema S --schema T` prints this file with both names
-- filled in as quoted identifiers.
CREATE SCHEMA IF NOT EXISTS {{schema}};

-- What the view needs to know about your account is data, not SQL: typed rows you
-- insert and change without touching the view. Running the mapping again keeps them.

-- The Zendesk user ids your AI agent writes as (its comments' author_id).
CREATE TABLE IF NOT EXISTS {{schema}}.zendesk_ai_agents (
    author_id bigint PRIMARY KEY,
    note      text
);

-- The 1–5 rating each satisfaction score stands for. Zendesk's scores are good or bad;
-- the default rule (good 5, bad 1) makes a mean CSAT of 1 + 4 × the share rated good.
CREATE TABLE IF NOT EXISTS {{schema}}.zendesk_satisfaction_scale (
    score  text     PRIMARY KEY,
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5)
);
INSERT INTO {{schema}}.zendesk_satisfaction_scale (score, rating)
VALUES ('good', 5), ('bad', 1)
ON CONFLICT (score) DO NOTHING;

CREATE TABLE IF NOT EXISTS {{schema}}.zendesk_settings (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- The ticket field that holds the topic (issue_key), e.g. the intent field of
    -- intelligent triage; NULL leaves every ticket unclassified.
    issue_field_id bigint
);
INSERT INTO {{schema}}.zendesk_settings DEFAULT VALUES ON CONFLICT DO NOTHING;

CREATE OR REPLACE VIEW {{schema}}.conversations AS
WITH ai_agents AS (
    SELECT COALESCE(array_agg(a.author_id), '{}'::bigint[]) AS ids
    FROM {{schema}}.zendesk_ai_agents AS a
),
tickets AS (
    -- A sync may land a ticket once per update: keep its latest version.
    SELECT DISTINCT ON ((r.data ->> 'id')::bigint)
        r.data AS t,
        (r.data ->> 'id')::bigint AS ticket_id,
        (r.data ->> 'requester_id')::bigint AS requester_id
    FROM {{source_schema}}.tickets AS r
    ORDER BY (r.data ->> 'id')::bigint, (r.data ->> 'updated_at')::timestamptz DESC NULLS LAST
),
events AS (
    -- Every event of every audit, with the audit's time and author (who made a
    -- change); a Comment event carries its own author_id (who wrote it).
    SELECT
        (a.data ->> 'ticket_id')::bigint AS ticket_id,
        (a.data ->> 'created_at')::timestamptz AS at,
        (a.data ->> 'author_id')::bigint AS audit_author,
        e ->> 'type' AS kind,
        (e ->> 'author_id')::bigint AS comment_author,
        COALESCE((e ->> 'public')::boolean, false) AS public,
        e ->> 'field_name' AS field,
        e ->> 'value' AS value
    FROM {{source_schema}}.ticket_audits AS a
    CROSS JOIN LATERAL jsonb_array_elements(a.data -> 'events') AS e
),
firsts AS (
    SELECT
        t.*,
        (SELECT min(ev.at) FROM events AS ev
         WHERE ev.ticket_id = t.ticket_id AND ev.kind = 'Comment'
           AND ev.comment_author = t.requester_id) AS first_user_at,
        -- Who set the status to solved last, and when (a reopened ticket is solved again).
        (SELECT ev.audit_author FROM events AS ev
         WHERE ev.ticket_id = t.ticket_id AND ev.field = 'status' AND ev.value = 'solved'
         ORDER BY ev.at DESC LIMIT 1) AS solver,
        (SELECT max(ev.at) FROM events AS ev
         WHERE ev.ticket_id = t.ticket_id AND ev.field = 'status'
           AND ev.value = 'solved') AS solved_event_at
    FROM tickets AS t
),
ai_replies AS (
    SELECT
        f.*,
        (SELECT min(ev.at) FROM events AS ev, ai_agents AS ai
         WHERE ev.ticket_id = f.ticket_id AND ev.kind = 'Comment' AND ev.public
           AND ev.comment_author = ANY (ai.ids)
           AND ev.at >= f.first_user_at) AS first_ai_at,
        (SELECT min(ev.at) FROM events AS ev, ai_agents AS ai
         WHERE ev.ticket_id = f.ticket_id AND ev.kind = 'Comment'
           AND ev.comment_author = ANY (ai.ids)) AS first_ai_comment_at
    FROM firsts AS f
),
handoffs AS (
    SELECT
        r.*,
        r.first_ai_comment_at IS NOT NULL AS ai_participated,
        -- The first step to a person after the AI's first reply: the ticket routed to a
        -- group, assigned to someone other than the AI agent, or a public reply by an
        -- agent (any author other than the requester, the AI agent and the system, -1).
        CASE WHEN r.first_ai_comment_at IS NOT NULL THEN
            (SELECT min(ev.at) FROM events AS ev, ai_agents AS ai
             WHERE ev.ticket_id = r.ticket_id AND ev.at >= r.first_ai_comment_at
               AND ((ev.field = 'group_id' AND NULLIF(ev.value, '') IS NOT NULL)
                    OR (ev.field = 'assignee_id' AND NULLIF(ev.value, '') IS NOT NULL
                        AND NOT COALESCE(NULLIF(ev.value, '')::bigint = ANY (ai.ids), false))
                    OR (ev.kind = 'Comment' AND ev.public
                        AND ev.comment_author <> r.requester_id
                        AND ev.comment_author <> -1
                        AND NOT ev.comment_author = ANY (ai.ids))))
        END AS handoff_at
    FROM ai_replies AS r
)
SELECT
    h.ticket_id::text                                              AS id,
    h.requester_id::text                                           AS user_id,
    (SELECT NULLIF(f ->> 'value', '')
     FROM jsonb_array_elements(h.t -> 'custom_fields') AS f
     WHERE (f ->> 'id')::bigint = s.issue_field_id
     LIMIT 1)::text                                                AS issue_key,
    (h.t -> 'via' ->> 'channel')::text                             AS channel,
    (h.t ->> 'created_at')::timestamptz                            AS started_at,
    h.first_user_at                                                AS first_user_message_at,
    h.first_ai_at                                                  AS first_ai_reply_at,
    CASE WHEN h.t ->> 'status' IN ('solved', 'closed') THEN COALESCE(
        (m.data ->> 'solved_at')::timestamptz,
        h.solved_event_at,
        (h.t ->> 'updated_at')::timestamptz) END                   AS closed_at,
    (CASE
        WHEN h.t ->> 'status' NOT IN ('solved', 'closed') THEN NULL
        -- A ticket merged into another is closed by the agent who merged it.
        WHEN h.t -> 'tags' ? 'closed_by_merge' THEN 'agent_closed'
        -- The customer marked it solved, or the AI agent solved it (assumed: on the
        -- customer's confirmation).
        WHEN h.solver = h.requester_id THEN 'resolved'
        WHEN h.solver = ANY (ai.ids) THEN 'resolved'
        -- An automation (author -1) solves a ticket left waiting on the customer.
        WHEN h.solver = -1 THEN 'timeout'
        WHEN h.solver IS NOT NULL THEN 'agent_closed'
    END)::text                                                     AS close_reason,
    h.ai_participated                                              AS ai_participated,
    h.handoff_at                                                   AS handoff_at,
    -- Zendesk does not record who asked for the person: a data-quality note.
    NULL::text                                                     AS handoff_initiator,
    COALESCE(sr.score, h.t -> 'satisfaction_rating' ->> 'score', 'unoffered')
        <> 'unoffered'                                             AS rating_prompted,
    CASE WHEN h.ai_participated AND h.handoff_at IS NULL THEN scale.rating END AS ai_csat,
    CASE WHEN NOT h.ai_participated OR h.handoff_at IS NOT NULL
         THEN scale.rating END                                     AS human_csat,
    -- Zendesk scores no sentiment.
    NULL::real                                                     AS negative_sentiment
FROM handoffs AS h
CROSS JOIN ai_agents AS ai
LEFT JOIN {{schema}}.zendesk_settings AS s ON true
LEFT JOIN LATERAL (
    SELECT mr.data
    FROM {{source_schema}}.ticket_metrics AS mr
    WHERE (mr.data ->> 'ticket_id')::bigint = h.ticket_id
    ORDER BY (mr.data ->> 'updated_at')::timestamptz DESC NULLS LAST
    LIMIT 1
) AS m ON true
LEFT JOIN LATERAL (
    -- The ticket's latest satisfaction rating (a customer may change it).
    SELECT rr.data ->> 'score' AS score
    FROM {{source_schema}}.satisfaction_ratings AS rr
    WHERE (rr.data ->> 'ticket_id')::bigint = h.ticket_id
    ORDER BY (rr.data ->> 'updated_at')::timestamptz DESC NULLS LAST
    LIMIT 1
) AS sr ON true
LEFT JOIN {{schema}}.zendesk_satisfaction_scale AS scale
    ON scale.score = COALESCE(sr.score, h.t -> 'satisfaction_rating' ->> 'score');
