//! The fast formulations of docs/PERFORMANCE.md agree exactly with the literal definitions
//! of SPEC §3, on this server:
//!
//! * reading on several connections (one shared snapshot) gives the same aggregates as
//!   reading on one;
//! * the integer fast paths for sentiment (a `real` column) and handle time, and the
//!   float8 route for first response times, give exactly what `::numeric` sums,
//!   `::numeric` comparisons and `extract(epoch …)::float8` percentiles give, on values
//!   chosen to break them (decade boundaries, ties, tiny values, 24 h edges).
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied.

use crate::database;

use bigdecimal::BigDecimal;
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sqlx::PgPool;

use aikpi::aggregates::{Aggregates, SourceInfo};
use aikpi::seed::{seed, SeedOptions};
use aikpi::source::postgres::{
    apply_read_options, connect, read_aggregates, read_aggregates_with, AggregatesRequest,
    ReadOptions,
};

fn request(months: &[&str], frustrated_min: Decimal) -> AggregatesRequest {
    AggregatesRequest {
        months: months.iter().map(|m| m.parse().unwrap()).collect(),
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: frustrated_min,
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at: "2026-12-01T00:00:00Z".parse().unwrap(),
    }
}

async fn read_on(pool: &PgPool, connections: usize, req: &AggregatesRequest) -> Aggregates {
    let url = database::url(pool, None);
    let options = ReadOptions {
        work_mem: Some("8MB".into()),
        connections,
        parallel_workers: None,
        use_rollup: true,
    };
    let mut sessions = Vec::new();
    for _ in 0..connections {
        let mut conn = connect(&url, "public", None, true).await.unwrap();
        apply_read_options(&mut conn, &options).await.unwrap();
        sessions.push(conn);
    }
    let mut first = sessions.remove(0);
    read_aggregates_with(&mut first, sessions, req)
        .await
        .unwrap()
}

#[sqlx::test]
async fn several_connections_on_one_snapshot_read_what_one_connection_reads(pool: PgPool) {
    let options = SeedOptions {
        end_month: "2026-10".parse().unwrap(),
        months: 7,
        conversations_per_month: 2000,
        seed: 7,
        tz: chrono_tz::UTC,
        append: false,
    };
    let mut conn = pool.acquire().await.unwrap();
    seed(&mut conn, &options).await.unwrap();
    let months = [
        "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
    ];
    let req = request(&months, Decimal::new(5, 1));
    let one = read_aggregates(&mut conn, &req).await.unwrap();
    assert!(one.months.iter().all(|m| m.conversations.total > 1000));
    for connections in [2, 4, 7] {
        let many = read_on(&pool, connections, &req).await;
        assert_eq!(many, one, "{connections} connections");
    }
}

/// The report's sessions get the read options' parallel workers, and only they do.
#[sqlx::test]
async fn read_sessions_run_without_parallel_workers_unless_asked(pool: PgPool) {
    let url = database::url(&pool, None);
    let workers = |parallel_workers: Option<u32>| {
        let url = url.clone();
        async move {
            let mut conn = connect(&url, "public", None, true).await.unwrap();
            let options = ReadOptions {
                parallel_workers,
                ..ReadOptions::default()
            };
            apply_read_options(&mut conn, &options).await.unwrap();
            sqlx::query_scalar::<_, String>("SHOW max_parallel_workers_per_gather")
                .fetch_one(&mut conn)
                .await
                .unwrap()
        }
    };
    let server: String = sqlx::query_scalar("SHOW max_parallel_workers_per_gather")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(ReadOptions::default().parallel_workers, Some(0));
    assert_eq!(workers(Some(0)).await, "0");
    assert_eq!(workers(Some(3)).await, "3");
    assert_eq!(workers(None).await, server);
    assert_ne!(
        server, "3",
        "the server's own setting should differ from the one asked for"
    );
}

/// Float4 values that stress the sentiment fast path: every decade boundary and its
/// neighbours, exact ties at the 6th significant digit, tiny values, values
/// that round up into the next decade, and random values over every decade.
fn sentiments(rng: &mut ChaCha8Rng) -> Vec<f32> {
    // (No subnormals: their sum has more decimals than a Decimal carries, on any path.)
    let mut v: Vec<f32> = vec![0.0, -0.0, 1.0, 0.5, 0.3, 0.1, 0.123457, 1e-12];
    for k in 0..=9 {
        let b = 10f32.powi(-k);
        let mut lo = b;
        let mut hi = b;
        for _ in 0..4 {
            v.extend([lo, hi]);
            lo = f32::from_bits(lo.to_bits() - 1);
            hi = f32::from_bits(hi.to_bits() + 1);
        }
        // Just below the boundary, rounding up to it at 6 significant digits.
        v.push(b * 0.99999974);
        v.push(b * 0.9999996);
    }
    // odd/128 and odd/1024 have an exact 5 at the 7th significant digit: ties to even.
    for odd in (1..128).step_by(2) {
        v.push(odd as f32 / 128.0);
    }
    for odd in (1..1024).step_by(6) {
        v.push(odd as f32 / 1024.0);
    }
    for _ in 0..4000 {
        v.push(rng.random::<f32>());
        v.push(10f32.powf(-9.0 * rng.random::<f32>()));
        // Three decimals, like the seed and most scoring pipelines.
        v.push(rng.random_range(0..=1000) as f32 / 1000.0);
    }
    v.extend([1.0000001, 1.5, -0.001, f32::NAN, f32::INFINITY]);
    v
}

fn micros(d: i64) -> Duration {
    Duration::microseconds(d)
}

