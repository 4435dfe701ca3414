//! `aikpi mapping zendesk`: tickets, ticket metrics, satisfaction ratings and ticket
//! audits as Zendesk's Support API returns them, one JSON object per row as a sync lands
//! them, mapped onto `conversations` as a user would (print the views, run them, fill the
//! settings tables), pass `aikpi check`, and give the metrics computed by hand from the
//! fixture.

use crate::cli_support;
use crate::mapping_support;

use serde_json::Value;
use sqlx::{Executor, PgPool};

use cli_support::db_url;
use mapping_support::{assert_number, finding_count};

/// Nine tickets shaped as `GET /api/v2/tickets` returns them (ISO 8601 times, `via`,
/// `custom_fields` with the intent field 360000001, `satisfaction_rating`), one landed
/// twice; their `ticket_metrics`, `satisfaction_ratings` and `audits` (with `Comment`,
/// `Create` and `Change` events). The AI agent writes as user 900001; Alice is 500, Bob
/// 501, automations -1. By `created_at` (UTC):
///
/// | id | started | who took part | solved by | rating |
/// |---|---|---|---|---|
/// | 108 | Sep 30 23:59:59 | AI agent | — | (September) |
/// | 101 | Oct 2 10:00 | AI agent replies at +3 s, solves at +240 s | AI agent | good (AI leg) |
/// | 102 | Oct 3 09:00 | AI at +2 s, routes to a group at +60 s; Alice replies, solves at +2400 s | Alice | bad (human leg only) |
/// | 103 | Oct 5 08:00 | email, no AI; Bob solves, the customer reopens, Bob solves again at +100800 s (landed twice) | Bob | offered, unanswered |
/// | 104 | Oct 5 10:00 | AI at +4 s; the customer never replies; an automation solves it at +259200 s | automation | unoffered |
/// | 107 | Oct 8 20:00 | 104's customer again, same intent; AI at +5 s, assigns Bob at +120 s; Bob solves at +3600 s | Bob | unoffered |
/// | 105 | Oct 12 14:00 | email, no AI; merged by Bob (closed, `closed_by_merge`) at +1800 s | (merge) | unoffered |
/// | 106 | Oct 20 09:00 | email, new, never assigned, no intent | open | unoffered |
/// | 109 | Nov 1 00:00:00 | AI agent | — | (November) |
const TICKETS: &str = include_str!("mapping_fixtures/zendesk_tickets.json");
const TICKET_METRICS: &str = include_str!("mapping_fixtures/zendesk_ticket_metrics.json");
const SATISFACTION_RATINGS: &str =
    include_str!("mapping_fixtures/zendesk_satisfaction_ratings.json");
const TICKET_AUDITS: &str = include_str!("mapping_fixtures/zendesk_ticket_audits.json");

