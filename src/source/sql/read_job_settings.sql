-- The planner settings of one large read, for its transaction only (read.rs, `run`).
--
-- $1 text     enable_indexscan: 'off' for a month range of a large table, read page by
--             page rather than tuple by tuple in index order; 'on' for the whole window's
--             return check, which needs its index-only scan.
-- $2 boolean  true: JIT off; false: the session's (the server's) setting stays.
SELECT
    set_config('enable_indexscan', $1, true),
    set_config('jit', CASE WHEN $2 THEN 'off' ELSE current_setting('jit') END, true)
