-- SPEC §7.7: where the conversations are, when the report month has none.
--
-- $1 timestamptz  the month's first instant.
-- $2 timestamptz  the next month's first instant.
--
-- Result: the latest conversation start before the month and the earliest one at or
-- after its end; NULL when there is none (both NULL: the relation is empty). Two probes
-- of the started_at index. /*SCHEMA*/ is the report's schema (SessionSchema::qualify).
SELECT
    (SELECT pg_catalog.max(c.started_at) FROM /*SCHEMA*/conversations c
      WHERE c.started_at OPERATOR(pg_catalog.<) $1) AS latest_before,
    (SELECT pg_catalog.min(c.started_at) FROM /*SCHEMA*/conversations c
      WHERE c.started_at OPERATOR(pg_catalog.>=) $2) AS earliest_after
