//! `aikpi mapping intercom`: conversations as Intercom's REST API returns them, one JSON
//! document per row as a sync lands them, mapped onto `conversations` as a user would
//! (print the views, run them), pass `aikpi check`, and give the metrics computed by hand
//! from the fixture.

use crate::cli_support;
use crate::mapping_support;

use serde_json::Value;
use sqlx::PgPool;

use cli_support::db_url;
use mapping_support::{assert_number, finding_count};

/// Ten conversation documents shaped as `GET /conversations/{id}` returns them (epoch
/// seconds, `statistics`, `ai_agent`, `conversation_rating`, `conversation_parts`, …),
/// one of them landed twice. By `created_at` (UTC):
///
/// | id | started | who took part | ends | rating |
/// |---|---|---|---|---|
/// | 9 | Sep 30 23:59:59 | Fin | — | (September) |
/// | 1 | Oct 2 10:00 | Fin replies at +2 s, `confirmed_resolution`, Fin closes at +300 s; never assigned | resolved | Fin 5 |
/// | 2 | Oct 3 09:00 | Fin at +4 s, `assumed_resolution`, Fin's workflow closes at +3600 s (landed twice: open, then closed) | timeout | — |
/// | 5 | Oct 3 20:00 | the customer of 2 again, same topic, by email; Alice answers and merges it (closes at +1500 s) | agent_closed | — |
/// | 3 | Oct 4 14:00 | Fin at +3 s, routes to a team at +60 s (`routed_to_team`), Alice replies, closes at +1800 s | agent_closed | conversation 4 (human leg) |
/// | 4 | Oct 6 08:00 | email, no AI, no topic; Bob closes, the customer reopens, Bob closes at +96000 s | agent_closed | conversation 5 |
/// | 8 | Oct 9 11:00 | Fin at +5 s, `abandoned`, Fin's workflow closes at +1800 s | user_left | — |
/// | 6 | Oct 28 16:00 | Fin at +2 s, still open, never assigned | open | — |
/// | 10 | Nov 1 00:00:00 | Fin | — | (November) |
const CONVERSATIONS: &str = include_str!("mapping_fixtures/intercom_conversations.json");

