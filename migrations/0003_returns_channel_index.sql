-- The 24-hour return check also groups the returns by channel (SPEC §6.2 segments), so its
-- covering index must hold `channel` too: without it every entry of the index-only scan
-- visits the table in (user, issue) order — random reads — and the return check took
-- 21-26 s instead of about 8 s on 6 × 1 M conversations (docs/PERFORMANCE.md).
--
-- Supersedes conversations_user_issue_started_cover_idx of 0002 (the same key, without
-- channel), which is dropped so that loads maintain one such index, not two. On existing
-- data this is a plain CREATE INDEX (it blocks writes to conversations meanwhile).

CREATE INDEX conversations_returns_cover_idx
    ON conversations (user_id, issue_key, started_at)
    INCLUDE (closed_at, ai_participated, handoff_at, close_reason, negative_sentiment, channel);

DROP INDEX IF EXISTS conversations_user_issue_started_cover_idx;
