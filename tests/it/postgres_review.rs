//! End to end on a real PostgreSQL: hand-made rows → aggregates → the review, with every
//! metric and every trap computed by hand below. `#[sqlx::test]` gives this test a fresh
//! database with ./migrations applied (DATABASE_URL must be reachable; otherwise it fails).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

use aikpi::aggregates::SourceInfo;
use aikpi::period::Month;
use aikpi::review::metrics::MetricId;
use aikpi::review::settings::ReviewSettings;
use aikpi::review::status::Status;
use aikpi::review::traps::TrapReason;
use aikpi::review::{review, Review, ReviewContext};
use aikpi::source::postgres::{read_aggregates, AggregatesRequest};

/// October 2026 (UTC) holds ten conversations (c1–c11 without c9); September one (c0);
/// c9 starts on 1 November and is the return of c8.
const ROWS: &str = r#"
INSERT INTO conversations (id, user_id, issue_key, channel, started_at, first_user_message_at,
    first_ai_reply_at, closed_at, close_reason, ai_participated, handoff_at, handoff_initiator,
    rating_prompted, ai_csat, human_csat, negative_sentiment) VALUES
('c0', 'u7', 'x', 'web', '2026-09-15 10:00Z', '2026-09-15 10:00Z', '2026-09-15 10:00:02Z', '2026-09-15 10:10Z', 'resolved', true, NULL, NULL, true, 4, NULL, 0.4),
('c1', 'u1', 'billing', 'web', '2026-10-01 10:00Z', '2026-10-01 10:00Z', '2026-10-01 10:00:02Z', '2026-10-01 10:10Z', 'resolved', true, NULL, NULL, true, 5, NULL, 0.1),
('c2', 'u2', 'login', 'app', '2026-10-02 09:00Z', '2026-10-02 09:00Z', '2026-10-02 09:00:04Z', '2026-10-02 09:20Z', 'user_left', true, NULL, NULL, false, NULL, NULL, 0.8),
('c3', 'u3', 'billing', 'web', '2026-10-03 12:00Z', '2026-10-03 12:00Z', '2026-10-03 12:00:01Z', '2026-10-03 12:30Z', 'agent_closed', true, '2026-10-03 12:05Z', 'user', true, 3, 5, 0.5),
('c4', 'u1', 'billing', 'web', '2026-10-05 10:00Z', '2026-10-05 10:00Z', '2026-10-05 10:00:03Z', '2026-10-05 10:05Z', 'resolved', true, NULL, NULL, true, 4, NULL, 0.2),
('c5', 'u1', 'billing', 'web', '2026-10-06 10:05Z', NULL, NULL, NULL, NULL, false, NULL, NULL, false, NULL, NULL, NULL),
('c6', 'u4', NULL, 'email', '2026-10-10 08:00Z', '2026-10-10 08:00Z', '2026-10-10 08:00:05Z', '2026-10-10 08:10Z', 'timeout', true, NULL, NULL, false, NULL, NULL, 0.6),
('c7', 'u4', NULL, 'email', '2026-10-10 20:00Z', '2026-10-10 20:00Z', '2026-10-10 20:00:02Z', '2026-10-10 20:30Z', 'resolved', true, '2026-10-10 20:10Z', 'ai', true, 2, 4, 0.3),
('c8', 'u5', 'refund', 'app', '2026-10-31 23:00Z', '2026-10-31 23:00Z', '2026-10-31 23:00:01Z', '2026-10-31 23:30Z', 'resolved', true, NULL, NULL, true, 5, NULL, 0.0),
('c9', 'u5', 'refund', 'app', '2026-11-01 12:00Z', NULL, NULL, NULL, NULL, true, NULL, NULL, false, NULL, NULL, NULL),
('c10', 'u6', 'login', 'web', '2026-10-15 10:00Z', '2026-10-15 10:00:05Z', '2026-10-15 10:00Z', '2026-10-15 09:00Z', 'resolved', true, NULL, NULL, true, 7, NULL, 1.4),
('c11', 'u6', 'login', 'web', '2026-10-16 10:00:01Z', '2026-10-16 10:00:01Z', '2026-10-16 10:00:03Z', '2026-10-16 10:20:01Z', 'resolved', true, NULL, NULL, true, 4, NULL, 0.2);

INSERT INTO llm_usage (id, occurred_at, conversation_id, model, prompt_tokens, completion_tokens, cost) VALUES
(1, '2026-09-15 10:00:01Z', 'c0', 'small', 100, 50, 1.00),
(2, '2026-10-01 10:00:01Z', 'c1', 'small', 100, 50, 1.50),
(3, '2026-10-02 09:00:02Z', 'c2', 'large', 300, 90, 2.25),
(4, '2026-10-20 03:00Z', NULL, 'embed', 5000, 0, 0.25);

