-- Metered LLM usage per (month, model), one pass over the window of `llm_usage`.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations.sql).
--
-- The caller adds the model rows up into the month totals. Sums are cast to numeric so
-- that a view with int4 token columns decodes the same way as the contract's bigint.
SELECT
    m.bucket::int4 AS bucket,
    u.model::text AS model,
    count(*) AS calls,
    coalesce(sum(u.prompt_tokens)::numeric, 0) AS prompt_tokens,
    coalesce(sum(u.completion_tokens)::numeric, 0) AS completion_tokens,
    coalesce(sum(u.cost)::numeric, 0) AS cost,
    -- Background jobs (KB indexing, ...) are true LLM cost too; reported separately.
    coalesce((sum(u.cost) FILTER (WHERE u.conversation_id IS NULL))::numeric, 0) AS background_cost
FROM llm_usage u
-- Joining the month numbers (instead of grouping by width_bucket() itself) lets the
-- planner see a handful of groups and hash-aggregate in one (parallel) scan; grouped by
-- the expression it assumes one group per distinct occurred_at and sorts every row.
JOIN generate_series(1, cardinality($1::timestamptz[]) - 1) AS m(bucket)
  ON m.bucket = width_bucket(u.occurred_at, $1::timestamptz[])
WHERE u.occurred_at >= ($1::timestamptz[])[1]
  AND u.occurred_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
GROUP BY m.bucket, u.model
