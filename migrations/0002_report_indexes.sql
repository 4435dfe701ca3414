-- Indexes for the report's 24-hour return check (docs/PERFORMANCE.md).
--
-- The return check reads every conversation of the report window (plus 24 hours) in
-- (user_id, issue_key, started_at) order: "the next conversation of the same user about
-- the same issue". Covering the columns it needs lets PostgreSQL read them with an
-- index-only scan, already in that order, instead of sorting the window (which spills
-- to disk at the default work_mem). The same index serves the probes for return windows
-- that reach past the report window.
--
-- It supersedes conversations_user_issue_started_idx of 0001 (the same key without the
-- included columns), which is dropped so that loads maintain one index, not two.
-- Index-only scans need the visibility map: autovacuum keeps it current; after a bulk
-- load, run VACUUM (ANALYZE) (`aikpi seed` leaves its tables frozen and analysed).

CREATE INDEX conversations_user_issue_started_cover_idx
    ON conversations (user_id, issue_key, started_at)
    INCLUDE (closed_at, ai_participated, handoff_at, close_reason, negative_sentiment);

DROP INDEX IF EXISTS conversations_user_issue_started_idx;
