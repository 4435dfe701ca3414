-- Labelled retrieval checks per month, one pass over the window of `kb_evals`.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations.sql).
--
-- A NULL top1_doc_id is a miss (counted in `evaluated`, never in `top1_hits`).
SELECT
    width_bucket(e.evaluated_at, $1::timestamptz[])::int4 AS bucket,
    count(*) AS evaluated,
    count(*) FILTER (WHERE e.top1_doc_id::text = e.expected_doc_id::text) AS top1_hits,
    count(*) FILTER (WHERE e.top1_doc_id IS NULL) AS nothing_retrieved
FROM kb_evals e
WHERE e.evaluated_at >= ($1::timestamptz[])[1]
  AND e.evaluated_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
GROUP BY 1
