-- Raises the horizon (migrations/0004) to at least $1 (microseconds since 1970 UTC) and
-- returns it. Never lowers it: stored months rely on every change before it being logged.
--
-- $2 text  the schema (the sequence is named with it, never through the search_path).
SELECT setval(format('%I.aikpi_rollup_horizon', $2::text)::regclass,
              GREATEST((SELECT last_value FROM /*SCHEMA*/aikpi_rollup_horizon), $1::int8))