/// Durations around the 24 h edge of the integer fast paths, and random ones up to 3 days.
fn durations(rng: &mut ChaCha8Rng) -> Vec<Duration> {
    const DAY: i64 = 86_400_000_000;
    let mut v: Vec<Duration> = [0, 1, 999_999, DAY - 1, DAY, DAY + 1, 2 * DAY, -1, -DAY]
        .into_iter()
        .map(micros)
        .collect();
    for _ in 0..4000 {
        v.push(micros(rng.random_range(0..3 * DAY)));
        v.push(micros(rng.random_range(0..10_000_000)));
    }
    v
}

#[sqlx::test]
async fn fast_paths_agree_with_the_definitions_on_hostile_values(pool: PgPool) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let sentiments = sentiments(&mut rng);
    let durations = durations(&mut rng);
    let n = sentiments.len().max(durations.len());
    let start: DateTime<Utc> = "2026-10-01T00:00:00Z".parse().unwrap();
    let mut ids = Vec::new();
    let mut started = Vec::new();
    let mut replied = Vec::new();
    let mut closed = Vec::new();
    let mut reasons = Vec::new();
    let mut sentiment = Vec::new();
    for i in 0..n {
        let s = start + micros(rng.random_range(0..20 * 86_400_000_000_i64));
        ids.push(format!("c{i}"));
        started.push(s);
        let frt = durations[(i * 7) % durations.len()];
        replied.push(s + frt);
        closed.push(s + durations[i % durations.len()]);
        reasons.push(["user_left", "timeout", "resolved"][i % 3].to_string());
        sentiment.push(sentiments[i % sentiments.len()]);
    }
    // Distinct users: nobody returns, so every give-up exit with a high enough sentiment is
    // a frustrated exit.
    sqlx::query(
        "INSERT INTO conversations (id, user_id, issue_key, channel, started_at,
            first_user_message_at, first_ai_reply_at, closed_at, close_reason,
            ai_participated, rating_prompted, negative_sentiment)
         SELECT id, 'u-' || id, 'k', 'web', s, s, r, c, reason, true, true, v
         FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[],
                     $5::text[], $6::real[]) AS t(id, s, r, c, reason, v)",
    )
    .bind(&ids)
    .bind(&started)
    .bind(&replied)
    .bind(&closed)
    .bind(&reasons)
    .bind(&sentiment)
    .execute(&pool)
    .await
    .unwrap();

    type Literal = (BigDecimal, Decimal, f64, f64, BigDecimal, BigDecimal);
    let (sentiment_sum, total_micros, p50, p90, sentiment_squares, micros_squares): Literal = sqlx::query_as(
        "SELECT
            sum(negative_sentiment::numeric) FILTER (WHERE negative_sentiment BETWEEN 0 AND 1),
            sum((extract(epoch FROM closed_at) - extract(epoch FROM started_at)) * 1000000)
                FILTER (WHERE closed_at >= started_at),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_ai_reply_at - first_user_message_at)::float8)
                FILTER (WHERE first_ai_reply_at >= first_user_message_at),
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_ai_reply_at - first_user_message_at)::float8)
                FILTER (WHERE first_ai_reply_at >= first_user_message_at),
            sum(negative_sentiment::numeric * negative_sentiment::numeric)
                FILTER (WHERE negative_sentiment BETWEEN 0 AND 1),
            sum(((extract(epoch FROM closed_at) - extract(epoch FROM started_at)) * 1000000)
                * ((extract(epoch FROM closed_at) - extract(epoch FROM started_at)) * 1000000))
                FILTER (WHERE closed_at >= started_at)
         FROM conversations",
    )
    .fetch_one(&pool)
    .await
    .unwrap();

    for threshold in [
        "0.5",
        "0.3",
        "0.123457",
        "0.1",
        "0.0000001",
        "0.00000001",
        "0",
        "1",
    ] {
        let threshold: Decimal = threshold.parse().unwrap();
        let frustrated: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM conversations
             WHERE close_reason IN ('user_left', 'timeout') AND closed_at IS NOT NULL
               AND negative_sentiment BETWEEN 0 AND 1
               AND negative_sentiment::numeric >= $1",
        )
        .bind(threshold)
        .fetch_one(&pool)
        .await
        .unwrap();
        let a = read_on(&pool, 3, &request(&["2026-10"], threshold)).await;
        let c = &a.months[0].conversations;
        assert_eq!(
            c.deflected_frustrated_exits, frustrated,
            "threshold {threshold}"
        );
        assert_eq!(c.sentiment.sum, sentiment_sum);
        assert_eq!(c.handle_time.total_micros, total_micros);
        assert_eq!(c.sentiment.sum_squares, sentiment_squares);
        assert_eq!(c.handle_time.sum_squares_micros, micros_squares);
        // One channel and one issue key: each segment is the whole month, by either query.
        let segments = a.months[0].segments.as_ref().unwrap();
        for segment in [&segments.channels["web"], &segments.issues[0].counts] {
            assert_eq!(segment.sentiment_sum, sentiment_sum);
            assert_eq!(segment.handle_time_micros, total_micros);
            assert_eq!(
                segment.frt_p90_seconds.map(f64::to_bits),
                Some(p90.to_bits())
            );
        }
        assert_eq!(
            c.first_response.p50_seconds.map(f64::to_bits),
            Some(p50.to_bits())
        );
        assert_eq!(
            c.first_response.p90_seconds.map(f64::to_bits),
            Some(p90.to_bits())
        );
        // October as the first of three months has no segments: its percentiles come
        // from the month query instead, and everything else from the same facts.
        let b = read_on(
            &pool,
            3,
            &request(&["2026-10", "2026-11", "2026-12"], threshold),
        )
        .await;
        assert!(b.months[0].segments.is_none());
        assert_eq!(b.months[0].conversations, *c, "threshold {threshold}");
    }
}
