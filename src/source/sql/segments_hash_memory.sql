-- Lets the segments query (conversations_segments.sql) keep its (channel, issue key)
-- grouping in a hash table, for this transaction only.
--
-- $1 int8  the hash memory the planner may budget, in bytes.
--
-- The planner budgets 8 kB for each group's FRT array (array_agg's internal state; the
-- real state is a few hundred bytes plus 8 bytes a value), so with a few hundred issue
-- keys it would expect hundreds of MB and sort instead. hash_mem_multiplier is raised so
-- that work_mem × multiplier is $1, never lowered, and kept within its 1000 maximum.
SELECT set_config(
    'hash_mem_multiplier',
    greatest(
        current_setting('hash_mem_multiplier')::float8,
        least(1000, $1::float8 / pg_size_bytes(current_setting('work_mem')))
    )::text,
    true
)
