-- An independent benchmark data set: data aikpi did not make (scripts/bench.sh, issue 12).
--
--   psql -v per_month=1000000 -v ON_ERROR_STOP=1 -c 'SET search_path = my_schema' \
--        -f scripts/bench/independent.sql
--
-- Expects the contract tables of `aikpi migrate` in the search_path's schema, all empty.
-- Fills seven calendar months, 2026-04 .. 2026-10 (UTC), with `per_month` conversations
-- each, shaped unlike `aikpi seed`:
--   * users drawn uniformly at random from 2.5 × per_month ids (about 2.3 M distinct users
--     for 7 M conversations): almost no user comes back, returns within 24 h are rare;
--   * 200 issue keys, uniformly, 5 % unclassified (NULL);
--   * rows inserted in time order, like a production table (started_at ascending);
--   * three metered LLM calls per AI conversation, costs with 6 decimals, prompt and
--     completion tokens; plus background calls (NULL conversation_id);
--   * ordinary INSERTs, not COPY FREEZE: nothing is all-visible until VACUUM runs.
-- It never runs VACUUM or ANALYZE itself: scripts/bench.sh decides (vacuumed, or the last
-- month's rows updated afterwards). Secondary indexes are dropped for the load and
-- rebuilt from their own definitions afterwards (whatever the migrations made).
-- The generator uses setseed(), so the same per_month gives the same rows.

\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '1GB';
SELECT setseed(0.42);

BEGIN;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM conversations) OR EXISTS (SELECT 1 FROM llm_usage)
       OR EXISTS (SELECT 1 FROM kb_evals) OR EXISTS (SELECT 1 FROM reply_edits)
       OR EXISTS (SELECT 1 FROM cost_ledger) THEN
        RAISE EXCEPTION 'independent.sql: the contract tables of % are not empty', current_schema();
    END IF;
END
$$;

-- Secondary indexes of the loaded tables (not the primary keys), to rebuild after the load.
CREATE TEMP TABLE bench_indexes ON COMMIT DROP AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid IN ('conversations'::regclass, 'llm_usage'::regclass,
                     'kb_evals'::regclass, 'reply_edits'::regclass)
  AND NOT i.indisprimary;
SELECT format('DROP INDEX %s', name) FROM bench_indexes \gexec

-- Months: [start, end) in UTC, seven of them, oldest first.
CREATE TEMP TABLE bench_months ON COMMIT DROP AS
SELECT m AS idx,
       timestamptz '2026-04-01 00:00:00+00' + make_interval(months => m) AS starts_at,
       timestamptz '2026-04-01 00:00:00+00' + make_interval(months => m + 1) AS ends_at
FROM generate_series(0, 6) AS m;

-- Conversations, in time order. Every random draw is made once per row in the subquery.
INSERT INTO conversations
SELECT
    lpad(n::text, 9, '0'),
    'u' || (1 + floor(r_user * :per_month * 2.5))::int8,
    CASE WHEN r_issue < 0.05 THEN NULL ELSE 'issue-' || lpad((floor(r_issue * 4000)::int % 200)::text, 3, '0') END,
    CASE WHEN r_channel < 0.45 THEN 'web' WHEN r_channel < 0.75 THEN 'app'
         WHEN r_channel < 0.93 THEN 'whatsapp' ELSE 'email' END,
    started_at,
    started_at + make_interval(secs => 1 + floor(r_frt * 20)),
    CASE WHEN ai AND r_reply < 0.985 THEN
        started_at + make_interval(secs => 1 + floor(r_frt * 20))
                   + make_interval(secs => round((0.3 + 4 * r_reply * r_reply)::numeric, 6)::float8)
    END,
    closed_at,
    CASE WHEN closed_at IS NULL THEN NULL
         WHEN r_end < 0.62 THEN 'resolved' WHEN r_end < 0.72 THEN 'user_left'
         WHEN r_end < 0.80 THEN 'timeout' ELSE 'agent_closed' END,
    ai,
    CASE WHEN handoff THEN started_at + make_interval(secs => 30 + floor(r_handoff * 600)) END,
    CASE WHEN NOT handoff THEN NULL WHEN r_handoff < 0.6 THEN 'ai' ELSE 'user' END,
    r_prompt < 0.9,
    CASE WHEN ai AND r_rate < 0.35 THEN 1 + floor(r_rate * 14.28)::int % 5 END,
    CASE WHEN handoff AND r_rate > 0.6 THEN 1 + floor(r_rate * 17)::int % 5 END,
    CASE WHEN r_sent < 0.9 THEN round((r_sent / 0.9)::numeric, 4)::real END
