-- Raises the horizon (migrations/0004) to at least $1 (microseconds since 1970 UTC) and
-- returns it. Never lowers it: stored months rely on every change before it being logged.
SELECT setval('aikpi_rollup_horizon',
              GREATEST((SELECT last_value FROM aikpi_rollup_horizon), $1::int8))
