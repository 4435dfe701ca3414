//! `aikpi seed`: reproducible, realistic, refuses to mix with existing rows.
//!
//! `#[sqlx::test]` reads DATABASE_URL at run time and gives each test a fresh database
//! with ./migrations applied; without a reachable PostgreSQL these tests fail.

use crate::database;

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use aikpi::aggregates::{Aggregates, SourceInfo};
use aikpi::period::Month;
use aikpi::seed::{seed, SeedOptions, SeedSummary};
use aikpi::source::postgres::{
    check_contract, connect, migrate, read_aggregates, AggregatesRequest,
};
use aikpi::source::SourceError;

fn options(per_month: u32, months: u32) -> SeedOptions {
    SeedOptions {
        end_month: "2026-10".parse().unwrap(),
        months,
        conversations_per_month: per_month,
        seed: 42,
        tz: chrono_tz::Europe::Berlin,
        append: false,
    }
}

async fn aggregates(conn: &mut PgConnection, opts: &SeedOptions) -> Aggregates {
    let req = AggregatesRequest {
        months: opts.end_month.window(opts.months as usize),
        tz: opts.tz,
        frustrated_sentiment_min: Decimal::new(5, 1),
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "test".into(),
            note: Some(opts.describe()),
        },
        read_at: "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap(),
    };
    read_aggregates(conn, &req).await.unwrap()
}

async fn seeded_schema(url: &str, schema: &str, opts: &SeedOptions) -> (PgConnection, SeedSummary) {
    migrate(url, schema).await.unwrap();
    let mut conn = connect(url, schema, None, false).await.unwrap();
    let summary = seed(&mut conn, opts).await.unwrap();
    check_contract(&mut conn).await.unwrap();
    (conn, summary)
}

