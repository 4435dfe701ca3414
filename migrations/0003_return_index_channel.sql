-- The return check also counts returns per channel (SPEC §6.2: the channel table's 24 h
-- return rate), so the covering index of 0002 includes `channel` too; without it the
-- window read falls back from an index-only scan to the heap and takes about twice as
-- long. Same key, one more included column; the old index is dropped so that loads
-- maintain one index, not two.

CREATE INDEX conversations_user_issue_started_cover2_idx
    ON conversations (user_id, issue_key, started_at)
    INCLUDE (closed_at, ai_participated, handoff_at, close_reason, negative_sentiment, channel);

DROP INDEX IF EXISTS conversations_user_issue_started_cover_idx;