INSERT INTO cost_ledger (month, category, amount) VALUES
('2026-09-01', 'infra', 5.00), ('2026-09-01', 'labor', 10.00), ('2026-09-01', 'llm', 1.00),
('2026-10-01', 'infra', 6.00), ('2026-10-01', 'labor', 20.00), ('2026-10-01', 'cloud_services', 3.00);

INSERT INTO kb_evals (id, evaluated_at, expected_doc_id, top1_doc_id) VALUES
(1, '2026-10-02 00:00Z', 'd1', 'd1'), (2, '2026-10-03 00:00Z', 'd2', 'd2'),
(3, '2026-10-04 00:00Z', 'd3', 'd9'), (4, '2026-10-05 00:00Z', 'd4', NULL);

INSERT INTO reply_edits (id, conversation_id, edited_at, fed_back_at) VALUES
(1, 'c1', '2026-10-01 10:05Z', '2026-10-02 00:00Z'),
(2, 'c3', '2026-10-03 12:10Z', '2026-11-03 00:00Z'),
(3, 'c7', '2026-10-10 20:15Z', NULL),
(4, NULL, '2026-10-12 00:00Z', NULL);
"#;

/// The review of October 2026 (UTC) read from the test database with a trend of `months`.
async fn reviewed(pool: &PgPool, months: usize) -> Review {
    let mut conn = pool.acquire().await.unwrap();
    let month: Month = "2026-10".parse().unwrap();
    let read_at: DateTime<Utc> = "2026-11-05T00:00:00Z".parse().unwrap();
    let request = AggregatesRequest {
        months: month.window(months),
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: Decimal::new(5, 1),
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at,
    };
    let aggregates = read_aggregates(&mut conn, &request).await.unwrap();
    let context = ReviewContext {
        generated_at: read_at,
        sample: false,
        language: "en".to_string(),
    };
    review(&aggregates, &ReviewSettings::default(), &context).unwrap()
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|a| (a - expected).abs() < 1e-9)
}