#[sqlx::test]
async fn the_same_flags_write_the_same_data(pool: PgPool) {
    let url = database::url(&pool, None);
    let opts = options(800, 3);
    let (mut a_conn, a_summary) = seeded_schema(&url, "seed_a", &opts).await;
    let (mut b_conn, b_summary) = seeded_schema(&url, "seed_b", &opts).await;
    assert_eq!(a_summary, b_summary);
    assert_eq!(
        aggregates(&mut a_conn, &opts).await,
        aggregates(&mut b_conn, &opts).await
    );

    // Row for row, every relation.
    for table in [
        "conversations",
        "llm_usage",
        "cost_ledger",
        "kb_evals",
        "reply_edits",
    ] {
        let digest = |schema: &str| {
            format!("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {schema}.{table} t")
        };
        let a: String = sqlx::query_scalar(&digest("seed_a"))
            .fetch_one(&pool)
            .await
            .unwrap();
        let b: String = sqlx::query_scalar(&digest("seed_b"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(a, b, "{table}");
    }

    // Another seed gives other data.
    let other = SeedOptions {
        seed: 43,
        ..opts.clone()
    };
    let (mut c_conn, _) = seeded_schema(&url, "seed_c", &other).await;
    assert_ne!(
        aggregates(&mut a_conn, &opts).await.months,
        aggregates(&mut c_conn, &other).await.months
    );
}

#[sqlx::test]
async fn refuses_tables_with_rows_unless_appending(pool: PgPool) {
    let url = database::url(&pool, None);
    let opts = options(200, 2);
    let (mut conn, first) = seeded_schema(&url, "refuse", &opts).await;
    assert_eq!(
        first.conversations,
        conn_count(&mut conn, "conversations").await
    );

    let err = seed(&mut conn, &opts).await.unwrap_err();
    assert!(
        matches!(&err, SourceError::SeedRefused { schema, table } if schema == "refuse" && table == &"conversations"),
        "{err:?}"
    );
    assert!(err.to_string().contains("--append"), "{err}");
    // Nothing was added.
    assert_eq!(
        first.conversations,
        conn_count(&mut conn, "conversations").await
    );

    // A single row in any table is enough to refuse.
    let (mut kb_only, _) = {
        migrate(&url, "kb_only").await.unwrap();
        let mut c = connect(&url, "kb_only", None, false).await.unwrap();
        sqlx::query("INSERT INTO kb_evals VALUES (1, now(), 'a', 'a')")
            .execute(&mut c)
            .await
            .unwrap();
        (c, ())
    };
    let err = seed(&mut kb_only, &opts).await.unwrap_err();
    assert!(
        matches!(&err, SourceError::SeedRefused { table, .. } if table == &"kb_evals"),
        "{err:?}"
    );

    // --append adds a second, non-colliding copy of the generated data.
    let append = SeedOptions {
        append: true,
        ..opts.clone()
    };
    let second = seed(&mut conn, &append).await.unwrap();
    assert_eq!(second.conversations, first.conversations);
    assert_eq!(
        conn_count(&mut conn, "conversations").await,
        2 * first.conversations
    );
    assert_eq!(
        conn_count(&mut conn, "llm_usage").await,
        first.llm_usage + second.llm_usage
    );
}

async fn conn_count(conn: &mut PgConnection, table: &str) -> u64 {
    let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(conn)
        .await
        .unwrap();
    n as u64
}

#[sqlx::test]
async fn the_data_is_realistic_and_the_last_month_shows_two_traps(pool: PgPool) {
    let url = database::url(&pool, None);
    let opts = options(4_000, 6);
    let (mut conn, summary) = seeded_schema(&url, "demo", &opts).await;
    let a = aggregates(&mut conn, &opts).await;
    assert_eq!(a.months.len(), 6);
    assert!(summary.conversations > 23_000, "{summary:?}");
    // 3–6 calls per AI conversation plus background jobs.
    let per_conv = summary.llm_usage as f64 / summary.conversations as f64;
    assert!((3.0..=6.0).contains(&per_conv), "{per_conv}");

    let ratio = |n: i64, d: i64| n as f64 / d as f64;
    for m in &a.months {
        let c = &m.conversations;
        let rate = ratio(c.returned_24h, c.total);
        assert!(
            (0.08..=0.12).contains(&rate),
            "{} return rate {rate}",
            m.month
        );
        let unclassified = ratio(c.quality.unclassified, c.total);
        assert!(
            (0.03..=0.07).contains(&unclassified),
            "{} unclassified {unclassified}",
            m.month
        );
        let deflection = ratio(c.deflected, c.total);
        assert!(
            (0.45..=0.70).contains(&deflection),
            "{} deflection {deflection}",
            m.month
        );
        assert_eq!(c.channels.len(), 4, "{:?}", c.channels);
        let frt = c.first_response.p90_seconds.unwrap();
        assert!((1.0..3.0).contains(&frt), "{} FRT p90 {frt}", m.month);
        let aht_minutes = (c.handle_time.total_micros / Decimal::from(c.handle_time.measured))
            .try_into()
            .map(|us: f64| us / 60e6)
            .unwrap();
        assert!(
            (2.0..30.0).contains(&aht_minutes),
            "{} AHT {aht_minutes} min",
            m.month
        );
        // The out-of-contract rows: at least one of each kind, a tiny share.
        let q = &c.quality;
        for (kind, n) in [
            ("ai_csat", q.ai_csat_out_of_range),
            ("sentiment", q.sentiment_out_of_range),
            ("negative FRT", q.negative_first_response),
            ("closed before start", q.closed_before_start),
        ] {
            assert!(
                n >= 1 && ratio(n, c.total) < 0.002,
                "{} {kind}: {n}",
                m.month
            );
        }
        assert!(m.kb_evals.evaluated >= 1_500);
        assert!(m.reply_edits.edited > 0 && m.reply_edits.fed_back > 0);
        assert!(m.llm_usage.background_cost > 0);
        assert!(m.ledger_amount("infra").is_some() && m.ledger_amount("labor").is_some());
    }

    let (prev, last) = (&a.months[4], &a.months[5]);
    let (pc, lc) = (&prev.conversations, &last.conversations);
    // Trap 1 stays quiet: return rate below 10 % and falling, deflection rising, few
    // frustrated exits among the deflected.
    assert!(ratio(lc.returned_24h, lc.total) < 0.10);
    assert!(ratio(lc.returned_24h, lc.total) < ratio(pc.returned_24h, pc.total));
    assert!(ratio(lc.deflected, lc.total) > ratio(pc.deflected, pc.total));
    assert!(ratio(lc.deflected_frustrated_exits, lc.deflected) < 0.15);

    // Trap 2 triggers: prompts skewed to resolved endings.
    let prompt_rate = |c: &aikpi::aggregates::ConversationAggregates, positive: bool| {
        let (mut n, mut d) = (0, 0);
        for (ending, e) in &c.endings {
            if (ending == "resolved") == positive {
                n += e.rating_prompted;
                d += e.closed;
            }
        }
        ratio(n, d)
    };
    assert!(prompt_rate(lc, true) - prompt_rate(lc, false) > 0.10);
    assert!(ratio(lc.closed_rating_prompted, lc.closed) < 0.95);
    assert!((prompt_rate(pc, true) - prompt_rate(pc, false)).abs() < 0.05);
    assert!(ratio(pc.closed_rating_prompted, pc.closed) >= 0.95);

    // Trap 3 triggers: no `llm` line, the spend sits in cloud_services.
    assert_eq!(last.ledger_amount("llm"), None);
    let booked = prev.ledger_amount("llm").unwrap();
    assert!(
        booked >= &(&prev.llm_usage.cost * BigDecimal::new(9.into(), 1)),
        "{booked} vs {}",
        prev.llm_usage.cost
    );
    assert!(last.ledger_amount("cloud_services").unwrap() > &last.llm_usage.cost);

    // Cost per conversation falls over the window.
    let cost = |m: &aikpi::aggregates::MonthAggregates| {
        let zero = BigDecimal::from(0);
        let total = &m.llm_usage.cost
            + m.ledger_amount("infra").unwrap_or(&zero)
            + m.ledger_amount("labor").unwrap_or(&zero);
        total / BigDecimal::from(m.conversations.total)
    };
    assert!(cost(last) < cost(&a.months[0]));
}

#[sqlx::test]
async fn seeding_respects_the_time_zone_calendar(pool: PgPool) {
    // Shanghai months: everything generated lies inside the window's local months.
    let url = database::url(&pool, None);
    let opts = SeedOptions {
        tz: chrono_tz::Asia::Shanghai,
        ..options(300, 2)
    };
    let (mut conn, summary) = seeded_schema(&url, "shanghai", &opts).await;
    let a = aggregates(&mut conn, &opts).await;
    let in_window: i64 = a.months.iter().map(|m| m.conversations.total).sum();
    assert_eq!(in_window as u64, summary.conversations);
    let (start, _) = Month::new(2026, 9).unwrap().bounds(opts.tz);
    assert_eq!(a.months[0].starts_at, start);
}
