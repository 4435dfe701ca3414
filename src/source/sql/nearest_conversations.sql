-- SPEC §7.7: where the conversations are, when the report month has none.
--
-- $1 timestamptz  the month's first instant.
-- $2 timestamptz  the next month's first instant.
--
-- Result: the latest conversation start before the month and the earliest one at or
-- after its end; NULL when there is none (both NULL: the relation is empty). Two probes
-- of the started_at index.
SELECT
    (SELECT max(c.started_at) FROM conversations c WHERE c.started_at < $1) AS latest_before,
    (SELECT min(c.started_at) FROM conversations c WHERE c.started_at >= $2) AS earliest_after
