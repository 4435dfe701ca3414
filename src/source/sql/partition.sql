-- The statement that creates one monthly partition (`aikpi migrate --partitioned`).
--
-- $1 text         the partitioned table, e.g. conversations
-- $2 text         the partition, e.g. conversations_p2026_10
-- $3 timestamptz  the month's first instant in the report time zone (inclusive)
-- $4 timestamptz  the next month's first instant (exclusive)
--
-- PostgreSQL quotes the names (%I) and the bounds (%L, written and read back in this
-- session's TimeZone, so the instant is exact); nothing is formatted into SQL by aikpi.
SELECT format(
    'CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
    $2::text, $1::text, $3::timestamptz, $4::timestamptz)
