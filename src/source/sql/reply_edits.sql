-- Human-edited AI replies per month, one pass over the window of `reply_edits`.
--
-- $1 timestamptz[]  month bounds, oldest first (see conversations.sql).
--
-- fed_back_at counts whenever it happened (up to this read), not only within the month.
SELECT
    width_bucket(r.edited_at, $1::timestamptz[])::int4 AS bucket,
    count(*) AS edited,
    count(r.fed_back_at) AS fed_back
FROM reply_edits r
WHERE r.edited_at >= ($1::timestamptz[])[1]
  AND r.edited_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
GROUP BY 1
