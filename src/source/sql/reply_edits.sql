-- Human-edited AI replies per month, one pass over the window of `reply_edits`.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations.sql).
--
-- fed_back_at counts whenever it happened (up to this read), not only within the month.
SELECT
    m.bucket::int4 AS bucket,
    count(*) AS edited,
    count(r.fed_back_at) AS fed_back
FROM /*SCHEMA*/reply_edits r
-- Joining the month numbers (instead of grouping by width_bucket() itself) lets the
-- planner see a handful of groups and hash-aggregate in one (parallel) scan; grouped by
-- the expression it assumes one group per distinct edited_at and sorts every row.
JOIN generate_series(1, cardinality($1::timestamptz[]) - 1) AS m(bucket)
  ON m.bucket = width_bucket(r.edited_at, $1::timestamptz[])
WHERE r.edited_at >= ($1::timestamptz[])[1]
  AND r.edited_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
GROUP BY m.bucket
