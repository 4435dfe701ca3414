-- Labelled retrieval checks per month, one pass over the window of `kb_evals`.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations.sql).
--
-- A NULL top1_doc_id is a miss (counted in `evaluated`, never in `top1_hits`).
SELECT
    m.bucket::int4 AS bucket,
    count(*) AS evaluated,
    count(*) FILTER (WHERE e.top1_doc_id::text = e.expected_doc_id::text) AS top1_hits,
    count(*) FILTER (WHERE e.top1_doc_id IS NULL) AS nothing_retrieved
FROM /*SCHEMA*/kb_evals e
-- Joining the month numbers (instead of grouping by width_bucket() itself) lets the
-- planner see a handful of groups and hash-aggregate in one (parallel) scan; grouped by
-- the expression it assumes one group per distinct evaluated_at and sorts every row.
JOIN generate_series(1, cardinality($1::timestamptz[]) - 1) AS m(bucket)
  ON m.bucket = width_bucket(e.evaluated_at, $1::timestamptz[])
WHERE e.evaluated_at >= ($1::timestamptz[])[1]
  AND e.evaluated_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
GROUP BY m.bucket