#[sqlx::test]
async fn intercom_conversations_mapped_onto_the_contract_give_the_hand_computed_metrics(
    pool: PgPool,
) {
    let url = db_url(&pool, None);
    mapping_support::load_documents(&pool, "intercom_raw", "conversations", CONVERSATIONS).await;
    mapping_support::team_tables(&pool, &url).await;
    let sql = mapping_support::apply_mapping(&pool, "intercom", "intercom_raw").await;
    assert!(sql.contains("FROM \"intercom_raw\".conversations"), "{sql}");

    let dir = tempfile::tempdir().unwrap();
    let config = mapping_support::config_file(dir.path());
    let check = mapping_support::check(&url, &config);
    let conversations = &check["relations"][0];
    assert_eq!(conversations["relation"], "conversations", "{check:#}");
    assert_eq!(conversations["kind"], "view");
    // Conversation 2, landed twice, is one conversation: no repeated id.
    assert_eq!(
        finding_count(&check, "conversations", "id", "duplicate_ids"),
        None,
        "{check:#}"
    );
    // Intercom cannot say who asked for the person: conversation 3's handoff has no
    // initiator, which the check names.
    assert_eq!(
        finding_count(
            &check,
            "conversations",
            "handoff_initiator",
            "handoff_without_initiator"
        ),
        Some(1),
        "{check:#}"
    );

    // Handed off when Fin routed conversation 3 to a team (+60 s), before Alice wrote.
    assert_eq!(
        mapping_support::handoff_offsets(&pool).await,
        [("3".to_string(), 60)]
    );

    let report = mapping_support::report(&url, &config, dir.path());
    let metric = |id: &str| report["metrics"][id]["value"].clone();
    // October holds 1, 2, 3, 4, 5, 6 and 8: seven conversations (9 is September's last
    // second, 10 November's first).
    assert_number(&report["volume"]["value"], 7.0, "volume");
    // Fin took part in 1, 2, 3, 6 and 8.
    assert_number(&metric("ai_touch_rate"), 5.0 / 7.0, "ai_touch_rate");
    // Fin's first replies after the customer's first message: 2, 4, 3, 2, 5 s. Sorted
    // 2, 2, 3, 4, 5: the median is 3; p90 sits at 0.9 × 4 = 3.6 → 4 + 0.6 × (5 − 4).
    assert_number(&metric("frt_p50_seconds"), 3.0, "frt_p50_seconds");
    assert_number(&metric("frt_p90_seconds"), 4.6, "frt_p90_seconds");
    // Closed: 1 (300 s), 2 (3600), 3 (1800), 4 (96000: closed again after the reopen),
    // 5 (1500), 8 (1800): 105000 / 6.
    assert_number(&metric("aht_seconds"), 17500.0, "aht_seconds");
    // One handoff (3), its initiator unknown: in the rate, in neither split.
    assert_number(&metric("handoff_rate"), 1.0 / 7.0, "handoff_rate");
    assert_number(&report["handoff_by_initiator"]["ai"], 0.0, "handoff by ai");
    assert_number(
        &report["handoff_by_initiator"]["user"],
        0.0,
        "handoff by user",
    );
    // 2's customer wrote again (5) 10 hours after Fin's assumed resolution closed it, on
    // the same topic: 2 returned.
    assert_number(&metric("return_rate_24h"), 1.0 / 7.0, "return_rate_24h");
    // Deflected: Fin took part, no person, closed, no return — 1 (resolved) and 8
    // (user_left). 2 returned, 3 was handed off, 6 is open.
    assert_number(&metric("deflection_rate"), 2.0 / 7.0, "deflection_rate");
    let ending = |e: &str| report["deflection_by_ending"][e]["value"].clone();
    assert_number(&ending("resolved"), 1.0 / 7.0, "deflected, resolved");
    assert_number(&ending("user_left"), 1.0 / 7.0, "deflected, user_left");
    assert_number(&ending("timeout"), 0.0, "deflected, timeout");
    assert_number(&ending("agent_closed"), 0.0, "deflected, agent_closed");
    assert_number(&ending("unknown"), 0.0, "deflected, unknown");
    // Fin's rating of 1 (5); the conversation ratings of 3 (4, given after the handoff:
    // the human leg) and 4 (5, no AI).
    assert_number(&metric("csat_ai"), 5.0, "csat_ai");
    assert_number(&metric("csat_human"), 4.5, "csat_human");
    // Intercom scores no sentiment.
    assert_eq!(metric("negative_sentiment"), Value::Null);
    // People handled 3 (handoff), 4 and 5 (no AI).
    assert_number(
        &report["workload"]["human_handled"]["value"],
        3.0,
        "human_handled",
    );
    // No metered LLM calls (Fin is billed on Intercom's invoice); infra 70 + labor 1400
    // over seven conversations.
    assert_number(
        &metric("cost_per_conversation"),
        210.0,
        "cost_per_conversation",
    );
    // Ratings were asked for on 1, 3 and 4 of the six closed conversations.
    assert_number(
        &report["traps"]["inflated_csat"]["evidence"]["prompt_coverage"],
        0.5,
        "prompt coverage",
    );
    for id in ["kb_hit_rate", "feedback_loop_rate"] {
        assert_eq!(report["metrics"][id]["status"], "not_measured", "{id}");
    }
    // 4 has no topic attribute: unclassified, a data-quality note; so is 3's handoff
    // without an initiator.
    let counts = &report["data_quality"]["counts"];
    assert_eq!(counts["unclassified"], 1, "{counts:#}");
    assert_eq!(counts["unknown_handoff_initiator"], 1, "{counts:#}");
}
