-- The data contract of SPEC §2: the five relations aikpi reads.
--
-- Names are unqualified on purpose: `aikpi migrate` sets `search_path` to the configured
-- schema first, so the same migration creates the tables in `public` or in any schema.
--
-- CHECK constraints are deliberately sparse. Values outside the contract (a rating of 7,
-- a sentiment of 1.4, an unknown close_reason or handoff_initiator, a conversation closed
-- before it started, ...) must be *countable* as data-quality issues (SPEC §3), and teams
-- that load data must be able to load what their systems actually produced. Constraints
-- are kept only where the spec defines no such counting and a violation would break
-- the meaning of a key.

CREATE TABLE conversations (
    id                    text        PRIMARY KEY,
    user_id               text        NOT NULL,
    issue_key             text        NULL,      -- NULL = unclassified
    channel               text        NOT NULL,
    started_at            timestamptz NOT NULL,
    first_user_message_at timestamptz NULL,
    first_ai_reply_at     timestamptz NULL,      -- NULL if the AI never replied
    closed_at             timestamptz NULL,      -- NULL while open
    close_reason          text        NULL,      -- resolved, user_left, timeout, agent_closed
    ai_participated       boolean     NOT NULL,
    handoff_at            timestamptz NULL,
    handoff_initiator     text        NULL,      -- ai, user
    rating_prompted       boolean     NOT NULL,
    ai_csat               smallint    NULL,      -- 1-5 by contract; not enforced (counted)
    human_csat            smallint    NULL,      -- 1-5 by contract; not enforced (counted)
    negative_sentiment    real        NULL       -- 0-1 by contract; not enforced (counted)
);

-- Month buckets: every report query ranges over started_at.
CREATE INDEX conversations_started_at_idx ON conversations (started_at);
-- The 24-hour return check: "a later conversation of the same user about the same issue".
-- Also serves the probe for conversations whose return window reaches past the report window.
CREATE INDEX conversations_user_issue_started_idx ON conversations (user_id, issue_key, started_at);

CREATE TABLE llm_usage (
    id                bigint      PRIMARY KEY,
    occurred_at       timestamptz NOT NULL,
    conversation_id   text        NULL,          -- NULL for background jobs (KB indexing, ...)
    model             text        NOT NULL,
    prompt_tokens     bigint      NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens bigint      NOT NULL CHECK (completion_tokens >= 0),
    cost              numeric     NOT NULL       -- report currency; credits may be negative
);

CREATE INDEX llm_usage_occurred_at_idx ON llm_usage (occurred_at);

CREATE TABLE cost_ledger (
    month    date    NOT NULL,
    category text    NOT NULL,
    amount   numeric NOT NULL,
    PRIMARY KEY (month, category),
    -- The report matches the month key exactly; a mid-month date would silently be ignored.
    CONSTRAINT cost_ledger_month_is_first_day CHECK (extract(day FROM month) = 1)
);

CREATE TABLE kb_evals (
    id              bigint      PRIMARY KEY,
    evaluated_at    timestamptz NOT NULL,
    expected_doc_id text        NOT NULL,
    top1_doc_id     text        NULL             -- NULL = nothing retrieved (a miss)
);

CREATE INDEX kb_evals_evaluated_at_idx ON kb_evals (evaluated_at);

CREATE TABLE reply_edits (
    id              bigint      PRIMARY KEY,
    conversation_id text        NULL,
    edited_at       timestamptz NOT NULL,
    fed_back_at     timestamptz NULL             -- NULL = never added to the KB
);

CREATE INDEX reply_edits_edited_at_idx ON reply_edits (edited_at);