#[sqlx::test]
async fn every_metric_and_trap_from_hand_made_rows(pool: PgPool) {
    sqlx::raw_sql(ROWS).execute(&pool).await.unwrap();
    let r = reviewed(&pool, 6).await;
    let m = |id: MetricId| &r.metrics[&id];

    // T = c1..c8, c10, c11: 10 conversations; c5 alone has no AI.
    assert_eq!(r.provenance.row_counts.conversations, 10);
    assert!(close(m(MetricId::AiTouchRate).value, 0.9));
    assert_eq!(m(MetricId::AiTouchRate).status, Status::Missed);
    // FRT over c1 2, c2 4, c3 1, c4 3, c6 5, c7 2, c8 1, c11 2 s (c10 negative, c5 none):
    // sorted 1 1 2 2 2 3 4 5 → p50 = 2, p90 at rank 6.3 = 4 + 0.3 × 1 = 4.3.
    assert!(close(m(MetricId::FrtP50Seconds).value, 2.0));
    assert!(close(m(MetricId::FrtP90Seconds).value, 4.3));
    assert_eq!(m(MetricId::FrtP50Seconds).status, Status::Met);
    assert_eq!(m(MetricId::FrtP90Seconds).status, Status::Missed);
    // AHT over the 8 closed with close ≥ start: 600+1200+1800+300+600+1800+1800+1200 = 9300 s.
    assert!(close(m(MetricId::AhtSeconds).value, 1162.5));
    assert!(close(m(MetricId::AhtSeconds).previous, 600.0));
    assert_eq!(m(MetricId::AhtSeconds).status, Status::Missed);
    // Returns: c4 (c5 exactly 24 h after its close), c6 (c7, NULL = NULL issue), c8 (c9
    // in November). Not c10: c11 starts 24 h + 1 s after c10's start (c10 closed
    // before it started, so its window runs from the start).
    assert!(close(m(MetricId::ReturnRate24h).value, 0.3));
    assert_eq!(m(MetricId::ReturnRate24h).status, Status::Missed);
    // Handoffs c3 (user), c7 (ai).
    assert!(close(m(MetricId::HandoffRate).value, 0.2));
    assert_eq!(m(MetricId::HandoffRate).status, Status::Met);
    assert!(close(r.handoff_by_initiator.ai, 0.1) && close(r.handoff_by_initiator.user, 0.1));
    // Deflected: c1, c2, c10, c11 (c4, c6, c8 returned; c5 open and without AI).
    assert!(close(m(MetricId::DeflectionRate).value, 0.4));
    assert_eq!(m(MetricId::DeflectionRate).status, Status::Missed);
    // CSAT (AI): 5+3+4+2+5+4 = 23 over 6 (c10's 7 left out); human: (5+4)/2 = 4.5 exactly,
    // which misses "> 4.5".
    assert!(close(m(MetricId::CsatAi).value, 23.0 / 6.0));
    assert!(close(m(MetricId::CsatHuman).value, 4.5));
    assert_eq!(m(MetricId::CsatHuman).status, Status::Missed);
    // Sentiment: (0.1+0.8+0.5+0.2+0.6+0.3+0.0+0.2)/8 = 0.3375 (c10's 1.4 left out), below
    // September's 0.4.
    assert!(close(m(MetricId::NegativeSentiment).value, 0.3375));
    assert_eq!(m(MetricId::NegativeSentiment).status, Status::Met);
    // Cost: (metered 1.50+2.25+0.25 + infra 6 + labor 20) / 10 = 3.0; September (1+5+10)/1.
    assert!(close(m(MetricId::CostPerConversation).value, 3.0));
    assert!(close(m(MetricId::CostPerConversation).previous, 16.0));
    assert_eq!(m(MetricId::CostPerConversation).status, Status::Met);
    assert!(
        close(Some(r.cost_breakdown.llm), 4.0)
            && close(Some(r.cost_breakdown.llm_background), 0.25)
    );
    // KB: 2 hits of 4 (a NULL top-1 is a miss); September had none.
    assert!(close(m(MetricId::KbHitRate).value, 0.5));
    assert_eq!(m(MetricId::KbHitRate).previous, None);
    // Feedback: 2 of 4 fed back (one in November still counts): exactly 0.5 misses "> 0.50".
    assert!(close(m(MetricId::FeedbackLoopRate).value, 0.5));
    assert_eq!(m(MetricId::FeedbackLoopRate).status, Status::Missed);
    assert_eq!(
        (r.summary.met, r.summary.missed, r.summary.no_data),
        (3, 9, 0)
    );

    // Trap 1: returns miss their target and 1 of 4 deflected (c2) is a frustrated exit.
    let t1 = &r.traps.faking_deflection;
    assert_eq!(
        t1.reasons,
        vec![TrapReason::ReturnRateMissed, TrapReason::FrustratedExits]
    );
    assert!(close(t1.evidence.naive_deflection_rate, 0.7));
    assert!(close(t1.evidence.frustrated_exit_share, 0.25));
    // Trap 2: 7 of 9 closed prompted; resolved 6 of 6, others 1 of 3 (c3).
    let t2 = &r.traps.inflated_csat;
    assert_eq!(
        t2.reasons,
        vec![
            TrapReason::LowPromptCoverage,
            TrapReason::PromptsSkewedToPositive
        ]
    );
    assert!(close(t2.evidence.prompt_coverage, 7.0 / 9.0));
    assert!(close(t2.evidence.other_ending_prompt_rate, 1.0 / 3.0));
    // Outcome-weighted: resolved mean 20/5 = 4 (weight 6), agent_closed 3 (weight 1) → 27/7.
    assert!(close(t2.evidence.outcome_weighted_csat_ai, 27.0 / 7.0));
    // Trap 3: a ledger without an llm line, the spend probably in cloud_services.
    let t3 = &r.traps.hidden_llm_cost;
    assert_eq!(t3.reasons, vec![TrapReason::LlmLineMissing]);
    assert_eq!(
        t3.evidence
            .largest_other_category
            .as_ref()
            .unwrap()
            .category,
        "cloud_services"
    );
    assert!(close(Some(t3.evidence.gap), 4.0));

    // c5 is still open; the quality notes count what was left out.
    assert_eq!(r.settling.open_conversations, 1);
    assert!(r.settling.provisional);
    let q = &r.data_quality.counts;
    assert_eq!(
        (
            q.unclassified,
            q.negative_first_response,
            q.first_response_missing,
            q.closed_before_start
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(
        (
            q.ai_csat_out_of_range,
            q.sentiment_out_of_range,
            q.kb_nothing_retrieved
        ),
        (1, 1, 1)
    );
}

#[sqlx::test]
async fn a_month_without_ledger_lines_leaves_trap_three_unjudged_and_cost_provisional(
    pool: PgPool,
) {
    sqlx::raw_sql(ROWS).execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM cost_ledger WHERE month = '2026-10-01'")
        .execute(&pool)
        .await
        .unwrap();
    let r = reviewed(&pool, 2).await;
    assert!(!r.traps.hidden_llm_cost.judged && !r.traps.hidden_llm_cost.triggered);
    assert!(r.cost_breakdown.provisional);
    // Only the metered LLM cost is left: 4.00 / 10.
    assert!(close(r.metrics[&MetricId::CostPerConversation].value, 0.4));
}