#[sqlx::test]
async fn zendesk_tickets_mapped_onto_the_contract_give_the_hand_computed_metrics(pool: PgPool) {
    let url = db_url(&pool, None);
    load_zendesk(&pool).await;
    mapping_support::team_tables(&pool, &url).await;
    let sql = mapping_support::apply_mapping(&pool, "zendesk", "zendesk_raw").await;
    assert!(sql.contains("FROM \"zendesk_raw\".tickets"), "{sql}");
    // The settings, as the documentation tells a user to fill them: the AI agent's
    // author id and the intent field; the rating rule keeps its default (good 5, bad 1).
    pool.execute(
        "INSERT INTO team.zendesk_ai_agents (author_id, note) VALUES (900001, 'AI agent');
         UPDATE team.zendesk_settings SET issue_field_id = 360000001;",
    )
    .await
    .unwrap();
    // Running the mapping again (e.g. after an upgrade) keeps them.
    mapping_support::apply_mapping(&pool, "zendesk", "zendesk_raw").await;

    let dir = tempfile::tempdir().unwrap();
    let config = mapping_support::config_file(dir.path());
    let check = mapping_support::check(&url, &config);
    let conversations = &check["relations"][0];
    assert_eq!(conversations["relation"], "conversations", "{check:#}");
    assert_eq!(conversations["kind"], "view");
    // 103, landed twice, is one conversation.
    assert_eq!(
        finding_count(&check, "conversations", "id", "duplicate_ids"),
        None,
        "{check:#}"
    );
    // Zendesk cannot say who asked for the person: 102's and 107's handoffs.
    assert_eq!(
        finding_count(
            &check,
            "conversations",
            "handoff_initiator",
            "handoff_without_initiator"
        ),
        Some(2),
        "{check:#}"
    );

    // Handed off when the AI agent routed the ticket (102: to a group at +60 s; 107:
    // assigned to Bob at +120 s), before any person wrote.
    assert_eq!(
        mapping_support::handoff_offsets(&pool).await,
        [("102".to_string(), 60), ("107".to_string(), 120)]
    );

    let report = mapping_support::report(&url, &config, dir.path());
    let metric = |id: &str| report["metrics"][id]["value"].clone();
    // October: 101–107, seven tickets (108 is September's last second, 109 November's
    // first).
    assert_number(&report["volume"]["value"], 7.0, "volume");
    // The AI agent commented on 101, 102, 104 and 107.
    assert_number(&metric("ai_touch_rate"), 4.0 / 7.0, "ai_touch_rate");
    // Its first replies: 3, 2, 4, 5 s. Sorted 2, 3, 4, 5: median 3.5; p90 at
    // 0.9 × 3 = 2.7 → 4 + 0.7 × (5 − 4).
    assert_number(&metric("frt_p50_seconds"), 3.5, "frt_p50_seconds");
    assert_number(&metric("frt_p90_seconds"), 4.7, "frt_p90_seconds");
    // Solved or closed, by ticket metrics' solved_at (the last solve): 101 (240 s),
    // 102 (2400), 103 (100800, solved again after the reopen), 104 (259200), 105 (1800),
    // 107 (3600): 368040 / 6.
    assert_number(&metric("aht_seconds"), 61340.0, "aht_seconds");
    // Handoffs: 102 (routed to a group) and 107 (assigned to Bob), initiators unknown.
    assert_number(&metric("handoff_rate"), 2.0 / 7.0, "handoff_rate");
    assert_number(&report["handoff_by_initiator"]["ai"], 0.0, "handoff by ai");
    assert_number(
        &report["handoff_by_initiator"]["user"],
        0.0,
        "handoff by user",
    );
    // 104's customer came back (107) ten hours after the automation solved it, with the
    // same intent: 104 returned.
    assert_number(&metric("return_rate_24h"), 1.0 / 7.0, "return_rate_24h");
    // Deflected: only 101 (the AI agent solved it: resolved). 104 returned; 102 and 107
    // were handed off.
    assert_number(&metric("deflection_rate"), 1.0 / 7.0, "deflection_rate");
    let ending = |e: &str| report["deflection_by_ending"][e]["value"].clone();
    assert_number(&ending("resolved"), 1.0 / 7.0, "deflected, resolved");
    assert_number(&ending("timeout"), 0.0, "deflected, timeout");
    // good → 5 on the AI-only 101; bad → 1 on 102, rated after the handoff: the human
    // leg. 103's survey was offered and not answered: prompted, no rating.
    assert_number(&metric("csat_ai"), 5.0, "csat_ai");
    assert_number(&metric("csat_human"), 1.0, "csat_human");
    assert_eq!(metric("negative_sentiment"), Value::Null);
    // People handled 102 and 107 (handoffs), 103, 105 and 106 (no AI).
    assert_number(
        &report["workload"]["human_handled"]["value"],
        5.0,
        "human_handled",
    );
    // Infra 70 + labor 1400 over seven tickets.
    assert_number(
        &metric("cost_per_conversation"),
        210.0,
        "cost_per_conversation",
    );
    // Surveys offered on 101, 102 and 103 of the six solved or closed tickets.
    assert_number(
        &report["traps"]["inflated_csat"]["evidence"]["prompt_coverage"],
        0.5,
        "prompt coverage",
    );
    for id in ["kb_hit_rate", "feedback_loop_rate"] {
        assert_eq!(report["metrics"][id]["status"], "not_measured", "{id}");
    }
    let counts = &report["data_quality"]["counts"];
    // 106 has no intent.
    assert_eq!(counts["unclassified"], 1, "{counts:#}");
    assert_eq!(counts["unknown_handoff_initiator"], 2, "{counts:#}");
}

/// The rating rule is data: a team that reads "good" as 4 changes one row, and the
/// AI leg's CSAT follows without recreating the view.
#[sqlx::test]
async fn the_satisfaction_scale_is_a_row_the_team_changes(pool: PgPool) {
    load_zendesk(&pool).await;
    mapping_support::apply_mapping(&pool, "zendesk", "zendesk_raw").await;
    // No AI agent configured yet: nothing is the AI's, 101's rating is the human leg's.
    assert_eq!(ai_csat_of_101(&pool).await, None);
    pool.execute(
        "INSERT INTO team.zendesk_ai_agents (author_id) VALUES (900001);
         UPDATE team.zendesk_satisfaction_scale SET rating = 4 WHERE score = 'good';",
    )
    .await
    .unwrap();
    assert_eq!(ai_csat_of_101(&pool).await, Some(4));
}

/// The AI leg's rating of ticket 101 as the view gives it.
async fn ai_csat_of_101(pool: &PgPool) -> Option<i16> {
    sqlx::query_scalar("SELECT ai_csat FROM team.conversations WHERE id = '101'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The four fixtures in `zendesk_raw`, one API object per row.
async fn load_zendesk(pool: &PgPool) {
    for (table, documents) in [
        ("tickets", TICKETS),
        ("ticket_metrics", TICKET_METRICS),
        ("satisfaction_ratings", SATISFACTION_RATINGS),
        ("ticket_audits", TICKET_AUDITS),
    ] {
        mapping_support::load_documents(pool, "zendesk_raw", table, documents).await;
    }
}