FROM (
    SELECT n, ai, handoff, r_user, r_issue, r_channel, r_frt, r_reply, r_end, r_handoff,
           r_prompt, r_rate, r_sent, started_at,
           CASE WHEN started_at + make_interval(secs => 60 + floor(r_dur * r_dur * 3600))
                     < timestamptz '2026-11-01 00:00:00+00' - interval '6 hours' * r_open
                THEN started_at + make_interval(secs => 60 + floor(r_dur * r_dur * 3600)) END
               AS closed_at
    FROM (
        SELECT (m.idx * :per_month + k) AS n,
               m.starts_at + (m.ends_at - m.starts_at) * ((k - 1 + random()) / :per_month) AS started_at,
               random() < 0.97 AS ai,
               random() < 0.24 AS handoff,
               random() AS r_user, random() AS r_issue, random() AS r_channel,
               random() AS r_frt, random() AS r_reply, random() AS r_end, random() AS r_handoff,
               random() AS r_prompt, random() AS r_rate, random() AS r_sent, random() AS r_dur,
               random() AS r_open
        FROM bench_months m, generate_series(1::int8, :per_month) AS k
        ORDER BY m.idx, k
    ) draws
) conv;

-- Three metered calls per AI conversation, during the conversation, in time order.
INSERT INTO llm_usage
SELECT c.n * 4 + j,
       c.t0 + (c.t1 - c.t0) * ((j - 1 + random()) / 3),
       c.id,
       CASE WHEN random() < 0.7 THEN 'small-model' ELSE 'large-model' END,
       p, q,
       round((p * 0.0000004 + q * 0.0000016)::numeric * (0.5 + random())::numeric, 6)
FROM (
    SELECT id, id::int8 AS n,
           coalesce(first_user_message_at, started_at) AS t0,
           greatest(coalesce(closed_at, started_at + interval '5 minutes'),
                    coalesce(first_user_message_at, started_at) + interval '1 second') AS t1
    FROM conversations
    WHERE ai_participated
    ORDER BY started_at
) c,
LATERAL (SELECT j, 1500 + floor(random() * 4500)::int8 AS p, 60 + floor(random() * 340)::int8 AS q
         FROM generate_series(1, 3) AS j) calls;

-- Background jobs (KB indexing): no conversation, 1 per 25 conversations.
INSERT INTO llm_usage
SELECT 4 * (7 * :per_month + 1) + g,
       timestamptz '2026-04-01 00:00:00+00'
         + (timestamptz '2026-11-01 00:00:00+00' - timestamptz '2026-04-01 00:00:00+00') * random(),
       NULL, 'embedding-model', 20000 + floor(random() * 100000)::int8, 0,
       round(random()::numeric * 0.002, 6)
FROM generate_series(1, 7 * :per_month / 25) AS g;

INSERT INTO kb_evals
SELECT g, m.starts_at + (m.ends_at - m.starts_at) * random(),
       'kb-' || e, CASE WHEN random() < 0.8 THEN 'kb-' || e WHEN random() < 0.1 THEN NULL ELSE 'kb-x' END
FROM bench_months m, generate_series(1, 3000) AS k,
     LATERAL (SELECT m.idx * 3000 + k AS g, floor(random() * 800)::int AS e) x;

INSERT INTO reply_edits
SELECT row_number() OVER (), id, handoff_at + interval '5 minutes',
       CASE WHEN random() < 0.5 THEN handoff_at + interval '2 days' END
FROM conversations
WHERE handoff_at IS NOT NULL AND id::int8 % 10 = 0;

INSERT INTO cost_ledger
SELECT m.starts_at::date, c.category, c.amount * :per_month / 1000
FROM bench_months m,
     (VALUES ('infra', 180.00), ('labor', 2100.00), ('llm', 30.00), ('cloud_services', 12.50)) AS c(category, amount);

SELECT definition FROM bench_indexes \gexec
COMMIT;
