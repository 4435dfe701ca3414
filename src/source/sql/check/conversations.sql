-- aikpi check: one pass over the conversations of the report window (and after it).
--
-- $1 timestamptz[]  the bounds of the window's months: each month's start, then the end
--                   of the report month (n + 1 instants, ascending).
-- $2 text[]         the close reasons of the contract.
-- $3 text[]         the handoff initiators of the contract.
--
-- One row per bucket: 1..n the window's months, n + 1 after the report month, NULL for
-- rows with no started_at (the report never sees them). `checks` holds the counts in the
-- order of CONVERSATION_CHECKS in src/source/postgres/check.rs.
--
-- Every function, operator and type is pg_catalog-qualified: the schema is the team's,
-- and an object planted there with an exact-match signature must not run.
SELECT
    pg_catalog.width_bucket(c.started_at, $1::pg_catalog.timestamptz[]) AS bucket,
    pg_catalog.count(*) AS rows,
    pg_catalog.max(c.started_at) AS latest,
    ARRAY[
        pg_catalog.count(*) FILTER (WHERE c.id IS NULL),
        pg_catalog.count(*) FILTER (WHERE c.user_id IS NULL),
        pg_catalog.count(*) FILTER (WHERE c.channel IS NULL),
        pg_catalog.count(*) FILTER (WHERE c.started_at IS NULL),
        pg_catalog.count(*) FILTER (WHERE c.ai_participated IS NULL),
        pg_catalog.count(*) FILTER (WHERE c.rating_prompted IS NULL),
        pg_catalog.count(*) FILTER (
            WHERE c.ai_csat::pg_catalog.int8 OPERATOR(pg_catalog.<) 1
               OR c.ai_csat::pg_catalog.int8 OPERATOR(pg_catalog.>) 5),
        pg_catalog.count(*) FILTER (
            WHERE c.human_csat::pg_catalog.int8 OPERATOR(pg_catalog.<) 1
               OR c.human_csat::pg_catalog.int8 OPERATOR(pg_catalog.>) 5),
        pg_catalog.count(*) FILTER (
            WHERE c.negative_sentiment::pg_catalog.float8
                      OPERATOR(pg_catalog.<) 0::pg_catalog.float8
               OR c.negative_sentiment::pg_catalog.float8
                      OPERATOR(pg_catalog.>) 1::pg_catalog.float8),
        pg_catalog.count(*) FILTER (
            WHERE c.close_reason::pg_catalog.text
                      OPERATOR(pg_catalog.<>) ALL ($2::pg_catalog.text[])),
        pg_catalog.count(*) FILTER (
            WHERE c.handoff_initiator::pg_catalog.text
                      OPERATOR(pg_catalog.<>) ALL ($3::pg_catalog.text[])),
        pg_catalog.count(*) FILTER (
            WHERE c.handoff_at IS NOT NULL AND c.handoff_initiator IS NULL),
        pg_catalog.count(*) FILTER (
            WHERE c.handoff_at IS NULL AND c.handoff_initiator IS NOT NULL),
        pg_catalog.count(*) FILTER (
            WHERE c.closed_at IS NOT NULL AND c.close_reason IS NULL),
        pg_catalog.count(*) FILTER (WHERE c.closed_at OPERATOR(pg_catalog.<) c.started_at),
        pg_catalog.count(*) FILTER (
            WHERE c.first_ai_reply_at OPERATOR(pg_catalog.<) c.first_user_message_at),
        pg_catalog.count(*) FILTER (WHERE c.closed_at IS NULL),
        pg_catalog.count(*) FILTER (WHERE c.issue_key IS NULL)
    ] AS checks
FROM conversations AS c
WHERE c.started_at OPERATOR(pg_catalog.>=) ($1::pg_catalog.timestamptz[])[1]
   OR c.started_at IS NULL
GROUP BY 1
