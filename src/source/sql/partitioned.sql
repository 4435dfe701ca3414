-- The data contract of SPEC §2 with `conversations` and `llm_usage` range-partitioned by
-- month (`aikpi migrate --partitioned`; docs/SCALING.md). The same columns and indexes as
-- migrations/0001 and 0002; the monthly partitions are created by partition.sql.
--
-- Idempotent (IF NOT EXISTS everywhere), so running `migrate --partitioned` again with a
-- later --to-month only adds partitions. Names are unqualified: the session's search_path
-- is the configured schema.
--
-- No primary key on the two partitioned tables: PostgreSQL requires a partitioned
-- table's unique indexes to include the partition key, so (id) alone could not be
-- enforced anyway, and a unique index on the parent forbids foreign partitions
-- (postgres_fdw) for old months. The loader keeps ids unique.

CREATE TABLE IF NOT EXISTS conversations (
    id                    text        NOT NULL,
    user_id               text        NOT NULL,
    issue_key             text        NULL,
    channel               text        NOT NULL,
    started_at            timestamptz NOT NULL,
    first_user_message_at timestamptz NULL,
    first_ai_reply_at     timestamptz NULL,
    closed_at             timestamptz NULL,
    close_reason          text        NULL,
    ai_participated       boolean     NOT NULL,
    handoff_at            timestamptz NULL,
    handoff_initiator     text        NULL,
    rating_prompted       boolean     NOT NULL,
    ai_csat               smallint    NULL,
    human_csat            smallint    NULL,
    negative_sentiment    real        NULL
) PARTITION BY RANGE (started_at);

-- Created on the parent, so every partition (also those added later) gets them.
CREATE INDEX IF NOT EXISTS conversations_started_at_idx ON conversations (started_at);
CREATE INDEX IF NOT EXISTS conversations_user_issue_started_cover2_idx
    ON conversations (user_id, issue_key, started_at)
    INCLUDE (closed_at, ai_participated, handoff_at, close_reason, negative_sentiment, channel);

CREATE TABLE IF NOT EXISTS llm_usage (
    id                bigint      NOT NULL,
    occurred_at       timestamptz NOT NULL,
    conversation_id   text        NULL,
    model             text        NOT NULL,
    prompt_tokens     bigint      NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens bigint      NOT NULL CHECK (completion_tokens >= 0),
    cost              numeric     NOT NULL
) PARTITION BY RANGE (occurred_at);

CREATE INDEX IF NOT EXISTS llm_usage_occurred_at_idx ON llm_usage (occurred_at);

-- The small relations stay plain tables.
CREATE TABLE IF NOT EXISTS cost_ledger (
    month    date    NOT NULL,
    category text    NOT NULL,
    amount   numeric NOT NULL,
    PRIMARY KEY (month, category),
    CONSTRAINT cost_ledger_month_is_first_day CHECK (extract(day FROM month) = 1)
);

CREATE TABLE IF NOT EXISTS kb_evals (
    id              bigint      PRIMARY KEY,
    evaluated_at    timestamptz NOT NULL,
    expected_doc_id text        NOT NULL,
    top1_doc_id     text        NULL
);

CREATE INDEX IF NOT EXISTS kb_evals_evaluated_at_idx ON kb_evals (evaluated_at);

CREATE TABLE IF NOT EXISTS reply_edits (
    id              bigint      PRIMARY KEY,
    conversation_id text        NULL,
    edited_at       timestamptz NOT NULL,
    fed_back_at     timestamptz NULL
);

CREATE INDEX IF NOT EXISTS reply_edits_edited_at_idx ON reply_edits (edited_at);
