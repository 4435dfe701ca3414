-- aikpi check: one pass over the llm_usage rows of the report window (and after it).
--
-- $1 timestamptz[]  the bounds of the window's months (see conversations.sql).
--
-- One row per bucket (1..n the window's months, n + 1 after it, NULL without
-- occurred_at); `checks` in the order of LLM_USAGE_CHECKS in
-- src/source/postgres/check.rs. Every name pg_catalog-qualified (conversations.sql).
SELECT
    pg_catalog.width_bucket(u.occurred_at, $1::pg_catalog.timestamptz[]) AS bucket,
    pg_catalog.count(*) AS rows,
    pg_catalog.max(u.occurred_at) AS latest,
    ARRAY[
        pg_catalog.count(*) FILTER (WHERE u.id IS NULL),
        pg_catalog.count(*) FILTER (WHERE u.occurred_at IS NULL),
        pg_catalog.count(*) FILTER (WHERE u.model IS NULL),
        pg_catalog.count(*) FILTER (WHERE u.prompt_tokens IS NULL),
        pg_catalog.count(*) FILTER (WHERE u.completion_tokens IS NULL),
        pg_catalog.count(*) FILTER (WHERE u.cost IS NULL)
    ] AS checks
FROM llm_usage AS u
WHERE u.occurred_at OPERATOR(pg_catalog.>=) ($1::pg_catalog.timestamptz[])[1]
   OR u.occurred_at IS NULL
GROUP BY 1
