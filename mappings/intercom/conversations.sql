-- aikpi mapping: Intercom conversations → conversations (docs/MAPPINGS.md, "Intercom").
--
-- Source: {{source_schema}}.conversations, one row per conversation as Intercom's REST
-- API returns it (GET /conversations/{id}: the whole JSON document in a jsonb column
-- `data`, conversation_parts included), the way API syncs land them. Target: the view
-- conversations and the settings table intercom_settings in {{schema}}.
-- `aikpi mapping intercom --source-schema S --schema T` prints this file with both names
-- filled in as quoted identifiers.
CREATE SCHEMA IF NOT EXISTS {{schema}};

-- What the view needs to know about your workspace, as data (one row; change it with
-- UPDATE, the view reads it on every report). Running the mapping again keeps it.
CREATE TABLE IF NOT EXISTS {{schema}}.intercom_settings (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- The conversation custom attribute that holds the topic (issue_key); NULL or an
    -- attribute a conversation lacks leaves it unclassified.
    issue_attribute text    DEFAULT 'issue_key'
);
INSERT INTO {{schema}}.intercom_settings DEFAULT VALUES ON CONFLICT DO NOTHING;

CREATE OR REPLACE VIEW {{schema}}.conversations AS
WITH latest AS (
    -- A sync may land a conversation once per update: keep its latest version.
    SELECT DISTINCT ON (r.data ->> 'id') r.data AS c
    FROM {{source_schema}}.conversations AS r
    ORDER BY r.data ->> 'id', (r.data ->> 'updated_at')::bigint DESC NULLS LAST
),
base AS (
    SELECT
        l.c,
        l.c -> 'statistics' AS st,
        l.c -> 'ai_agent' AS ai,
        -- Intercom returns conversation_rating as null, or with a null rating, when
        -- the customer has not rated.
        l.c -> 'conversation_rating' AS cr,
        COALESCE(l.c -> 'conversation_parts' -> 'conversation_parts', '[]'::jsonb) AS parts,
        COALESCE((l.c ->> 'ai_agent_participated')::boolean, false) AS ai_participated,
        -- The customer's first message: Intercom's own statistic, else the message that
        -- opened the conversation when a contact wrote it.
        COALESCE(
            (l.c -> 'statistics' ->> 'first_contact_reply_at')::bigint,
            CASE WHEN l.c -> 'source' -> 'author' ->> 'type' IN ('user', 'lead', 'contact')
                 THEN (l.c ->> 'created_at')::bigint END
        ) AS first_contact_at
    FROM latest AS l
),
parts AS (
    SELECT
        b.*,
        first_bot.at AS first_bot_reply_at,
        closes.last_close_at,
        closes.last_closer
    FROM base AS b
    -- Fin's (and other bots') first visible reply after the customer's first message.
    CROSS JOIN LATERAL (
        SELECT min((p ->> 'created_at')::bigint) AS at
        FROM jsonb_array_elements(b.parts) AS p
        WHERE p ->> 'part_type' = 'comment'
          AND p -> 'author' ->> 'type' = 'bot'
          AND (p ->> 'created_at')::bigint >= b.first_contact_at
    ) AS first_bot
    -- Who closed it last (a reopened conversation has several close parts).
    CROSS JOIN LATERAL (
        SELECT max((p ->> 'created_at')::bigint) AS last_close_at,
               (array_agg(p -> 'author' ->> 'type'
                          ORDER BY (p ->> 'created_at')::bigint DESC))[1] AS last_closer
        FROM jsonb_array_elements(b.parts) AS p
        WHERE p ->> 'part_type' = 'close'
    ) AS closes
),
handoffs AS (
    SELECT
        p.*,
        CASE WHEN p.ai_participated THEN COALESCE(
            -- The first step to a person after the AI's first reply: an assignment to a
            -- teammate or a team, or a teammate's visible reply.
            (SELECT min((x ->> 'created_at')::bigint)
             FROM jsonb_array_elements(p.parts) AS x
             WHERE (x ->> 'created_at')::bigint >= p.first_bot_reply_at
               AND ((x ->> 'part_type' LIKE '%assign%'
                     AND x -> 'assigned_to' ->> 'type' IN ('admin', 'team'))
                    OR (x ->> 'part_type' = 'comment'
                        AND x -> 'author' ->> 'type' = 'admin'))),
            -- Without the parts: Fin said it routed the conversation to a team.
            CASE WHEN p.ai ->> 'resolution_state' = 'routed_to_team' THEN COALESCE(
                (p.st ->> 'first_assignment_at')::bigint,
                (p.st ->> 'first_admin_reply_at')::bigint) END
        ) END AS handoff_at
    FROM parts AS p
)
SELECT
    (h.c ->> 'id')::text                                           AS id,
    COALESCE(
        h.c -> 'contacts' -> 'contacts' -> 0 ->> 'id',
        CASE WHEN h.c -> 'source' -> 'author' ->> 'type' IN ('user', 'lead', 'contact')
             THEN h.c -> 'source' -> 'author' ->> 'id' END
    )::text                                                        AS user_id,
    NULLIF(h.c -> 'custom_attributes' ->> s.issue_attribute, '')::text AS issue_key,
    -- source.type "conversation" is the Messenger.
    (CASE h.c -> 'source' ->> 'type'
          WHEN 'conversation' THEN 'messenger'
          ELSE h.c -> 'source' ->> 'type' END)::text               AS channel,
    to_timestamp((h.c ->> 'created_at')::bigint)                   AS started_at,
    to_timestamp(h.first_contact_at)                               AS first_user_message_at,
    to_timestamp(h.first_bot_reply_at)                             AS first_ai_reply_at,
    CASE WHEN h.c ->> 'state' = 'closed' THEN to_timestamp(COALESCE(
        (h.st ->> 'last_close_at')::bigint,
        h.last_close_at,
        (h.c ->> 'updated_at')::bigint)) END                       AS closed_at,
    (CASE
        WHEN h.c ->> 'state' IS DISTINCT FROM 'closed' THEN NULL
        -- Fin's own verdict, when no person took over.
        WHEN h.handoff_at IS NULL
             AND h.ai ->> 'resolution_state' = 'confirmed_resolution' THEN 'resolved'
        WHEN h.handoff_at IS NULL
             AND h.ai ->> 'resolution_state' = 'assumed_resolution' THEN 'timeout'
        WHEN h.handoff_at IS NULL
             AND h.ai ->> 'resolution_state' = 'abandoned' THEN 'user_left'
        -- Otherwise who closed it last.
        WHEN h.last_closer = 'admin' THEN 'agent_closed'
        WHEN h.last_closer = 'bot' THEN 'timeout'
        WHEN h.last_closer IN ('user', 'lead', 'contact') THEN 'user_left'
        WHEN h.st ->> 'last_closed_by_id' IS NOT NULL THEN 'agent_closed'
    END)::text                                                     AS close_reason,
    h.ai_participated                                              AS ai_participated,
    to_timestamp(h.handoff_at)                                     AS handoff_at,
    -- Intercom does not record who asked for the person: a data-quality note.
    NULL::text                                                     AS handoff_initiator,
    (h.cr ->> 'created_at' IS NOT NULL
     OR h.cr ->> 'rating' IS NOT NULL
     OR h.ai ->> 'rating' IS NOT NULL)                             AS rating_prompted,
    COALESCE(
        (h.ai ->> 'rating')::smallint,
        -- A conversation rating where no person took part rates the AI.
        CASE WHEN h.ai_participated AND h.handoff_at IS NULL
             THEN (h.cr ->> 'rating')::smallint END
    )                                                              AS ai_csat,
    CASE WHEN NOT h.ai_participated OR h.handoff_at IS NOT NULL
         THEN (h.cr ->> 'rating')::smallint END                    AS human_csat,
    -- Intercom scores no sentiment.
    NULL::real                                                     AS negative_sentiment
FROM handoffs AS h
LEFT JOIN {{schema}}.intercom_settings AS s ON true;
