-- aikpi mapping: LiteLLM proxy spend logs → llm_usage (docs/MAPPINGS.md, "LiteLLM").
--
-- Source: the proxy's own table "LiteLLM_SpendLogs" (schema.prisma), one row per call,
-- in {{source_schema}}. Target: the view llm_usage in {{schema}}.
-- `aikpi mapping litellm --source-schema S --schema T` prints this file with both names
-- filled in as quoted identifiers.
CREATE SCHEMA IF NOT EXISTS {{schema}};

CREATE OR REPLACE VIEW {{schema}}.llm_usage AS
SELECT
    s.request_id::text                                 AS id,
    -- Prisma writes "startTime" as timestamp(3) without time zone, in UTC.
    (s."startTime" AT TIME ZONE 'UTC')                 AS occurred_at,
    -- The conversation id the application passed in the request's metadata; NULL for
    -- calls without one (background jobs such as KB indexing), which still count in
    -- the month's LLM cost.
    COALESCE(
        s.metadata -> 'requester_metadata' ->> 'conversation_id',
        s.metadata ->> 'conversation_id'
    )                                                  AS conversation_id,
    s.model::text                                      AS model,
    s.prompt_tokens::bigint                            AS prompt_tokens,
    s.completion_tokens::bigint                        AS completion_tokens,
    s.spend::numeric                                   AS cost
FROM {{source_schema}}."LiteLLM_SpendLogs" AS s;
